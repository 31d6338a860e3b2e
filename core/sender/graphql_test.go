package sender

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/sender/sendertest"
)

func lastReq(t *testing.T, s *sendertest.Server) sendertest.Request {
	t.Helper()
	rs := s.Requests()
	if len(rs) == 0 {
		t.Fatal("no requests")
	}
	r := rs[len(rs)-1]
	var body map[string]any
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatal(err)
	}
	if q, _ := body["query"].(string); !strings.Contains(q, r.Op) {
		t.Errorf("query for %s: %q", r.Op, q)
	}
	if r.Method != "POST" || r.Path != "/graphql" || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("request %s %s %v", r.Method, r.Path, r.Header)
	}
	return r
}

func TestViewerAndFeatures(t *testing.T) {
	s := sendertest.New()
	s.Features = map[string]bool{"STRUCTURED_CONSOLE_LOGS": true, "FILESTREAM_GZIP": false}
	c, _ := testClient(s)
	v, err := c.Viewer(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := Viewer{ID: "VXNlcjox", Entity: "alice", Username: "alice", Email: "alice@example.com", Teams: []string{"team-a"}}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("Viewer = %+v", v)
	}
	if r := lastReq(t, s); r.Op != "Viewer" {
		t.Errorf("op %q", r.Op)
	}
	f, err := c.ServerFeatures(context.Background())
	if err != nil || !reflect.DeepEqual(f, s.Features) {
		t.Errorf("features %v %v", f, err)
	}
	if r := lastReq(t, s); r.Op != "ServerFeaturesQuery" {
		t.Errorf("op %q", r.Op)
	}
}

func TestUpsertBucket(t *testing.T) {
	s := sendertest.New()
	s.HistoryLineCount = 42
	c, _ := testClient(s)
	in := BucketInput{Name: "abc123", Project: "proj", Entity: "ent", Group: "g", DisplayName: "dn",
		Notes: "n", Config: map[string]any{"lr": 0.1, "layers": []int{1, 2}}, Commit: "deadbeef",
		Host: "h", Program: "train.py", JobType: "train", Sweep: "sw", Tags: []string{"x", "y"}}
	b, err := c.UpsertBucket(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	want := Bucket{StorageID: "UnVuOjE=", Name: "abc123", DisplayName: "fake-run-1", Project: "proj",
		Entity: "ent", HistoryLineCount: 42, Inserted: true}
	if b != want {
		t.Errorf("bucket %+v", b)
	}
	r := lastReq(t, s)
	for k, v := range map[string]any{"name": "abc123", "project": "proj", "entity": "ent", "groupName": "g",
		"displayName": "dn", "notes": "n", "commit": "deadbeef", "host": "h", "program": "train.py",
		"jobType": "train", "sweep": "sw"} {
		if r.Vars[k] != v {
			t.Errorf("var %s = %v, want %v", k, r.Vars[k], v)
		}
	}
	if !reflect.DeepEqual(r.Vars["tags"], []any{"x", "y"}) {
		t.Errorf("tags %v", r.Vars["tags"])
	}
	if r.Vars["config"] != `{"layers":{"value":[1,2]},"lr":{"value":0.1}}` {
		t.Errorf("config %v", r.Vars["config"])
	}
	for _, k := range []string{"id", "state", "summaryMetrics", "debug"} {
		if _, ok := r.Vars[k]; ok {
			t.Errorf("sent %s", k)
		}
	}
}

func TestRunResumeStatus(t *testing.T) {
	s := sendertest.New()
	s.HistoryLineCount = 10
	c, _ := testClient(s)
	st, err := c.RunResumeStatus(context.Background(), "ent", "proj", "abc")
	if err != nil {
		t.Fatal(err)
	}
	if st.HistoryLineCount != 10 || st.EventsLineCount != 2 || st.LogLineCount != 3 ||
		!reflect.DeepEqual(st.HistoryTail, []string{`{"_step":9}`}) || st.SummaryMetrics != `{"loss":0.5}` ||
		st.StorageID != "UnVuOjE=" || !reflect.DeepEqual(st.Tags, []string{"a"}) ||
		st.Offsets() != (Offsets{History: 10, Events: 2, Output: 3}) {
		t.Errorf("status %+v", st)
	}
	r := lastReq(t, s)
	if r.Vars["entity"] != "ent" || r.Vars["project"] != "proj" || r.Vars["name"] != "abc" {
		t.Errorf("vars %v", r.Vars)
	}
	s.GraphQL = map[string]func(map[string]any) (any, []string){
		"RunResumeStatus": func(map[string]any) (any, []string) {
			return map[string]any{"model": map[string]any{"bucket": nil}}, nil
		},
	}
	if st, err := c.RunResumeStatus(context.Background(), "ent", "proj", "new"); st != nil || err != nil {
		t.Errorf("missing run: %v %v", st, err)
	}
}

func TestCreateRunFilesAndStopRun(t *testing.T) {
	s := sendertest.New()
	s.NullUploads = map[string]bool{"skip.txt": true}
	c, _ := testClient(s)
	rf, err := c.CreateRunFiles(context.Background(), "e", "p", "r", []string{"media/a.png", "skip.txt"})
	if err != nil {
		t.Fatal(err)
	}
	if rf.RunID != "UnVuOjE=" || rf.Header.Get("X-Upload-Token") != "tok" ||
		!reflect.DeepEqual(rf.Targets, []UploadTarget{{"media/a.png", s.URL + "/upload/media/a.png"}, {"skip.txt", ""}}) {
		t.Errorf("run files %+v", rf)
	}
	r := lastReq(t, s)
	if !reflect.DeepEqual(r.Vars["files"], []any{"media/a.png", "skip.txt"}) || r.Vars["run"] != "r" {
		t.Errorf("vars %v", r.Vars)
	}
	up := &Uploader{HTTP: c.HTTP, Retrier: TransferRetrier()}
	if ok, err := up.Upload(context.Background(), rf.Targets[1], rf.Header, []byte("x")); ok || err != nil {
		t.Errorf("null URL: %v %v", ok, err)
	}
	if err := c.StopRun(context.Background(), "UnVuOjE="); err != nil {
		t.Fatal(err)
	}
	if r := lastReq(t, s); r.Op != "StopRun" || r.Vars["id"] != "UnVuOjE=" {
		t.Errorf("stop %v", r.Vars)
	}
}

func TestGraphQLErrors(t *testing.T) {
	s := sendertest.New()
	s.GraphQL = map[string]func(map[string]any) (any, []string){
		"Viewer": func(map[string]any) (any, []string) { return nil, []string{"permission denied", "x"} },
	}
	c, _ := testClient(s)
	_, err := c.Viewer(context.Background())
	var ge *GraphQLError
	if !errors.As(err, &ge) || ge.Op != "Viewer" || len(ge.Errors) != 2 || !strings.HasPrefix(err.Error(), "sender: ") {
		t.Fatalf("err %v", err)
	}
}
