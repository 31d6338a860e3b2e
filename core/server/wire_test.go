package server_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/sender"
	"github.com/gowandb/wandb/core/store"
)

// What W&B's clients ask to learn whether a run was stopped: the Python
// SDK's RunStoppedStatus (project { run }) and the legacy one (model {
// bucket }). W&B declares $projectName as String; query.graphql has
// project(name: String!), so until it takes String the project form is
// tested with String!.
const (
	stoppedStatusCore = `query RunStoppedStatus($entityName: String, $projectName: String!, $runId: String!) {
  project(name: $projectName, entityName: $entityName) { run(name: $runId) { stopped } }
}`
	stoppedStatusLegacy = `query RunStoppedStatus($projectName: String, $entityName: String, $runId: String!) {
  model(name: $projectName, entityName: $entityName) { bucket(name: $runId) { stopped } }
}`
)

func stoppedStatus(t *testing.T, c *sender.Client, query, run string) bool {
	t.Helper()
	var out struct {
		Project *struct{ Run *struct{ Stopped bool } }
		Model   *struct{ Bucket *struct{ Stopped bool } }
	}
	vars := map[string]any{"entityName": "alice", "projectName": "proj", "runId": run}
	if err := c.Do(context.Background(), "RunStoppedStatus", query, vars, &out, nil); err != nil {
		t.Fatal(err)
	}
	switch {
	case out.Project != nil && out.Project.Run != nil:
		return out.Project.Run.Stopped
	case out.Model != nil && out.Model.Bucket != nil:
		return out.Model.Bucket.Stopped
	}
	t.Fatalf("RunStoppedStatus: no run in %+v", out)
	return false
}

// TestStopRun: the StopRun mutation (what the stop button sends) sets the
// flag that RunStoppedStatus and file_stream report, only the run's
// entity may stop it, and the run then ends killed.
func TestStopRun(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	alice := e.client(aliceKey)
	b, err := alice.UpsertBucket(ctx, sender.BucketInput{Entity: "alice", Project: "proj", Name: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{stoppedStatusCore, stoppedStatusLegacy} {
		if stoppedStatus(t, alice, q, "r1") {
			t.Fatal("a new run is stopped")
		}
	}
	// bob may not stop alice's run.
	err = e.client(bobKey).StopRun(ctx, b.StorageID)
	if he, ok := errors.AsType[*sender.HTTPError](err); !ok || he.StatusCode != http.StatusForbidden {
		t.Fatalf("bob stopping alice's run: %v, want 403", err)
	}
	if err := alice.StopRun(ctx, b.StorageID); err != nil {
		t.Fatal(err)
	}
	if err := alice.StopRun(ctx, b.StorageID); err != nil {
		t.Fatalf("stopping twice: %v", err)
	}
	for _, q := range []string{stoppedStatusCore, stoppedStatusLegacy} {
		if !stoppedStatus(t, alice, q, "r1") {
			t.Error("RunStoppedStatus: not stopped")
		}
	}
	if _, m := e.post(t, fsPath("r1"), `{}`); m["stopped"] != true {
		t.Errorf("file_stream answer %v, want stopped", m)
	}
	if code, m := e.post(t, fsPath("r1"), `{"complete":true,"exitcode":255}`); code != 200 {
		t.Fatalf("complete: %d %v", code, m)
	}
	if r, _ := e.st.Run(ctx, "alice", "proj", "r1"); r.State != store.StateKilled {
		t.Errorf("state %s, want killed", r.State)
	}

	for id, want := range map[string]string{
		"not-base64!":  `malformed run id "not-base64!"`,
		"UnVuOjk5OTk=": "not found", // Run:9999
	} {
		err := alice.StopRun(ctx, id)
		if ge, ok := errors.AsType[*sender.GraphQLError](err); !ok || !strings.Contains(ge.Error(), want) {
			t.Errorf("StopRun(%q): %v, want a GraphQL error with %q", id, err, want)
		}
	}
}

// TestGraphQLBadNames: names that are not plain path segments are refused
// with a GraphQL error naming the field, and nothing is created.
func TestGraphQLBadNames(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client(aliceKey)
	for _, tc := range []struct {
		in   sender.BucketInput
		want string
	}{
		{sender.BucketInput{Entity: "alice", Project: "a/b", Name: "r"}, `project name "a/b"`},
		{sender.BucketInput{Entity: "alice", Project: "..", Name: "r"}, `project name ".."`},
		{sender.BucketInput{Entity: "al\x00ice", Project: "p", Name: "r"}, `entity name "al\x00ice"`},
		{sender.BucketInput{Entity: "alice", Project: "p", Name: "../r"}, `run name "../r"`},
		{sender.BucketInput{Entity: "alice", Project: "p", Name: "r\x00"}, `run name "r\x00"`},
	} {
		_, err := c.UpsertBucket(ctx, tc.in)
		if ge, ok := errors.AsType[*sender.GraphQLError](err); !ok || !strings.Contains(ge.Error(), tc.want) {
			t.Errorf("UpsertBucket %+v: %v, want a GraphQL error naming %s", tc.in, err, tc.want)
		}
	}
	if ps, err := e.st.ListProjects(ctx, "alice"); err != nil || len(ps) != 0 {
		t.Errorf("projects made by refused upserts: %+v %v", ps, err)
	}
	if _, err := c.UpsertBucket(ctx, sender.BucketInput{Entity: "alice", Project: "p", Name: "r"}); err != nil {
		t.Fatal(err)
	}
	for _, files := range [][]string{{"../../etc/passwd"}, {"ok.txt", "a//b"}, {"x\x00"}, {"/abs"}} {
		_, err := c.CreateRunFiles(ctx, "alice", "p", "r", files)
		if ge, ok := errors.AsType[*sender.GraphQLError](err); !ok || !strings.Contains(ge.Error(), "files[") {
			t.Errorf("CreateRunFiles %q: %v, want a GraphQL error naming the file", files, err)
		}
	}
}
