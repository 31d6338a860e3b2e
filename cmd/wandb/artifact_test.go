package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeArtifactFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// put, get and ls against gowandb's server; a second put of the same
// content creates no version.
func TestArtifactPutGetLs(t *testing.T) {
	_, srv := syncServer(t)
	env := []string{"WANDB_BASE_URL=" + srv.URL, "WANDB_API_KEY=" + syncTestKey, "WANDB_CACHE_DIR=" + t.TempDir()}
	src := t.TempDir()
	writeArtifactFile(t, filepath.Join(src, "train.csv"), "a,b\n1,2\n")
	writeArtifactFile(t, filepath.Join(src, "sub", "test.csv"), "a,b\n3,4\n")

	res := mustCLI(t, env, "artifact", "put", src, "--name", "proj/mnist", "--type", "dataset", "--alias", "prod")
	if !strings.Contains(res.stdout, "Artifact uploaded: alice/proj/mnist:v0 (2 files") {
		t.Fatalf("put:\n%s", res.stdout)
	}
	res = mustCLI(t, env, "artifact", "put", src, "--name", "proj/mnist", "--type", "dataset")
	if !strings.Contains(res.stdout, "already exists with the same content") {
		t.Fatalf("second put:\n%s", res.stdout)
	}
	writeArtifactFile(t, filepath.Join(src, "train.csv"), "a,b\n9,9\n")
	res = mustCLI(t, env, "artifact", "put", src, "--name", "proj/mnist", "--type", "dataset")
	if !strings.Contains(res.stdout, "alice/proj/mnist:v1") {
		t.Fatalf("changed put:\n%s", res.stdout)
	}

	// A fresh cache: get fetches from the server.
	env[2] = "WANDB_CACHE_DIR=" + t.TempDir()
	root := filepath.Join(t.TempDir(), "out")
	res = mustCLI(t, env, "artifact", "get", "alice/proj/mnist:prod", "--root", root)
	if !strings.Contains(res.stdout, "alice/proj/mnist:v0 downloaded to "+root) {
		t.Fatalf("get:\n%s", res.stdout)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "train.csv")); string(b) != "a,b\n1,2\n" {
		t.Errorf("v0 train.csv = %q", b)
	}
	// Default root under WANDB_ARTIFACT_DIR, version from "latest".
	adir := t.TempDir()
	mustCLI(t, append(env, "WANDB_ARTIFACT_DIR="+adir, "WANDB_PROJECT=proj"), "artifact", "get", "mnist")
	if b, _ := os.ReadFile(filepath.Join(adir, "mnist:v1", "train.csv")); string(b) != "a,b\n9,9\n" {
		t.Errorf("latest train.csv = %q", b)
	}
	if res := cli(t, env, "artifact", "get", "alice/proj/mnist", "--type", "model"); res.code != exitFailure || !strings.Contains(res.stderr, `type "dataset", not "model"`) {
		t.Errorf("type mismatch: exit %d %s", res.code, res.stderr)
	}
	if res := cli(t, env, "artifact", "get", "alice/proj/nope:v0"); res.code != exitFailure || !strings.Contains(res.stderr, "not found") {
		t.Errorf("missing artifact: exit %d %s", res.code, res.stderr)
	}

	res = mustCLI(t, env, "artifact", "ls", "alice/proj")
	if !strings.Contains(res.stdout, "dataset") || !strings.Contains(res.stdout, "mnist:v1") || !strings.Contains(res.stdout, "latest") {
		t.Fatalf("ls:\n%s", res.stdout)
	}
	if res := mustCLI(t, env, "artifact", "ls", "alice/proj", "--type", "model"); !strings.Contains(res.stdout, "no artifacts") {
		t.Errorf("ls --type model:\n%s", res.stdout)
	}
}

func TestArtifactCommandLineErrors(t *testing.T) {
	env := []string{"WANDB_BASE_URL=http://127.0.0.1:1", "WANDB_API_KEY=" + syncTestKey}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"artifact", "put", "x"}, "--name and --type are required"},
		{[]string{"artifact", "put", "x", "--name", "a/b/c/d", "--type", "t"}, "more than entity/project/name"},
		{[]string{"artifact", "put", "x", "--name", "m:v1", "--type", "t"}, "has a version"},
		{[]string{"artifact", "put", "x", "--name", "m", "--type", "t", "--alias", "a/b"}, "may not contain"},
		{[]string{"artifact", "put", "x", "--name", "p/m", "--type", "wandb-x"}, "reserved"},
		{[]string{"artifact", "put", "x", "--name", "m", "--type", "t"}, "no project"},
		{[]string{"artifact", "get"}, "missing NAME"},
		{[]string{"artifact", "get", "bad name"}, "may only contain"},
		{[]string{"artifact", "ls", "a/b/c"}, "is not [ENTITY/]PROJECT"},
		{[]string{"artifact", "cache", "cleanup"}, "--max-size is required"},
		{[]string{"artifact", "cache", "cleanup", "--max-size", "10XB"}, "want a number"},
		{[]string{"artifact", "nope"}, "unknown command"},
	} {
		res := cli(t, env, tc.args...)
		if res.code != exitUsage || !strings.Contains(res.stderr, tc.want) {
			t.Errorf("wandb %s: exit %d, stderr %q; want usage error naming %q", strings.Join(tc.args, " "), res.code, res.stderr, tc.want)
		}
	}
}

func TestArtifactCacheCleanup(t *testing.T) {
	cache := t.TempDir()
	env := []string{"WANDB_CACHE_DIR=" + cache}
	for i, s := range []string{"one", "two", "three"} {
		// Objects by the MD5 layout; Cleanup only looks at sizes and times.
		writeArtifactFile(t, filepath.Join(cache, "artifacts", "obj", "md5", "0"+string(rune('a'+i)), "rest"), strings.Repeat(s, 100))
	}
	res := mustCLI(t, env, "artifact", "cache", "cleanup", "--max-size", "800B")
	if !strings.Contains(res.stdout, "(1 files removed)") || !strings.Contains(res.stdout, "in 2 files") {
		t.Fatalf("cleanup:\n%s", res.stdout)
	}
	res = mustCLI(t, env, "artifact", "cache", "cleanup", "--max-size", "0")
	if !strings.Contains(res.stdout, "(2 files removed)") || !strings.Contains(res.stdout, "0 B left in 0 files") {
		t.Fatalf("cleanup to 0:\n%s", res.stdout)
	}
}
