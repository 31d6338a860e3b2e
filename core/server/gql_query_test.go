package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/store"
)

// gqlQuery posts a GraphQL query for key and returns the status and body.
func (e *env) gqlQuery(t *testing.T, key, query string, vars map[string]any) (int, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	resp, err := e.httpClient(key).Post(e.srv.URL+"/graphql", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// queryRun stores alice/proj/q1 with history and a file.
func queryRun(t *testing.T, e *env) store.Run {
	t.Helper()
	ctx := context.Background()
	r := e.newRun(t, "q1")
	lines := make([]string, 50)
	for i := range lines {
		lines[i] = fmt.Sprintf(`{"_step":%d,"loss":%d}`, i, 50-i)
	}
	if _, err := e.st.AppendHistory(ctx, r.ID, 0, lines); err != nil {
		t.Fatal(err)
	}
	return r
}

// Every malformed query API request is an error naming the problem; no
// request reaches another user's entity.
func TestQueryAPIBadInputAndAccess(t *testing.T) {
	e := newEnv(t)
	queryRun(t, e)
	const runsQ = `query($f: JSONString, $o: String, $a: String, $n: Int) { project(name: "proj", entityName: "alice") {
	  runs(filters: $f, order: $o, after: $a, first: $n) { edges { node { name } } } } }`
	for _, tc := range []struct {
		vars map[string]any
		want string
	}{
		{map[string]any{"f": `{"config.lr":{"$gtt":1}}`}, `unknown operator \"$gtt\"`},
		{map[string]any{"f": `{"state":`}, "malformed JSON"},
		{map[string]any{"o": "-nope"}, `unknown order key \"nope\"`},
		{map[string]any{"a": "bm90LWEtY3Vyc29y"}, "malformed cursor"},
		{map[string]any{"n": -1}, "first must not be negative"},
	} {
		code, body := e.gqlQuery(t, aliceKey, runsQ, tc.vars)
		if code != http.StatusOK || !strings.Contains(body, tc.want) || !strings.Contains(body, `"errors"`) {
			t.Errorf("%v: %d %s; want an error with %q", tc.vars, code, body, tc.want)
		}
	}
	const histQ = `query($s: [JSONString]!) { project(name: "proj") { run(name: "q1") { sampledHistory(specs: $s) } } }`
	for _, tc := range []struct {
		spec, want string
	}{
		{`{"keys":[]}`, "keys is empty"},
		{`{"keys":["loss"],"samples":0}`, "samples 0 not in 1..10000"},
		{`{"keys":["loss"],"minStep":5,"maxStep":2}`, "step range [5, 2) is empty"},
		{`{"keys":["loss"],"bogus":1}`, `unknown field \"bogus\"`},
		{`[1]`, "want {"},
	} {
		code, body := e.gqlQuery(t, aliceKey, histQ, map[string]any{"s": []string{tc.spec}})
		if code != http.StatusOK || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %s; want %q", tc.spec, code, body, tc.want)
		}
	}
	for _, q := range []string{
		`{ project(name: "proj") { run(name: "q1") { bucketedHistory(key: "loss", buckets: 0) { count } } } }`,
		`{ project(name: "proj") { run(name: "q1") { bucketedHistory(key: "", buckets: 5) { count } } } }`,
		`{ project(name: "proj") { run(name: "q1") { history(samples: 0) } } }`,
		`{ project(name: "proj") { run(name: "q1") { historyRows(first: 10, minStep: 9, maxStep: 3) } } }`,
	} {
		if _, body := e.gqlQuery(t, aliceKey, q, nil); !strings.Contains(body, `"errors"`) {
			t.Errorf("%s accepted: %s", q, body)
		}
	}
	// Bob sees nothing of alice's: 403 with the reason.
	for _, q := range []string{
		`{ project(name: "proj", entityName: "alice") { name } }`,
		`{ entity(name: "alice") { name } }`,
		`{ projects(entityName: "alice") { edges { node { name } } } }`,
	} {
		code, body := e.gqlQuery(t, bobKey, q, nil)
		if code != http.StatusForbidden || !strings.Contains(body, "may not access entity") {
			t.Errorf("bob %s: %d %s", q, code, body)
		}
	}
	// Missing things are null, not errors.
	code, body := e.gqlQuery(t, aliceKey, `{ project(name: "nope") { name } p: project(name: "proj") { run(name: "nope") { name } } }`, nil)
	if code != http.StatusOK || body != `{"data":{"project":null,"p":{"run":null}}}`+"\n" {
		t.Errorf("missing: %d %s", code, body)
	}
}

// Page cursors walk every run once; totalCount and runCount agree.
func TestQueryAPIPages(t *testing.T) {
	e := newEnv(t)
	for i := range 7 {
		e.newRun(t, fmt.Sprintf("r%d", i))
	}
	var names []string
	after := any(nil)
	for range 10 {
		_, body := e.gqlQuery(t, aliceKey, `query($a: String) { project(name: "proj") { runCount
		  runs(first: 3, after: $a, order: "+created_at") { totalCount edges { node { name } cursor } pageInfo { endCursor hasNextPage } } } }`,
			map[string]any{"a": after})
		var out struct {
			Data struct {
				Project struct {
					RunCount int
					Runs     struct {
						TotalCount int
						Edges      []struct{ Node struct{ Name string } }
						PageInfo   struct {
							EndCursor   *string
							HasNextPage bool
						}
					}
				}
			}
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		p := out.Data.Project
		if p.RunCount != 7 || p.Runs.TotalCount != 7 {
			t.Fatalf("counts %+v", p)
		}
		for _, e := range p.Runs.Edges {
			names = append(names, e.Node.Name)
		}
		if !p.Runs.PageInfo.HasNextPage {
			break
		}
		after = *p.Runs.PageInfo.EndCursor
	}
	if got := strings.Join(names, ","); got != "r0,r1,r2,r3,r4,r5,r6" {
		t.Errorf("pages: %s", got)
	}
}

// An upload URL does not download and a download URL does not upload: the
// two tokens are signed for their purpose.
func TestDownloadAndUploadTokensDoNotMix(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	queryRun(t, e)
	files, err := e.client(aliceKey).CreateRunFiles(ctx, "alice", "proj", "q1", []string{"a.txt"})
	if err != nil {
		t.Fatal(err)
	}
	up := files.Targets[0].URL
	req, _ := http.NewRequestWithContext(ctx, http.MethodPut, up, strings.NewReader("hello"))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("upload: %v %v", resp, err)
	}
	_, body := e.gqlQuery(t, aliceKey, `{ project(name: "proj") { run(name: "q1") { files { edges { node { name sizeBytes url directUrl } } } } } }`, nil)
	m := regexp.MustCompile(`"url":"([^"]+)"`).FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, `"sizeBytes":5`) {
		t.Fatalf("files: %s", body)
	}
	down := m[1]
	upTok := up[strings.LastIndex(up, "/")+1:]
	downTok := down[strings.LastIndex(down, "/")+1:]
	if resp, _ := http.Get(e.srv.URL + "/files/download/" + upTok); resp.StatusCode != http.StatusForbidden {
		t.Errorf("upload token downloads: %d", resp.StatusCode)
	}
	req, _ = http.NewRequestWithContext(ctx, http.MethodPut, e.srv.URL+"/files/upload/"+downTok, strings.NewReader("evil"))
	if resp, _ := http.DefaultClient.Do(req); resp.StatusCode != http.StatusForbidden {
		t.Errorf("download token uploads: %d", resp.StatusCode)
	}
	resp, err := http.Get(down)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "hello" || resp.Header.Get("Content-MD5") == "" {
		t.Errorf("download: %d %q %v", resp.StatusCode, b, resp.Header)
	}
}

// The queries of W&B's Python public API (wandb/apis/public: runs.py,
// history scans, files.py) validate and answer.
func TestWandbPublicAPIQueries(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := queryRun(t, e)
	if _, _, err := e.blobs.Put(ctx, "alice/proj/q1/model.txt", strings.NewReader("w")); err != nil {
		t.Fatal(err)
	}
	if err := e.st.PutFile(ctx, store.File{RunID: r.ID, Name: "model.txt", Size: 1}); err != nil {
		t.Fatal(err)
	}
	const runFragment = `fragment RunFragment on Run { id tags name displayName sweepName state config group jobType commit
	  readOnly createdAt heartbeatAt description notes systemMetrics summaryMetrics historyLineCount user { name username } historyKeys }`
	for _, tc := range []struct {
		name, query string
		vars        map[string]any
		want        []string
	}{
		{"Runs", `query Runs($project: String!, $entity: String!, $cursor: String, $perPage: Int = 50, $order: String, $filters: JSONString) {
		  project(name: $project, entityName: $entity) { internalId runCount(filters: $filters) readOnly
		    runs(filters: $filters, after: $cursor, first: $perPage, order: $order) {
		      edges { node { ...RunFragment } cursor } pageInfo { endCursor hasNextPage } } } } ` + runFragment,
			map[string]any{"project": "proj", "entity": "alice", "filters": `{"$and":[{"state":"running"}]}`, "order": "-created_at"},
			[]string{`"runCount":1`, `"name":"q1"`, `"user":{"name":"alice","username":"alice"}`, `"lastStep":49`, `"hasNextPage":false`}},
		{"RunFullHistory", `query RunFullHistory($project: String!, $entity: String!, $name: String!, $samples: Int) {
		  project(name: $project, entityName: $entity) { run(name: $name) { history(samples: $samples) } } }`,
			map[string]any{"project": "proj", "entity": "alice", "name": "q1", "samples": 500},
			[]string{`"{\"_step\":0,\"loss\":50}"`, `"{\"_step\":49,\"loss\":1}"`}},
		{"HistoryPage", `query HistoryPage($entity: String!, $project: String!, $run: String!, $minStep: Int64!, $maxStep: Int64!, $pageSize: Int!) {
		  project(name: $project, entityName: $entity) { run(name: $run) { history(minStep: $minStep, maxStep: $maxStep, samples: $pageSize) } } }`,
			map[string]any{"project": "proj", "entity": "alice", "run": "q1", "minStep": 10, "maxStep": 12, "pageSize": 1000},
			[]string{`{"data":{"project":{"run":{"history":["{\"_step\":10,\"loss\":40}","{\"_step\":11,\"loss\":39}"]}}}}`}},
		{"RunSampledHistory", `query RunSampledHistory($project: String!, $entity: String!, $name: String!, $specs: [JSONString!]!) {
		  project(name: $project, entityName: $entity) { run(name: $name) { sampledHistory(specs: $specs) } } }`,
			map[string]any{"project": "proj", "entity": "alice", "name": "q1", "specs": []string{`{"keys":["_step","loss"],"samples":2}`}},
			[]string{`"sampledHistory":[[{"_step":24,"loss":26},{"_step":49,"loss":1}]]`}}, // the last row of each half
		{"RunFiles", `query RunFiles($project: String!, $entity: String!, $name: String!, $fileCursor: String, $fileLimit: Int = 50, $fileNames: [String] = [], $upload: Boolean = false) {
		  project(name: $project, entityName: $entity) { internalId run(name: $name) { fileCount ...RunFilesFragment } } }
		  fragment RunFilesFragment on Run { files(names: $fileNames, after: $fileCursor, first: $fileLimit) {
		    edges { node { id name url(upload: $upload) directUrl sizeBytes mimetype updatedAt md5 } cursor } pageInfo { endCursor hasNextPage } } }`,
			map[string]any{"project": "proj", "entity": "alice", "name": "q1"},
			[]string{`"fileCount":1`, `"name":"model.txt"`, `/files/download/`, `"mimetype":"text/plain; charset=utf-8"`}},
	} {
		code, body := e.gqlQuery(t, aliceKey, tc.query, tc.vars)
		if code != http.StatusOK || strings.Contains(body, `"errors"`) {
			t.Errorf("%s: %d %s", tc.name, code, body)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: %s lacks %s", tc.name, body, w)
			}
		}
	}
}
