package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/gowandb/wandb/core/server"
	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/store/localblob"
	"github.com/gowandb/wandb/core/store/sqlite"
)

// fuzzHandler is a server over a real store, with alice's run r1, called
// in process (no network) so that fuzzing runs fast.
func fuzzHandler(f *testing.F) http.Handler {
	ctx := context.Background()
	dir := f.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "wandb.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	blobs, err := localblob.New(filepath.Join(dir, "blobs"))
	if err != nil {
		f.Fatal(err)
	}
	u, err := st.CreateUser(ctx, "alice", "a@example.com", false)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := st.CreateAPIKey(ctx, u.ID, aliceKey, ""); err != nil {
		f.Fatal(err)
	}
	if _, err := st.UpsertRun(ctx, store.RunUpsert{Entity: "alice", Project: "proj", Name: "r1"}); err != nil {
		f.Fatal(err)
	}
	return server.New(st, blobs).Handler()
}

// serve sends one request with alice's key and checks the answer: never a
// 5xx, always a JSON object.
func serve(t *testing.T, h http.Handler, method, path string, body []byte) (int, map[string]any) {
	req := httptest.NewRequest(method, "http://example.test/", bytes.NewReader(body))
	u, err := url.Parse("http://example.test" + path)
	if err != nil {
		t.Skip("not a URL path")
	}
	req.URL = u
	req.SetBasicAuth("api", aliceKey)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code >= 500 {
		t.Fatalf("%s %s %q: status %d: %s", method, path, body, rec.Code, rec.Body)
	}
	var m map[string]any
	if rec.Code != http.StatusNotFound && rec.Code != http.StatusMovedPermanently && rec.Code != http.StatusTemporaryRedirect {
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatalf("%s %s %q: status %d, answer %q is not JSON: %v", method, path, body, rec.Code, rec.Body, err)
		}
	}
	return rec.Code, m
}

// FuzzFileStream: whatever the body and run name, file_stream answers a
// 2xx or 4xx JSON object and never fails inside.
func FuzzFileStream(f *testing.F) {
	h := fuzzHandler(f)
	for _, s := range []struct{ run, body string }{
		{"r1", `{}`},
		{"r1", `{"files":{"wandb-history.jsonl":{"offset":0,"content":["{\"_step\":0,\"a\":1}"]}}}`},
		{"r1", `{"files":{"wandb-history.jsonl":{"offset":0,"content":["{\"a\":{\"b\":NaN}}"]}}}`},
		{"r1", `{"files":{"wandb-events.jsonl":{"offset":0,"content":["{\"system.cpu\":1}"]}}}`},
		{"r1", `{"files":{"output.log":{"offset":0,"content":["x","y"]}}}`},
		{"r1", `{"files":{"wandb-summary.json":{"offset":0,"content":["{\"x\":Infinity}"]}}}`},
		{"r1", `{"uploaded":["media/a.png"],"preempting":true}`},
		{"r1", `{"complete":true,"exitcode":1}`},
		{"r1", `{"files":{"wandb-history.jsonl":{"offset":99,"content":["{}"]}}}`},
		{"r1", `{"files":{"wandb-history.jsonl":{"offset":-5,"content":[]}}}`},
		{"r1", `{"files":`},
		{"r1", `{"uploaded":["../x"]}`},
		{"..", `{}`},
		{"a%2Fb", `{}`},
		{"nope", `{}`},
		{"r%FF", `{"files":{"output.log":{"offset":0,"content":["\u0000"]}}}`},
	} {
		f.Add(s.run, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, run string, body []byte) {
		serve(t, h, http.MethodPost, "/files/alice/proj/"+url.PathEscape(run)+"/file_stream", body)
	})
}

// FuzzGraphQL: whatever the request body, /graphql answers a JSON object
// with a 2xx or 4xx status and never fails inside.
func FuzzGraphQL(f *testing.F) {
	h := fuzzHandler(f)
	for _, s := range []string{
		`{"query":"query Viewer { viewer { id entity username email flags teams { edges { node { name } } } } }","operationName":"Viewer"}`,
		`{"query":"query ServerFeaturesQuery { serverInfo { features { name isEnabled } } }"}`,
		`{"query":"mutation UpsertBucket($name: String, $project: String, $config: JSONString, $tags: [String!]) { upsertBucket(input: {name: $name, modelName: $project, config: $config, tags: $tags}) { bucket { id name config project { name entity { name } } } inserted } }","variables":{"name":"r2","project":"proj","config":"{\"lr\":{\"value\":0.1}}","tags":["a"]}}`,
		`{"query":"query RunResumeStatus($project: String, $entity: String, $name: String!) { model(name: $project, entityName: $entity) { id bucket(name: $name, missingOk: true) { id historyLineCount historyTail eventsTail summaryMetrics config wandbConfig(keys: [\"t\"]) } } }","variables":{"project":"proj","entity":"alice","name":"r1"}}`,
		`{"query":"mutation CreateRunFiles($e: String!, $p: String!, $r: String!, $f: [String!]!) { createRunFiles(input: {entityName: $e, projectName: $p, runName: $r, files: $f}) { runID uploadHeaders files { name uploadUrl } } }","variables":{"e":"alice","p":"proj","r":"r1","f":["a.txt","../b"]}}`,
		`{"query":"mutation StopRun($id: ID!) { stopRun(input: {id: $id}) { success } }","variables":{"id":"UnVuOjE="}}`,
		`{"query":"query { viewer { ...F } } fragment F on User { id __typename }"}`,
		`{"query":"{ x }"}`,
		`{"query":"mutation { upsertBucket(input: {name: \"a/b\"}) { inserted } }"}`,
		`{"query":"query Q($v: Int64) { viewer { id } }","variables":{"v":"nope"}}`,
		`{"query":"{","variables":[]}`,
		`{"query":1}`,
		`[]`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		code, m := serve(t, h, http.MethodPost, "/graphql", body)
		if code/100 == 2 && m["data"] == nil && m["errors"] == nil {
			t.Fatalf("%q: status %d without data or errors: %v", body, code, m)
		}
	})
}
