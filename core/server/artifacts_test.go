package server_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gowandb/wandb/core/artifact"
	"github.com/gowandb/wandb/core/server"
	"github.com/gowandb/wandb/core/store"
)

// artGQL posts a GraphQL request as key and returns data, the error
// messages and the HTTP status.
func artGQL(t *testing.T, e *env, key, query string, vars map[string]any) (map[string]any, []string, int) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	resp, err := e.httpClient(key).Post(e.srv.URL+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Data   map[string]any `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, x := range out.Errors {
		msgs = append(msgs, x.Message)
	}
	return out.Data, msgs, resp.StatusCode
}

// dig follows keys (and list indexes as ints) through decoded JSON.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func b64md5(b []byte) string {
	s := md5.Sum(b)
	return base64.StdEncoding.EncodeToString(s[:])
}

func put(t *testing.T, url string, body []byte) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, url, bytes.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// The operations in the shapes W&B's SDK sends them: variables spread into
// an inline input, enum-typed variables, fragments on the collection
// interface.
const (
	wbCreateArtifact = `mutation CreateArtifact($entityName: String!, $projectName: String!, $artifactTypeName: String!,
  $artifactCollectionName: String!, $runName: String, $digest: String!, $digestAlgorithm: ArtifactDigestAlgorithm!,
  $description: String, $aliases: [ArtifactAliasInput!], $metadata: JSONString, $historyStep: Int64,
  $enableDigestDeduplication: Boolean, $clientID: ID) {
  createArtifact(input: {entityName: $entityName, projectName: $projectName, artifactTypeName: $artifactTypeName,
    artifactCollectionName: $artifactCollectionName, runName: $runName, digest: $digest, digestAlgorithm: $digestAlgorithm,
    description: $description, aliases: $aliases, metadata: $metadata, historyStep: $historyStep,
    enableDigestDeduplication: $enableDigestDeduplication, clientID: $clientID}) {
    artifact { id state versionIndex artifactSequence { id latestArtifact { id versionIndex } } }
  }
}`
	wbCreateManifest = `mutation CreateArtifactManifest($name: String!, $digest: String!, $artifactID: ID!, $baseArtifactID: ID,
  $entityName: String!, $projectName: String!, $runName: String!, $includeUpload: Boolean!, $type: ArtifactManifestType = FULL) {
  createArtifactManifest(input: {name: $name, digest: $digest, artifactID: $artifactID, baseArtifactID: $baseArtifactID,
    entityName: $entityName, projectName: $projectName, runName: $runName, type: $type}) {
    artifactManifest { id file { id name displayName uploadUrl @include(if: $includeUpload) uploadHeaders @include(if: $includeUpload) } }
  }
}`
	wbCreateFiles = `mutation CreateArtifactFiles($storageLayout: ArtifactStorageLayout!, $artifactFiles: [CreateArtifactFileSpecInput!]!) {
  createArtifactFiles(input: {artifactFiles: $artifactFiles, storageLayout: $storageLayout}) {
    files { edges { node { id name displayName uploadUrl uploadHeaders storagePath
      uploadMultipartUrls { uploadID uploadUrlParts { partNumber uploadUrl } } artifact { id } } } }
  }
}`
	wbComplete = `mutation CompleteMultipartUploadArtifact($completeMultipartAction: CompleteMultipartAction!,
  $completedParts: [UploadPartsInput!]!, $artifactID: ID!, $storagePath: String!, $uploadID: String!) {
  completeMultipartUploadArtifact(input: {completeMultipartAction: $completeMultipartAction, completedParts: $completedParts,
    artifactID: $artifactID, storagePath: $storagePath, uploadID: $uploadID}) { digest }
}`
	wbCommit     = `mutation CommitArtifact($artifactID: ID!) { commitArtifact(input: {artifactID: $artifactID}) { artifact { id digest state versionIndex } } }`
	wbMembership = `query ArtifactMembershipByName($entityName: String!, $projectName: String!, $name: String!) {
  project(name: $projectName, entityName: $entityName) {
    artifactCollectionMembership(name: $name) {
      versionIndex aliases { alias }
      artifactCollection { __typename name ... on ArtifactSequence { id } defaultArtifactType { name } }
      artifact { id digest state currentManifest { file { directUrl } } createdBy { __typename ... on Run { name } } }
    }
  }
}`
	wbTypeCollections = `query ArtifactCollections($entityName: String!, $projectName: String!, $type: String!) {
  project(name: $projectName, entityName: $entityName) {
    artifactType(name: $type) { name artifactCollections { totalCount edges { node { name latestArtifact { versionIndex } } } } }
  }
}`
)

func TestArtifactWireShapesOfTheSDK(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.st.UpsertRun(ctx, store.RunUpsert{Entity: "alice", Project: "p", Name: "r1"}); err != nil {
		t.Fatal(err)
	}
	small, big := []byte("small file"), bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB, two parts
	m := artifact.NewManifest()
	m.Contents["small.txt"] = artifact.Entry{Digest: b64md5(small), Size: int64(len(small))}
	m.Contents["big.bin"] = artifact.Entry{Digest: b64md5(big), Size: int64(len(big))}
	digest := m.Digest()
	vars := map[string]any{"entityName": "alice", "projectName": "p", "artifactTypeName": "dataset",
		"artifactCollectionName": "ds", "runName": "r1", "digest": digest, "digestAlgorithm": "MANIFEST_MD5",
		"aliases":  []any{map[string]any{"artifactCollectionName": "ds", "alias": "best"}},
		"metadata": `{"rows": 3}`, "historyStep": 5, "enableDigestDeduplication": true, "clientID": "c1"}
	data, errs, _ := artGQL(t, e, aliceKey, wbCreateArtifact, vars)
	if len(errs) > 0 || dig(data, "createArtifact", "artifact", "state") != "PENDING" || dig(data, "createArtifact", "artifact", "versionIndex") != nil {
		t.Fatalf("createArtifact: %v %v", data, errs)
	}
	id := dig(data, "createArtifact", "artifact", "id").(string)

	// Files: small whole, big in two parts.
	half := len(big) / 2
	hexOf := func(b []byte) string { s := md5.Sum(b); return hex.EncodeToString(s[:]) }
	files := []any{
		map[string]any{"artifactID": id, "name": "small.txt", "md5": b64md5(small)},
		map[string]any{"artifactID": id, "name": "big.bin", "md5": b64md5(big), "uploadPartsInput": []any{
			map[string]any{"partNumber": 1, "hexMD5": hexOf(big[:half])},
			map[string]any{"partNumber": 2, "hexMD5": hexOf(big[half:])}}},
	}
	data, errs, _ = artGQL(t, e, aliceKey, wbCreateFiles, map[string]any{"storageLayout": "V2", "artifactFiles": files})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	smallURL, _ := dig(data, "createArtifactFiles", "files", "edges", 0, "node", "uploadUrl").(string)
	mp := dig(data, "createArtifactFiles", "files", "edges", 1, "node", "uploadMultipartUrls")
	if smallURL == "" || mp == nil {
		t.Fatalf("createArtifactFiles: %v", data)
	}
	// A body that is not the announced content is refused and not stored.
	if code := put(t, smallURL, []byte("something else")); code != http.StatusBadRequest {
		t.Fatalf("wrong content: HTTP %d", code)
	}
	if code := put(t, smallURL, small); code != http.StatusOK {
		t.Fatalf("small: HTTP %d", code)
	}
	part1, _ := dig(mp, "uploadUrlParts", 0, "uploadUrl").(string)
	if code := put(t, part1, big[:half]); code != http.StatusOK {
		t.Fatalf("part 1: HTTP %d", code)
	}
	completed := []any{map[string]any{"partNumber": 1, "hexMD5": hexOf(big[:half])}, map[string]any{"partNumber": 2, "hexMD5": hexOf(big[half:])}}
	storagePath := dig(data, "createArtifactFiles", "files", "edges", 1, "node", "storagePath")
	cvars := map[string]any{"completeMultipartAction": "Complete", "completedParts": completed, "artifactID": id,
		"storagePath": storagePath, "uploadID": dig(mp, "uploadID")}
	if _, errs, _ := artGQL(t, e, aliceKey, wbComplete, cvars); len(errs) == 0 || !strings.Contains(errs[0], "part 2") {
		t.Fatalf("complete with part 2 missing: %v", errs)
	}
	// Asked again, the server answers a URL for every part (W&B's clients
	// upload them all; ours also asks `uploaded` and skips the ones the
	// server has), and sending a stored part again is harmless.
	data, _, _ = artGQL(t, e, aliceKey, wbCreateFiles, map[string]any{"storageLayout": "V2", "artifactFiles": files[1:]})
	mp = dig(data, "createArtifactFiles", "files", "edges", 0, "node", "uploadMultipartUrls")
	if dig(mp, "uploadUrlParts", 0, "uploadUrl") == nil || dig(mp, "uploadUrlParts", 1, "uploadUrl") == nil {
		t.Fatalf("resumed multipart URLs: %v", mp)
	}
	if code := put(t, dig(mp, "uploadUrlParts", 0, "uploadUrl").(string), big[:half]); code != http.StatusOK {
		t.Fatalf("part 1 again: HTTP %d", code)
	}
	if code := put(t, dig(mp, "uploadUrlParts", 1, "uploadUrl").(string), big[half:]); code != http.StatusOK {
		t.Fatalf("part 2: HTTP %d", code)
	}
	if d, errs, _ := artGQL(t, e, aliceKey, wbComplete, cvars); len(errs) > 0 || dig(d, "completeMultipartUploadArtifact", "digest") != b64md5(big) {
		t.Fatalf("complete: %v %v", d, errs)
	}

	// Commit before the manifest is refused.
	if _, errs, _ := artGQL(t, e, aliceKey, wbCommit, map[string]any{"artifactID": id}); len(errs) == 0 || !strings.Contains(errs[0], "manifest") {
		t.Fatalf("commit without manifest: %v", errs)
	}
	mdigest, mbytes, err := m.ManifestFileDigest()
	if err != nil {
		t.Fatal(err)
	}
	data, errs, _ = artGQL(t, e, aliceKey, wbCreateManifest, map[string]any{"name": "wandb_manifest.json", "digest": mdigest,
		"artifactID": id, "entityName": "alice", "projectName": "p", "runName": "r1", "includeUpload": true})
	murl, _ := dig(data, "createArtifactManifest", "artifactManifest", "file", "uploadUrl").(string)
	if len(errs) > 0 || murl == "" {
		t.Fatalf("createArtifactManifest: %v %v", data, errs)
	}
	if code := put(t, murl, mbytes); code != http.StatusOK {
		t.Fatalf("manifest: HTTP %d", code)
	}
	data, errs, _ = artGQL(t, e, aliceKey, wbCommit, map[string]any{"artifactID": id})
	if len(errs) > 0 || dig(data, "commitArtifact", "artifact", "state") != "COMMITTED" || dig(data, "commitArtifact", "artifact", "versionIndex") != 0.0 {
		t.Fatalf("commit: %v %v", data, errs)
	}

	// The same digest again: COMMITTED at once.
	data, _, _ = artGQL(t, e, aliceKey, wbCreateArtifact, vars)
	if dig(data, "createArtifact", "artifact", "state") != "COMMITTED" || dig(data, "createArtifact", "artifact", "id") != id {
		t.Fatalf("dedup: %v", data)
	}

	data, errs, _ = artGQL(t, e, aliceKey, wbMembership, map[string]any{"entityName": "alice", "projectName": "p", "name": "ds:best"})
	mem := dig(data, "project", "artifactCollectionMembership")
	if len(errs) > 0 || dig(mem, "versionIndex") != 0.0 || dig(mem, "artifactCollection", "__typename") != "ArtifactSequence" ||
		dig(mem, "artifactCollection", "defaultArtifactType", "name") != "dataset" || dig(mem, "artifact", "createdBy", "name") != "r1" ||
		dig(mem, "artifact", "createdBy", "__typename") != "Run" {
		t.Fatalf("membership: %v %v", data, errs)
	}
	// The manifest's URL needs no credentials.
	resp, err := http.Get(dig(mem, "artifact", "currentManifest", "file", "directUrl").(string))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, mbytes) {
		t.Fatalf("manifest download = %q", got)
	}

	data, errs, _ = artGQL(t, e, aliceKey, wbTypeCollections, map[string]any{"entityName": "alice", "projectName": "p", "type": "dataset"})
	if len(errs) > 0 || dig(data, "project", "artifactType", "artifactCollections", "totalCount") != 1.0 ||
		dig(data, "project", "artifactType", "artifactCollections", "edges", 0, "node", "latestArtifact", "versionIndex") != 0.0 {
		t.Fatalf("type collections: %v %v", data, errs)
	}

	// bob reaches none of it.
	if _, errs, code := artGQL(t, e, bobKey, wbCommit, map[string]any{"artifactID": id}); len(errs) == 0 || code != http.StatusForbidden {
		t.Fatalf("bob commit: %d %v", code, errs)
	}
	bvars := map[string]any{}
	for k, v := range vars {
		bvars[k] = v
	}
	bvars["runName"] = nil
	if _, errs, code := artGQL(t, e, bobKey, wbCreateArtifact, bvars); len(errs) == 0 || code != http.StatusForbidden {
		t.Fatalf("bob create in alice's entity: %d %v", code, errs)
	}
}

func TestArtifactURLTokens(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	e := newEnv(t, server.WithClock(clock), server.WithUploadTTL(time.Minute))
	m := artifact.NewManifest()
	content := []byte("x")
	m.Contents["x"] = artifact.Entry{Digest: b64md5(content), Size: 1}
	data, errs, _ := artGQL(t, e, aliceKey, wbCreateArtifact, map[string]any{"entityName": "alice", "projectName": "p",
		"artifactTypeName": "t", "artifactCollectionName": "c", "digest": m.Digest(), "digestAlgorithm": "MANIFEST_MD5"})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	id := dig(data, "createArtifact", "artifact", "id")
	data, _, _ = artGQL(t, e, aliceKey, wbCreateFiles, map[string]any{"storageLayout": "V2",
		"artifactFiles": []any{map[string]any{"artifactID": id, "name": "x", "md5": b64md5(content)}}})
	u := dig(data, "createArtifactFiles", "files", "edges", 0, "node", "uploadUrl").(string)
	// A run-file upload route does not take an artifact token, nor GET.
	tok := u[strings.LastIndex(u, "/")+1:]
	if code := put(t, e.srv.URL+"/files/upload/"+tok, content); code/100 == 2 {
		t.Fatalf("artifact token on the run upload route: %d", code)
	}
	if resp, err := http.Get(e.srv.URL + "/artifacts/blob/" + tok); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("upload token used to download: %v %v", resp.StatusCode, err)
	}
	// A tampered token is refused.
	if code := put(t, u[:len(u)-2]+"AA", content); code != http.StatusForbidden {
		t.Fatalf("tampered: %d", code)
	}
	now = now.Add(2 * time.Minute)
	if code := put(t, u, content); code != http.StatusForbidden {
		t.Fatalf("expired: %d", code)
	}
}

func TestCreateArtifactFilesRefusesBadInput(t *testing.T) {
	e := newEnv(t)
	m := artifact.NewManifest()
	m.Contents["x"] = artifact.Entry{Digest: b64md5([]byte("x")), Size: 1}
	data, _, _ := artGQL(t, e, aliceKey, wbCreateArtifact, map[string]any{"entityName": "alice", "projectName": "p",
		"artifactTypeName": "t", "artifactCollectionName": "c", "digest": m.Digest(), "digestAlgorithm": "MANIFEST_MD5"})
	id := dig(data, "createArtifact", "artifact", "id")
	good := b64md5([]byte("x"))
	for name, spec := range map[string]map[string]any{
		"escaping name":     {"artifactID": id, "name": "../../etc/passwd", "md5": good},
		"absolute name":     {"artifactID": id, "name": "/etc/passwd", "md5": good},
		"md5 not base64":    {"artifactID": id, "name": "x", "md5": "not-an-md5"},
		"unknown artifact":  {"artifactID": base64.StdEncoding.EncodeToString([]byte("Artifact:999")), "name": "x", "md5": good},
		"malformed id":      {"artifactID": "zzz", "name": "x", "md5": good},
		"part zero":         {"artifactID": id, "name": "x", "md5": good, "uploadPartsInput": []any{map[string]any{"partNumber": 0, "hexMD5": strings.Repeat("0", 32)}}},
		"part gap":          {"artifactID": id, "name": "x", "md5": good, "uploadPartsInput": []any{map[string]any{"partNumber": 2, "hexMD5": strings.Repeat("0", 32)}}},
		"part md5 not hex":  {"artifactID": id, "name": "x", "md5": good, "uploadPartsInput": []any{map[string]any{"partNumber": 1, "hexMD5": "zz"}}},
		"10001 parts (max)": {"artifactID": id, "name": "x", "md5": good, "uploadPartsInput": []any{map[string]any{"partNumber": 10001, "hexMD5": strings.Repeat("0", 32)}}},
	} {
		_, errs, _ := artGQL(t, e, aliceKey, wbCreateFiles, map[string]any{"storageLayout": "V2", "artifactFiles": []any{spec}})
		if len(errs) == 0 {
			t.Errorf("%s: accepted", name)
		}
	}
	if keys, _ := e.blobs.List(context.Background(), "artifacts/"); len(keys) != 0 {
		t.Fatalf("blobs stored: %v", keys)
	}
}
