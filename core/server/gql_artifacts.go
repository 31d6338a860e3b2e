package server

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/gowandb/wandb/core/artifact"
	"github.com/gowandb/wandb/core/server/gql"
	"github.com/gowandb/wandb/core/store"
)

// maxManifestBytes bounds a manifest read at commit (W&B's manifests of
// 10^5 files are about 15 MiB).
const maxManifestBytes = 256 << 20

// registerArtifacts registers the artifact operations (schema/artifacts.graphql),
// the artifact fields of Project and Run, and the routes that carry
// artifact contents (artifact_upload.go). They need a store that
// implements store.Artifacts; without one nothing is registered.
func (s *Server) registerArtifacts(e *gql.Executor) {
	as, ok := s.store.(store.Artifacts)
	if !ok {
		return
	}
	a := &artifactAPI{s: s, st: as}
	e.Query("artifact", a.artifactByID)
	e.Mutation("createArtifact", a.createArtifact)
	e.Mutation("createArtifactManifest", a.createArtifactManifest)
	e.Mutation("updateArtifactManifest", a.updateArtifactManifest)
	e.Mutation("createArtifactFiles", a.createArtifactFiles)
	e.Mutation("completeMultipartUploadArtifact", a.completeMultipart)
	e.Mutation("commitArtifact", a.commitArtifact)
	e.Mutation("useArtifact", a.useArtifact)
	for name, f := range a.projectFields() {
		s.extendProject(name, f)
	}
	s.extendRun("outputArtifacts", func(ctx context.Context, r store.Run, _ map[string]any) (any, error) {
		l, err := a.st.ArtifactsLoggedBy(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		return a.artifactConnection(l), nil
	})
	s.extendRun("inputArtifacts", func(ctx context.Context, r store.Run, _ map[string]any) (any, error) {
		l, err := a.st.ArtifactsUsedBy(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		return a.artifactConnection(l), nil
	})
	s.addRoute("PUT /artifacts/upload/{token}", http.HandlerFunc(s.artifactUpload), false) // the token authorizes
	s.addRoute("GET /artifacts/blob/{token}", http.HandlerFunc(s.artifactDownload), false)
}

// artifactAPI holds the artifact resolvers.
type artifactAPI struct {
	s  *Server
	st store.Artifacts
}

// ids: GraphQL global ids, base64("Artifact:<n>").

func artifactID(id int64) string {
	return base64.StdEncoding.EncodeToString([]byte("Artifact:" + strconv.FormatInt(id, 10)))
}

func parseArtifactID(s string) (int64, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err == nil {
		if t, n, ok := strings.Cut(string(b), ":"); ok && t == "Artifact" {
			if id, err := strconv.ParseInt(n, 10, 64); err == nil {
				return id, nil
			}
		}
	}
	return 0, fmt.Errorf("%w: %q is not an artifact id", store.ErrInvalid, s)
}

func typedID(typ string, parts ...any) string {
	s := typ
	for _, p := range parts {
		s += ":" + fmt.Sprint(p)
	}
	return base64.StdEncoding.EncodeToString([]byte(s))
}

func argMap(args map[string]any, k string) map[string]any {
	m, _ := args[k].(map[string]any)
	return m
}

// load returns the version of a GraphQL id after checking that the user
// may access its entity.
func (a *artifactAPI) load(ctx context.Context, id string) (store.Artifact, error) {
	n, err := parseArtifactID(id)
	if err != nil {
		return store.Artifact{}, err
	}
	art, err := a.st.Artifact(ctx, n)
	if err != nil {
		return store.Artifact{}, err
	}
	if err := a.s.checkEntity(ctx, art.Entity); err != nil {
		return store.Artifact{}, err
	}
	return art, nil
}

func (a *artifactAPI) artifactByID(ctx context.Context, args map[string]any) (any, error) {
	art, err := a.load(ctx, str(args, "id"))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return a.artifactValue(art), nil
}

func (a *artifactAPI) createArtifact(ctx context.Context, args map[string]any) (any, error) {
	in := argMap(args, "input")
	entity, project := str(in, "entityName"), str(in, "projectName")
	if err := a.s.checkEntity(ctx, entity); err != nil {
		return nil, err
	}
	name := str(in, "artifactCollectionName")
	if name == "" {
		if names, _ := in["artifactCollectionNames"].([]any); len(names) > 0 {
			name, _ = names[0].(string)
		}
	}
	ai := store.ArtifactInput{Entity: entity, Project: project, Type: str(in, "artifactTypeName"), Collection: name,
		Digest: str(in, "digest"), Description: str(in, "description")}
	if md := str(in, "metadata"); md != "" {
		ai.Metadata = json.RawMessage(md)
	}
	if step, ok := in["historyStep"].(int64); ok {
		ai.HistoryStep = &step
	}
	aliases, _ := in["aliases"].([]any)
	for _, x := range aliases {
		m, _ := x.(map[string]any)
		if c := str(m, "artifactCollectionName"); c != "" && c != name {
			continue
		}
		ai.Aliases = append(ai.Aliases, str(m, "alias"))
	}
	if run := str(in, "runName"); run != "" {
		r, err := a.s.store.Run(ctx, entity, project, run)
		if err != nil {
			return nil, fmt.Errorf("createArtifact: run %s/%s/%s: %w", entity, project, run, err)
		}
		ai.RunID = r.ID
	}
	art, _, err := a.st.CreateArtifact(ctx, ai)
	if err != nil {
		return nil, fmt.Errorf("createArtifact %s/%s/%s: %w", entity, project, name, err)
	}
	return map[string]any{"artifact": a.artifactValue(art), "clientMutationId": in["clientMutationId"]}, nil
}

func (a *artifactAPI) manifestValue(ctx context.Context, art store.Artifact, upload bool) (map[string]any, error) {
	file := map[string]any{"id": typedID("ArtifactFile", art.ID, artifact.ManifestFileName),
		"name": artifact.ManifestFileName, "displayName": artifact.ManifestFileName,
		"digest": art.ManifestDigest, "md5": art.ManifestDigest, "uploadHeaders": []string{}}
	if art.ManifestDigest != "" {
		key, err := store.ArtifactBlobKey(art.ManifestDigest)
		if err != nil {
			return nil, err
		}
		file["storagePath"] = key
		file["directUrl"] = a.s.artifactURL(ctx, artifactClaim{Kind: claimGet, Key: key})
		file["url"] = file["directUrl"]
		if upload {
			file["uploadUrl"] = a.s.artifactURL(ctx, artifactClaim{Kind: claimPut, Key: key, MD5: art.ManifestDigest})
		}
	}
	return map[string]any{"id": typedID("ArtifactManifest", art.ID), "type": "FULL", "file": file}, nil
}

func (a *artifactAPI) setManifest(ctx context.Context, art store.Artifact, digest string) (any, error) {
	if digest != "" {
		if err := a.st.SetArtifactManifest(ctx, art.ID, digest); err != nil {
			return nil, fmt.Errorf("artifact manifest of %s: %w", artifactID(art.ID), err)
		}
		art.ManifestDigest = digest
	}
	m, err := a.manifestValue(ctx, art, true)
	if err != nil {
		return nil, err
	}
	return map[string]any{"artifactManifest": m}, nil
}

func (a *artifactAPI) createArtifactManifest(ctx context.Context, args map[string]any) (any, error) {
	in := argMap(args, "input")
	art, err := a.load(ctx, str(in, "artifactID"))
	if err != nil {
		return nil, err
	}
	if n := str(in, "name"); n != artifact.ManifestFileName && n != "" {
		return nil, fmt.Errorf("%w: manifest name %q: only %s is served", store.ErrInvalid, n, artifact.ManifestFileName)
	}
	return a.setManifest(ctx, art, str(in, "digest"))
}

func (a *artifactAPI) updateArtifactManifest(ctx context.Context, args map[string]any) (any, error) {
	in := argMap(args, "input")
	b, err := base64.StdEncoding.DecodeString(str(in, "artifactManifestID"))
	t, n, ok := strings.Cut(string(b), ":")
	if err != nil || !ok || t != "ArtifactManifest" {
		return nil, fmt.Errorf("%w: %q is not an artifact manifest id", store.ErrInvalid, str(in, "artifactManifestID"))
	}
	id, _ := strconv.ParseInt(n, 10, 64)
	art, err := a.load(ctx, artifactID(id))
	if err != nil {
		return nil, err
	}
	return a.setManifest(ctx, art, str(in, "digest"))
}

// maxParts is S3's (and W&B's) limit on the parts of an upload.
const maxParts = 10000

func (a *artifactAPI) createArtifactFiles(ctx context.Context, args map[string]any) (any, error) {
	in := argMap(args, "input")
	specs, _ := in["artifactFiles"].([]any)
	loaded := map[string]store.Artifact{}
	edges := make([]any, 0, len(specs))
	for _, x := range specs {
		spec, _ := x.(map[string]any)
		id := str(spec, "artifactID")
		art, ok := loaded[id]
		if !ok {
			var err error
			if art, err = a.load(ctx, id); err != nil {
				return nil, err
			}
			loaded[id] = art
		}
		name, md5 := str(spec, "name"), str(spec, "md5")
		if err := store.ValidEntryPath(name); err != nil {
			return nil, fmt.Errorf("createArtifactFiles: %w", err)
		}
		key, err := store.ArtifactBlobKey(md5)
		if err != nil {
			return nil, fmt.Errorf("createArtifactFiles: file %q: %w", name, err)
		}
		node := map[string]any{"id": typedID("ArtifactFile", art.ID, name), "name": name, "displayName": name,
			"digest": md5, "md5": md5, "storagePath": key, "uploadHeaders": []string{},
			"artifact": map[string]any{"id": artifactID(art.ID)}}
		_, err = a.s.blobs.Stat(ctx, key)
		switch {
		case err == nil: // stored already: nothing to upload
		case !errors.Is(err, store.ErrNotFound):
			return nil, fmt.Errorf("createArtifactFiles: %w", err)
		default:
			parts, _ := spec["uploadPartsInput"].([]any)
			if len(parts) == 0 {
				node["uploadUrl"] = a.s.artifactURL(ctx, artifactClaim{Kind: claimPut, Key: key, MD5: md5})
				break
			}
			mp, err := a.multipartURLs(ctx, key, parts)
			if err != nil {
				return nil, fmt.Errorf("createArtifactFiles: file %q: %w", name, err)
			}
			node["uploadMultipartUrls"] = mp
		}
		edges = append(edges, map[string]any{"node": node, "cursor": name})
	}
	return map[string]any{"files": map[string]any{"totalCount": len(edges), "edges": edges}}, nil
}

// partKey is where part n (hex MD5 h) of the upload of content key lives
// until the upload completes. Parts are named by content too, so a second
// attempt finds the parts the first one stored.
func partKey(uploadID string, n int64, h string) string {
	return fmt.Sprintf("artifacts/uploads/%s/%05d-%s", uploadID, n, h)
}

type partSpec struct {
	n   int64
	hex string
}

func parseParts(parts []any) ([]partSpec, error) {
	out := make([]partSpec, 0, len(parts))
	for _, x := range parts {
		p, _ := x.(map[string]any)
		n, _ := p["partNumber"].(int64)
		h := strings.ToLower(str(p, "hexMD5"))
		if n < 1 || n > maxParts {
			return nil, fmt.Errorf("%w: part number %d out of 1..%d", store.ErrInvalid, n, maxParts)
		}
		if !store.IsHexDigest(h) {
			return nil, fmt.Errorf("%w: part %d: %q is not a hex MD5", store.ErrInvalid, n, h)
		}
		out = append(out, partSpec{n, h})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].n < out[j].n })
	for i, p := range out {
		if p.n != int64(i+1) {
			return nil, fmt.Errorf("%w: parts must be numbered 1..%d without gaps or repeats", store.ErrInvalid, len(out))
		}
	}
	return out, nil
}

func (a *artifactAPI) multipartURLs(ctx context.Context, key string, parts []any) (map[string]any, error) {
	ps, err := parseParts(parts)
	if err != nil {
		return nil, err
	}
	uploadID := strings.TrimPrefix(key, "artifacts/md5/")
	urls := make([]any, 0, len(ps))
	for _, p := range ps {
		pk := partKey(uploadID, p.n, p.hex)
		u := map[string]any{"partNumber": p.n, "uploaded": false,
			"uploadUrl": a.s.artifactURL(ctx, artifactClaim{Kind: claimPart, Key: pk, MD5: p.hex})}
		if _, err := a.s.blobs.Stat(ctx, pk); err == nil {
			u["uploaded"] = true
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		urls = append(urls, u)
	}
	return map[string]any{"uploadID": uploadID, "uploadUrlParts": urls}, nil
}

func (a *artifactAPI) completeMultipart(ctx context.Context, args map[string]any) (any, error) {
	in := argMap(args, "input")
	if _, err := a.load(ctx, str(in, "artifactID")); err != nil {
		return nil, err
	}
	uploadID, key := str(in, "uploadID"), str(in, "storagePath")
	if !store.IsHexDigest(uploadID) || key != "artifacts/md5/"+uploadID {
		return nil, fmt.Errorf("%w: upload %q of %q: not an upload this server started", store.ErrInvalid, uploadID, key)
	}
	raw, _ := hex.DecodeString(uploadID)
	b64 := base64.StdEncoding.EncodeToString(raw)
	if _, err := a.s.blobs.Stat(ctx, key); err == nil {
		return map[string]any{"digest": b64}, nil
	}
	parts, _ := in["completedParts"].([]any)
	ps, err := parseParts(parts)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, fmt.Errorf("%w: no parts to complete", store.ErrInvalid)
	}
	keys := make([]string, len(ps))
	for i, p := range ps {
		keys[i] = partKey(uploadID, p.n, p.hex)
		if _, err := a.s.blobs.Stat(ctx, keys[i]); errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("%w: part %d of upload %s was not uploaded", store.ErrInvalid, p.n, uploadID)
		} else if err != nil {
			return nil, err
		}
	}
	pr := &partsReader{ctx: ctx, blobs: a.s.blobs, keys: keys}
	defer pr.Close()
	if _, _, err := a.s.blobs.Put(ctx, key, newMD5Check(pr, b64, -1)); err != nil {
		return nil, fmt.Errorf("completeMultipartUploadArtifact: %w", err)
	}
	for _, p := range ps {
		_ = a.s.blobs.Delete(ctx, partKey(uploadID, p.n, p.hex))
	}
	return map[string]any{"digest": b64}, nil
}

// partsReader reads blobs one after the other, opening each when it is
// reached (an upload may have 10,000 parts).
type partsReader struct {
	ctx   context.Context
	blobs store.Blobs
	keys  []string
	cur   io.ReadCloser
}

func (p *partsReader) Read(b []byte) (int, error) {
	for {
		if p.cur == nil {
			if len(p.keys) == 0 {
				return 0, io.EOF
			}
			rc, err := p.blobs.Get(p.ctx, p.keys[0])
			if err != nil {
				return 0, err
			}
			p.cur, p.keys = rc, p.keys[1:]
		}
		n, err := p.cur.Read(b)
		if err == io.EOF {
			p.cur.Close()
			p.cur = nil
			if n > 0 {
				return n, nil
			}
			continue
		}
		return n, err
	}
}

func (p *partsReader) Close() {
	if p.cur != nil {
		p.cur.Close()
	}
}

func (a *artifactAPI) commitArtifact(ctx context.Context, args map[string]any) (any, error) {
	in := argMap(args, "input")
	art, err := a.load(ctx, str(in, "artifactID"))
	if err != nil {
		return nil, err
	}
	if art.State != store.ArtifactCommitted {
		entries, err := a.readManifest(ctx, art)
		if err != nil {
			return nil, fmt.Errorf("commitArtifact %s: %w", artifactID(art.ID), err)
		}
		if art, err = a.st.CommitArtifact(ctx, art.ID, entries); err != nil {
			return nil, fmt.Errorf("commitArtifact %s: %w", artifactID(art.ID), err)
		}
	}
	return map[string]any{"artifact": a.artifactValue(art), "clientMutationId": in["clientMutationId"]}, nil
}

// readManifest reads the uploaded manifest of art and checks that every
// stored entry's content is on the server.
func (a *artifactAPI) readManifest(ctx context.Context, art store.Artifact) ([]store.ArtifactEntry, error) {
	if art.ManifestDigest == "" {
		return nil, fmt.Errorf("%w: no manifest was registered (createArtifactManifest with its digest)", store.ErrInvalid)
	}
	key, err := store.ArtifactBlobKey(art.ManifestDigest)
	if err != nil {
		return nil, err
	}
	rc, err := a.s.blobs.Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: the manifest was not uploaded", store.ErrInvalid)
	}
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxManifestBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxManifestBytes {
		return nil, fmt.Errorf("%w: manifest larger than %d bytes", store.ErrInvalid, maxManifestBytes)
	}
	m, err := artifact.ParseManifest(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", store.ErrInvalid, err)
	}
	entries := make([]store.ArtifactEntry, 0, len(m.Contents))
	for _, e := range m.Entries() {
		se := store.ArtifactEntry{Path: e.Path, Digest: e.Digest, Size: e.Size, Ref: e.Ref, BirthArtifactID: e.BirthArtifactID}
		if len(e.Extra) > 0 {
			se.Extra, _ = json.Marshal(e.Extra)
		}
		if e.Ref == "" {
			k, err := store.ArtifactBlobKey(e.Digest)
			if err != nil {
				return nil, fmt.Errorf("entry %q: %w", e.Path, err)
			}
			st, err := a.s.blobs.Stat(ctx, k)
			if errors.Is(err, store.ErrNotFound) {
				return nil, fmt.Errorf("%w: entry %q: its content was not uploaded", store.ErrInvalid, e.Path)
			}
			if err != nil {
				return nil, err
			}
			if st.Size != e.Size {
				return nil, fmt.Errorf("%w: entry %q: size %d, the stored content has %d bytes", store.ErrInvalid, e.Path, e.Size, st.Size)
			}
		}
		entries = append(entries, se)
	}
	return entries, nil
}

func (a *artifactAPI) useArtifact(ctx context.Context, args map[string]any) (any, error) {
	in := argMap(args, "input")
	entity, project, run := str(in, "entityName"), str(in, "projectName"), str(in, "runName")
	if err := a.s.checkEntity(ctx, entity); err != nil {
		return nil, err
	}
	art, err := a.load(ctx, str(in, "artifactID"))
	if err != nil {
		return nil, err
	}
	if art.State != store.ArtifactCommitted {
		return nil, fmt.Errorf("%w: artifact %s is not committed", store.ErrInvalid, artifactID(art.ID))
	}
	r, err := a.s.store.Run(ctx, entity, project, run)
	if err != nil {
		return nil, fmt.Errorf("useArtifact: run %s/%s/%s: %w", entity, project, run, err)
	}
	if err := a.st.UseArtifact(ctx, art.ID, r.ID); err != nil {
		return nil, fmt.Errorf("useArtifact: %w", err)
	}
	return map[string]any{"artifact": a.artifactValue(art), "clientMutationId": in["clientMutationId"]}, nil
}

// splitName splits "collection:ref" on the first ':'.
func splitName(name string) (string, string) {
	c, ref, _ := strings.Cut(name, ":")
	return c, ref
}

// projectFields are the fields artifacts add to type Project.
func (a *artifactAPI) projectFields() map[string]ProjectField {
	resolve := func(ctx context.Context, p store.Project, name string) (*store.Artifact, error) {
		if err := a.s.checkEntity(ctx, p.Entity); err != nil {
			return nil, err
		}
		c, ref := splitName(name)
		art, err := a.st.ResolveArtifact(ctx, p.Entity, p.Name, c, ref)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return &art, nil
	}
	return map[string]ProjectField{
		"artifact": func(ctx context.Context, p store.Project, args map[string]any) (any, error) {
			art, err := resolve(ctx, p, str(args, "name"))
			if art == nil || err != nil {
				return nil, err
			}
			return a.artifactValue(*art), nil
		},
		"artifactCollectionMembership": func(ctx context.Context, p store.Project, args map[string]any) (any, error) {
			art, err := resolve(ctx, p, str(args, "name"))
			if art == nil || err != nil {
				return nil, err
			}
			return a.membershipValue(*art), nil
		},
		"artifactType": func(ctx context.Context, p store.Project, args map[string]any) (any, error) {
			if err := a.s.checkEntity(ctx, p.Entity); err != nil {
				return nil, err
			}
			ts, err := a.st.ArtifactTypes(ctx, p.Entity, p.Name)
			if err != nil {
				return nil, err
			}
			name := str(args, "name")
			for _, t := range ts {
				if t == name {
					return a.typeValue(p.Entity, p.Name, t), nil
				}
			}
			return nil, nil
		},
		"artifactTypes": func(ctx context.Context, p store.Project, _ map[string]any) (any, error) {
			if err := a.s.checkEntity(ctx, p.Entity); err != nil {
				return nil, err
			}
			ts, err := a.st.ArtifactTypes(ctx, p.Entity, p.Name)
			if err != nil {
				return nil, err
			}
			edges := make([]any, len(ts))
			for i, t := range ts {
				edges[i] = map[string]any{"node": a.typeValue(p.Entity, p.Name, t), "cursor": t}
			}
			return map[string]any{"totalCount": len(ts), "edges": edges}, nil
		},
		"artifactCollection": func(ctx context.Context, p store.Project, args map[string]any) (any, error) {
			if err := a.s.checkEntity(ctx, p.Entity); err != nil {
				return nil, err
			}
			c, err := a.st.ArtifactCollection(ctx, p.Entity, p.Name, str(args, "name"))
			if errors.Is(err, store.ErrNotFound) {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			return a.collectionValue(c), nil
		},
	}
}

func (a *artifactAPI) typeValue(entity, project, typ string) map[string]any {
	collections := gql.Resolver(func(ctx context.Context, _ map[string]any) (any, error) {
		cs, err := a.st.ArtifactCollections(ctx, entity, project, typ)
		if err != nil {
			return nil, err
		}
		edges := make([]any, len(cs))
		for i, c := range cs {
			edges[i] = map[string]any{"node": a.collectionValue(c), "cursor": c.Name}
		}
		return map[string]any{"totalCount": len(cs), "edges": edges}, nil
	})
	inType := func(ctx context.Context, name string) (*store.ArtifactCollection, error) {
		c, err := a.st.ArtifactCollection(ctx, entity, project, name)
		if errors.Is(err, store.ErrNotFound) || (err == nil && c.Type != typ) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return &c, nil
	}
	return map[string]any{
		"id": typedID("ArtifactType", entity, project, typ), "name": typ,
		"artifactCollections": collections, "artifactSequences": collections,
		"artifactCollection": gql.Resolver(func(ctx context.Context, args map[string]any) (any, error) {
			c, err := inType(ctx, str(args, "name"))
			if c == nil || err != nil {
				return nil, err
			}
			return a.collectionValue(*c), nil
		}),
		"artifact": gql.Resolver(func(ctx context.Context, args map[string]any) (any, error) {
			name, ref := splitName(str(args, "name"))
			c, err := inType(ctx, name)
			if c == nil || err != nil {
				return nil, err
			}
			art, err := a.st.ResolveArtifact(ctx, entity, project, name, ref)
			if errors.Is(err, store.ErrNotFound) {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			return a.artifactValue(art), nil
		}),
	}
}

func (a *artifactAPI) collectionValue(c store.ArtifactCollection) map[string]any {
	return map[string]any{
		"__typename": "ArtifactSequence",
		"id":         typedID("ArtifactCollection", c.ID), "name": c.Name, "description": c.Description,
		"createdAt": c.CreatedAt, "project": gql.Resolver(func(ctx context.Context, _ map[string]any) (any, error) {
			p, err := a.s.store.Project(ctx, c.Entity, c.Project)
			if err != nil {
				return nil, err
			}
			return &projectObj{s: a.s, p: p}, nil
		}),
		"defaultArtifactType": map[string]any{"id": typedID("ArtifactType", c.Entity, c.Project, c.Type), "name": c.Type},
		"latestArtifact": gql.Resolver(func(ctx context.Context, _ map[string]any) (any, error) {
			art, err := a.st.ResolveArtifact(ctx, c.Entity, c.Project, c.Name, "latest")
			if errors.Is(err, store.ErrNotFound) {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			return a.artifactValue(art), nil
		}),
		"artifacts": gql.Resolver(func(ctx context.Context, _ map[string]any) (any, error) {
			vs, err := a.st.ArtifactVersions(ctx, c.Entity, c.Project, c.Name)
			if err != nil {
				return nil, err
			}
			// Newest first, as W&B lists versions.
			for i, j := 0, len(vs)-1; i < j; i, j = i+1, j-1 {
				vs[i], vs[j] = vs[j], vs[i]
			}
			return a.artifactConnection(vs), nil
		}),
		"artifactMembership": gql.Resolver(func(ctx context.Context, args map[string]any) (any, error) {
			art, err := a.st.ResolveArtifact(ctx, c.Entity, c.Project, c.Name, str(args, "aliasName"))
			if errors.Is(err, store.ErrNotFound) {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			return a.membershipValue(art), nil
		}),
	}
}

func (a *artifactAPI) membershipValue(art store.Artifact) map[string]any {
	var idx any
	if art.Version >= 0 {
		idx = art.Version
	}
	return map[string]any{"id": typedID("ArtifactCollectionMembership", art.ID), "versionIndex": idx,
		"aliases": aliasValues(art),
		"artifactCollection": gql.Resolver(func(ctx context.Context, _ map[string]any) (any, error) {
			c, err := a.st.ArtifactCollection(ctx, art.Entity, art.Project, art.Collection)
			if err != nil {
				return nil, err
			}
			return a.collectionValue(c), nil
		}),
		"artifact": a.artifactValue(art)}
}

func aliasValues(art store.Artifact) []any {
	out := make([]any, len(art.Aliases))
	for i, al := range art.Aliases {
		out[i] = map[string]any{"alias": al, "artifactCollectionName": art.Collection}
	}
	return out
}

func (a *artifactAPI) artifactConnection(l []store.Artifact) map[string]any {
	edges := make([]any, len(l))
	for i, art := range l {
		edges[i] = map[string]any{"node": a.artifactValue(art), "cursor": artifactID(art.ID)}
	}
	return map[string]any{"totalCount": len(l), "edges": edges}
}

// typedRun is a Run in the union ArtifactCreator.
type typedRun struct{ *runObj }

// TypeName implements gql.Typed.
func (typedRun) TypeName() string { return "Run" }

// artifactValue is an Artifact; fields that cost a query are resolvers.
func (a *artifactAPI) artifactValue(art store.Artifact) map[string]any {
	var idx, step, committed any
	if art.Version >= 0 {
		idx = art.Version
	}
	if art.HistoryStep != nil {
		step = *art.HistoryStep
	}
	if !art.CommittedAt.IsZero() {
		committed = art.CommittedAt
	}
	meta := string(art.Metadata)
	if meta == "" {
		meta = "{}"
	}
	return map[string]any{
		"id": artifactID(art.ID), "digest": art.Digest, "state": string(art.State), "versionIndex": idx,
		"description": art.Description, "metadata": meta, "fileCount": int64(art.FileCount), "size": art.Size,
		"createdAt": art.CreatedAt, "updatedAt": committed, "historyStep": step,
		"aliases":      aliasValues(art),
		"artifactType": map[string]any{"id": typedID("ArtifactType", art.Entity, art.Project, art.Type), "name": art.Type},
		"artifactSequence": gql.Resolver(func(ctx context.Context, _ map[string]any) (any, error) {
			c, err := a.st.ArtifactCollection(ctx, art.Entity, art.Project, art.Collection)
			if err != nil {
				return nil, err
			}
			return a.collectionValue(c), nil
		}),
		"artifactCollection": gql.Resolver(func(ctx context.Context, _ map[string]any) (any, error) {
			c, err := a.st.ArtifactCollection(ctx, art.Entity, art.Project, art.Collection)
			if err != nil {
				return nil, err
			}
			return a.collectionValue(c), nil
		}),
		"currentManifest": gql.Resolver(func(ctx context.Context, _ map[string]any) (any, error) {
			if art.ManifestDigest == "" {
				return nil, nil
			}
			return a.manifestValue(ctx, art, false)
		}),
		"createdBy": gql.Resolver(func(ctx context.Context, _ map[string]any) (any, error) {
			if art.CreatedByRunID == 0 {
				return nil, nil
			}
			r, err := a.s.store.RunByID(ctx, art.CreatedByRunID)
			if err != nil {
				return nil, err
			}
			return typedRun{a.s.runValue(r)}, nil
		}),
		"usedBy": gql.Resolver(func(ctx context.Context, _ map[string]any) (any, error) {
			rs, err := a.st.ArtifactUsers(ctx, art.ID)
			if err != nil {
				return nil, err
			}
			edges := make([]any, len(rs))
			for i, r := range rs {
				edges[i] = map[string]any{"node": a.s.runValue(r), "cursor": r.Name}
			}
			return map[string]any{"totalCount": len(rs), "edges": edges}, nil
		}),
		"filesByManifestEntries": gql.Resolver(func(ctx context.Context, args map[string]any) (any, error) {
			es, _ := args["entries"].([]any)
			names := make([]string, 0, len(es))
			for _, x := range es {
				m, _ := x.(map[string]any)
				names = append(names, str(m, "name"))
			}
			return a.files(ctx, art, names, true)
		}),
		"files": gql.Resolver(func(ctx context.Context, args map[string]any) (any, error) {
			var names []string
			ns, byName := args["names"].([]any)
			for _, n := range ns {
				s, _ := n.(string)
				names = append(names, s)
			}
			return a.files(ctx, art, names, byName)
		}),
	}
}

// files lists entries of art (only those named when byName) with signed
// download URLs; unknown names are left out.
func (a *artifactAPI) files(ctx context.Context, art store.Artifact, names []string, byName bool) (any, error) {
	var entries []store.ArtifactEntry
	if byName {
		for _, n := range names {
			e, err := a.st.ArtifactEntry(ctx, art.ID, n)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			entries = append(entries, e)
		}
	} else {
		var err error
		if entries, err = a.st.ArtifactEntries(ctx, art.ID); err != nil {
			return nil, err
		}
	}
	edges := make([]any, 0, len(entries))
	for _, e := range entries {
		node := map[string]any{"id": typedID("ArtifactFile", art.ID, e.Path), "name": e.Path, "displayName": e.Path,
			"digest": e.Digest, "sizeBytes": e.Size, "artifact": map[string]any{"id": artifactID(art.ID)}}
		if e.Ref == "" {
			if key, err := store.ArtifactBlobKey(e.Digest); err == nil {
				node["md5"] = e.Digest
				node["storagePath"] = key
				node["directUrl"] = a.s.artifactURL(ctx, artifactClaim{Kind: claimGet, Key: key})
				node["url"] = node["directUrl"]
			}
		} else {
			node["url"] = e.Ref
		}
		edges = append(edges, map[string]any{"node": node, "cursor": e.Path})
	}
	return map[string]any{"totalCount": len(edges), "edges": edges}, nil
}
