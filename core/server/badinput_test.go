package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/sender"
	"github.com/gowandb/wandb/core/server"
	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/store/localblob"
	"github.com/gowandb/wandb/core/store/sqlite"
)

// post sends a raw file_stream body for alice and returns the status and
// the decoded JSON answer.
func (e *env) post(t *testing.T, path, body string) (int, map[string]any) {
	t.Helper()
	resp, err := e.httpClient(aliceKey).Post(e.srv.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: answer %q is not a JSON object: %v", path, b, err)
	}
	return resp.StatusCode, m
}

func (e *env) newRun(t *testing.T, name string) store.Run {
	t.Helper()
	ctx := context.Background()
	if _, err := e.client(aliceKey).UpsertBucket(ctx, sender.BucketInput{Entity: "alice", Project: "proj", Name: name}); err != nil {
		t.Fatal(err)
	}
	r, err := e.st.Run(ctx, "alice", "proj", name)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func fsPath(run string) string { return "/files/alice/proj/" + run + "/file_stream" }

// TestFileStreamBadInput: every malformed request gets a 4xx whose message
// names the problem, nothing of it is stored, and the server keeps
// answering.
func TestFileStreamBadInput(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	run := e.newRun(t, "r1")
	if code, m := e.post(t, fsPath("r1"), `{"files":{"wandb-history.jsonl":{"offset":0,"content":["{\"_step\":0}","{\"_step\":1}"]}}}`); code != 200 {
		t.Fatalf("good request: %d %v", code, m)
	}
	big := strings.Repeat("x", server.MaxLineBytes+1)
	for _, tc := range []struct {
		name, path, body string
		code             int
		want             []string // in the error message
	}{
		{"malformed JSON", fsPath("r1"), `{"files":`, 400, []string{"malformed request"}},
		{"not an object", fsPath("r1"), `[1,2]`, 400, []string{"malformed request"}},
		{"trailing data", fsPath("r1"), `{} {}`, 400, []string{"data after the JSON object"}},
		{"wrong type", fsPath("r1"), `{"files":{"output.log":{"offset":"3","content":[]}}}`, 400, []string{"offset"}},
		{"missing offset", fsPath("r1"), `{"files":{"output.log":{"content":["a"]}}}`, 400, []string{"output.log", "missing offset"}},
		{"negative offset", fsPath("r1"), `{"files":{"output.log":{"offset":-1,"content":["a"]}}}`, 400, []string{"negative offset -1"}},
		{"unknown file", fsPath("r1"), `{"files":{"x.bin":{"offset":0,"content":[]}}}`, 400, []string{`unknown file "x.bin"`}},
		{"history line not JSON", fsPath("r1"), `{"files":{"wandb-history.jsonl":{"offset":2,"content":["nope"]}}}`, 400, []string{"wandb-history.jsonl"}},
		{"summary not an object", fsPath("r1"), `{"files":{"wandb-summary.json":{"offset":0,"content":["[1]"]}}}`, 400, []string{"summary is not a JSON object"}},
		{"line over 10 MiB", fsPath("r1"), `{"files":{"output.log":{"offset":0,"content":["ok","` + big + `"]}}}`, 413,
			[]string{"output.log line 1", "content[1]", "line limit"}},
		{"offset gap", fsPath("r1"), `{"files":{"wandb-history.jsonl":{"offset":7,"content":["{}"]}}}`, 409, []string{"expected offset 2, got 7"}},
		{"unknown run", fsPath("nope"), `{}`, 404, []string{"nope"}},
		{"slash in run name", "/files/alice/proj/a%2Fb/file_stream", `{}`, 400, []string{"run name", "a/b"}},
		{"dot-dot project", "/files/alice/%2E%2E/r1/file_stream", `{}`, 400, []string{"project name", `".."`}},
		{"NUL in entity", "/files/al%00ice/proj/r1/file_stream", `{}`, 400, []string{"entity name"}},
		{"non-UTF-8 run", "/files/alice/proj/r%FF/file_stream", `{}`, 400, []string{"run name"}},
		{"uploaded escapes the run", fsPath("r1"), `{"uploaded":["../../etc/passwd"]}`, 400, []string{"uploaded[0]", "../../etc/passwd"}},
		{"uploaded NUL", fsPath("r1"), `{"uploaded":["a\u0000b"]}`, 400, []string{"uploaded[0]"}},
		{"uploaded non-UTF-8", fsPath("r1"), "{\"uploaded\":[\"ok.txt\",\"b\xff\"]}", 200, nil}, // JSON decoding makes it U+FFFD, a valid name
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, m := e.post(t, tc.path, tc.body)
			if code != tc.code {
				t.Fatalf("status %d (%v), want %d", code, m, tc.code)
			}
			msg, _ := m["error"].(string)
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not name %q", msg, w)
				}
			}
		})
	}
	// The offset gap says which offset the server expects.
	if _, m := e.post(t, fsPath("r1"), `{"files":{"wandb-history.jsonl":{"offset":7,"content":["{}"]}}}`); m["expected_offset"] != 2.0 || m["file"] != "wandb-history.jsonl" {
		t.Errorf("gap answer %v, want expected_offset 2 for wandb-history.jsonl", m)
	}
	// Nothing of the refused requests was stored; the server still works.
	rows, err := e.st.HistoryRows(ctx, run.ID, 0, 100)
	if err != nil || len(rows) != 2 {
		t.Fatalf("rows %+v %v", rows, err)
	}
	if lines, _ := e.st.ReadLines(ctx, run.ID, store.StreamOutput, 0, 0); len(lines) != 0 {
		t.Errorf("output lines stored from refused requests: %q", lines)
	}
	if code, m := e.post(t, fsPath("r1"), `{"files":{"wandb-history.jsonl":{"offset":2,"content":["{\"_step\":2}"]}}}`); code != 200 {
		t.Fatalf("after bad input: %d %v", code, m)
	}
}

func TestFileStreamBodyLimit(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "wandb.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	blobs, _ := localblob.New(filepath.Join(dir, "blobs"))
	u, _ := st.CreateUser(ctx, "alice", "a@example.com", false)
	if _, err := st.CreateAPIKey(ctx, u.ID, aliceKey, ""); err != nil {
		t.Fatal(err)
	}
	s := server.New(st, blobs)
	server.SetMaxBodyForTest(s, 1024)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	e := &env{st: st, blobs: blobs, srv: srv}
	e.newRun(t, "r1")
	body := `{"files":{"output.log":{"offset":0,"content":["` + strings.Repeat("y", 2000) + `"]}}}`
	code, m := e.post(t, fsPath("r1"), body)
	if msg, _ := m["error"].(string); code != http.StatusRequestEntityTooLarge || !strings.Contains(msg, "over 1024 bytes") {
		t.Fatalf("oversized body: %d %v, want 413 naming the limit", code, m)
	}
	if code, m := e.post(t, fsPath("r1"), `{}`); code != 200 {
		t.Fatalf("after an oversized body: %d %v", code, m)
	}
}

// TestFileStreamProtocol covers the rest of W&B's request: heartbeats,
// uploaded, preempting, output.log resends, complete and exitcode, and the
// stopped flag.
func TestFileStreamProtocol(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	run := e.newRun(t, "r1")

	// A heartbeat stores nothing and answers W&B's response shape.
	code, m := e.post(t, fsPath("r1"), `{}`)
	if code != 200 || m["stopped"] != false || m["exitcode"] != nil {
		t.Fatalf("heartbeat: %d %v", code, m)
	}
	if _, ok := m["limits"].(map[string]any); !ok {
		t.Errorf("heartbeat answer %v has no limits object", m)
	}
	// Legacy Python clients send dropped and failed.
	if code, m := e.post(t, fsPath("r1"), `{"dropped":0,"failed":false}`); code != 200 {
		t.Fatalf("legacy heartbeat: %d %v", code, m)
	}

	// output.log lines resent at the same offset are stored once.
	for range 2 {
		if code, m := e.post(t, fsPath("r1"), `{"files":{"output.log":{"offset":0,"content":["line 0","line 1"]}}}`); code != 200 {
			t.Fatalf("output: %d %v", code, m)
		}
	}
	if code, m := e.post(t, fsPath("r1"), `{"files":{"output.log":{"offset":1,"content":["line 1","line 2"]}}}`); code != 200 {
		t.Fatalf("output overlap: %d %v", code, m)
	}
	lines, err := e.st.ReadLines(ctx, run.ID, store.StreamOutput, 0, 0)
	if err != nil || strings.Join(lines, "|") != "line 0|line 1|line 2" {
		t.Fatalf("output lines %q %v", lines, err)
	}

	// uploaded: a blob the client put another way gets its file record;
	// a notice for a blob the server lacks is ignored.
	if _, _, err := e.blobs.Put(ctx, "alice/proj/r1/media/a.png", strings.NewReader("png")); err != nil {
		t.Fatal(err)
	}
	if code, m := e.post(t, fsPath("r1"), `{"uploaded":["media/a.png","never-sent.txt"]}`); code != 200 {
		t.Fatalf("uploaded: %d %v", code, m)
	}
	if f, err := e.st.File(ctx, run.ID, "media/a.png"); err != nil || f.Size != 3 {
		t.Errorf("uploaded file record %+v %v", f, err)
	}
	if _, err := e.st.File(ctx, run.ID, "never-sent.txt"); err == nil {
		t.Error("a file that was never uploaded got a record")
	}

	// preempting: the run is preempting (resumable; preempted, not
	// crashed, if it goes silent).
	if code, m := e.post(t, fsPath("r1"), `{"preempting":true}`); code != 200 {
		t.Fatalf("preempting: %d %v", code, m)
	}
	if r, err := e.st.RunByID(ctx, run.ID); err != nil || r.State != store.StatePreempting {
		t.Errorf("after preempting: %+v %v", r.State, err)
	}
	// Resumed after the preemption, it sends data again: running.
	if code, m := e.post(t, fsPath("r1"), `{"files":{"output.log":{"offset":3,"content":["resumed"]}}}`); code != 200 {
		t.Fatalf("after preempting: %d %v", code, m)
	}
	if r, err := e.st.RunByID(ctx, run.ID); err != nil || r.State != store.StateRunning {
		t.Errorf("data after preempting: state %s %v, want running", r.State, err)
	}

	// complete / exitcode: finished, failed, and killed once stopped.
	for _, tc := range []struct {
		run, body string
		stop      bool
		want      store.RunState
	}{
		{"done", `{"complete":true}`, false, store.StateFinished},
		{"zero", `{"complete":true,"exitcode":0}`, false, store.StateFinished},
		{"failed", `{"complete":true,"exitcode":3}`, false, store.StateFailed},
		{"stopped", `{"complete":true,"exitcode":0}`, true, store.StateKilled},
	} {
		r := e.newRun(t, tc.run)
		if tc.stop {
			if err := e.st.StopRun(ctx, r.ID); err != nil {
				t.Fatal(err)
			}
			if _, m := e.post(t, fsPath(tc.run), `{}`); m["stopped"] != true {
				t.Errorf("%s: answer %v, want stopped true", tc.run, m)
			}
		}
		if code, m := e.post(t, fsPath(tc.run), tc.body); code != 200 {
			t.Fatalf("%s: %d %v", tc.run, code, m)
		}
		if r, _ = e.st.RunByID(ctx, r.ID); r.State != tc.want {
			t.Errorf("%s: state %s, want %s", tc.run, r.State, tc.want)
		}
	}
}

// newEnvWrapped is newEnv with the server's store wrapped by wrap.
func newEnvWrapped(t *testing.T, wrap func(store.Store) store.Store, opts ...server.Option) *env {
	t.Helper()
	e := newEnv(t)
	e.srv.Close()
	srv := httptest.NewServer(server.New(wrap(e.st), e.blobs, opts...).Handler())
	t.Cleanup(srv.Close)
	e.srv = srv
	return e
}
