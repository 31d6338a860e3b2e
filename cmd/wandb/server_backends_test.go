package main

import (
	"bufio"
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/store/pgtest"
	"github.com/gowandb/wandb/core/store/postgres"
	"github.com/gowandb/wandb/core/store/s3blob"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// `wandb server --db postgres://... --blobs s3://...` serves a run synced
// with `wandb sync`; the run, its history and its files land in PostgreSQL
// and the bucket.
func TestServerOnPostgresAndS3(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewServerDatabase(t)
	s3srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(s3srv.Close)
	awsEnv := []string{"AWS_ACCESS_KEY_ID=test-key", "AWS_SECRET_ACCESS_KEY=test-secret", "AWS_REGION=us-east-1"}
	getenv := func(k string) string {
		for _, kv := range awsEnv {
			if name, v, _ := strings.Cut(kv, "="); name == k {
				return v
			}
		}
		return ""
	}
	// The operator creates the bucket; the server refuses a missing one.
	bucket, err := s3blob.New(ctx, "s3://wandb-files/srv", s3blob.WithGetenv(getenv),
		s3blob.WithEndpoint(s3srv.URL), s3blob.WithCreateBucket())
	if err != nil {
		t.Fatal(err)
	}

	// Start the server in-process; it prints its address when listening.
	sctx, stop := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	home := t.TempDir()
	env := append([]string{"HOME=" + home, "WANDB_SERVER_ADMIN_KEY=" + syncTestKey}, awsEnv...)
	done := make(chan int, 1)
	go func() {
		var stderr strings.Builder
		code := run(sctx, []string{"server", "--addr", "127.0.0.1:0", "--db", dsn,
			"--blobs", "s3://wandb-files/srv", "--s3-endpoint", s3srv.URL}, pw, &stderr, env)
		if code != 0 {
			t.Errorf("wandb server: exit %d: %s", code, stderr.String())
		}
		pw.Close()
		done <- code
	}()
	t.Cleanup(func() { stop(); <-done })
	lines := bufio.NewScanner(pr)
	var url, banner string
	for url == "" && lines.Scan() {
		banner += lines.Text() + "\n"
		if _, rest, ok := strings.Cut(lines.Text(), "listening on "); ok {
			url, _, _ = strings.Cut(rest, " ")
		}
	}
	if url == "" {
		t.Fatalf("the server did not start:\n%s", banner)
	}
	go io.Copy(io.Discard, pr)
	if !strings.Contains(banner, "database PostgreSQL, blobs s3://wandb-files/srv") || !strings.Contains(banner, home+"/.local/share/wandb-server") {
		t.Errorf("banner:\n%s", banner)
	}

	// A run logged offline, then synced.
	root := t.TempDir()
	r := startRun(t, root)
	logRow(t, r, map[string]any{"loss": 1.0, "nested": map[string]any{"acc": 0.25}})
	logRow(t, r, map[string]any{"loss": 0.5, "nested": map[string]any{"acc": 0.5}})
	finish(t, r, 0)
	res := mustCLI(t, []string{"WANDB_BASE_URL=" + url, "WANDB_API_KEY=" + syncTestKey}, "--dir", root, "sync", "--all")
	if !strings.Contains(res.stdout, r.ID()+": 2 rows sent") {
		t.Fatalf("sync stdout:\n%s", res.stdout)
	}

	// Read it back from PostgreSQL and the bucket.
	st, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	run, err := st.Run(ctx, "admin", "cli-test", r.ID())
	if err != nil || run.State != store.StateFinished || run.HistoryLineCount != 2 {
		t.Fatalf("run = %+v, %v", run, err)
	}
	keys, err := st.Keys(ctx, run.ID)
	if err != nil || !strings.Contains(strings.Join(keys, ","), "loss,nested.acc") {
		t.Fatalf("history keys = %q, %v", keys, err)
	}
	bs, err := st.SampledHistory(ctx, run.ID, "loss", "", 0, 10, 1)
	if err != nil || len(bs) != 1 || bs[0].Count != 2 || bs[0].Min != 0.5 || bs[0].Max != 1 {
		t.Fatalf("sampled loss = %+v, %v", bs, err)
	}
	files, err := st.ListFiles(ctx, run.ID)
	if err != nil || len(files) == 0 {
		t.Fatalf("files = %+v, %v", files, err)
	}
	blobKeys, err := bucket.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		found := false
		for _, k := range blobKeys {
			found = found || strings.HasSuffix(k, "/"+f.Name)
		}
		if !found {
			t.Errorf("file %q (%d bytes) has no blob in the bucket; blobs: %q", f.Name, f.Size, blobKeys)
		}
	}
	t.Logf("files %d, blobs %q", len(files), blobKeys)
}

func TestServerRejectsUnknownBackends(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--db", "mysql://u@h/db"}, "want a postgres:// URL or a SQLite file path"},
		{[]string{"--blobs", "gs://bucket"}, "want s3://bucket/prefix or a directory"},
		{[]string{"--s3-endpoint", "http://127.0.0.1:1"}, "--s3-endpoint needs --blobs s3://"},
	} {
		res := cli(t, nil, append([]string{"server", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir()}, c.args...)...)
		if res.code != exitUsage || !strings.Contains(res.stderr, c.want) {
			t.Errorf("wandb server %q: exit %d, stderr %q; want usage error %q", c.args, res.code, res.stderr, c.want)
		}
	}
}
