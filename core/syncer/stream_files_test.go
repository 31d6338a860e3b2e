package syncer_test

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/core/syncer"
)

// putCounter counts PUT requests (file uploads) by URL path.
type putCounter struct {
	next http.RoundTripper
	mu   sync.Mutex
	puts []string
}

func (c *putCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPut {
		c.mu.Lock()
		c.puts = append(c.puts, req.URL.Path)
		c.mu.Unlock()
	}
	return c.next.RoundTrip(req)
}

func (c *putCounter) count(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, p := range c.puts {
		// The upload URL's token is base64url JSON naming the file ("n").
		tok, _, _ := strings.Cut(path.Base(p), ".")
		b, _ := base64.RawURLEncoding.DecodeString(tok)
		if strings.Contains(string(b), `"n":"`+name+`"`) {
			n++
		}
	}
	return n
}

func (e *env) blob(t *testing.T, id, name string) (string, bool) {
	t.Helper()
	rc, err := e.blobs.Get(context.Background(), "alice/proj/"+id+"/"+name)
	if err != nil {
		return "", false
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), true
}

func TestStreamSavePolicies(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client()
	pc := &putCounter{next: c.HTTP.Transport}
	c.HTTP = &http.Client{Transport: pc}

	r := startRun(t, t.TempDir())
	src := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(src, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("now.txt", "now v1")
	write("live.txt", "live v1")
	write("end.txt", "end v1")
	for name, p := range map[string]wandb.SavePolicy{"now.txt": wandb.SaveNow, "live.txt": wandb.SaveLive, "end.txt": wandb.SaveEnd} {
		if _, err := r.Save(filepath.Join(src, name), wandb.BasePath(src), wandb.Policy(p)); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	s := syncer.NewStream(syncer.StreamConfig{Client: c, LogPath: r.LogPath(), Fresh: true})
	defer s.Close()

	// First pass: now and live are uploaded, end is not.
	if err := s.Pump(ctx); err != nil {
		t.Fatal(err)
	}
	if got, ok := e.blob(t, r.ID(), "now.txt"); !ok || got != "now v1" {
		t.Fatalf("now.txt after one pass: %q %v", got, ok)
	}
	if got, ok := e.blob(t, r.ID(), "live.txt"); !ok || got != "live v1" {
		t.Fatalf("live.txt after one pass: %q %v", got, ok)
	}
	if _, ok := e.blob(t, r.ID(), "end.txt"); ok {
		t.Fatal("end.txt uploaded before Finish")
	}

	// Unchanged: nothing is uploaded again.
	if err := s.Pump(ctx); err != nil {
		t.Fatal(err)
	}
	if n, m := pc.count("now.txt"), pc.count("live.txt"); n != 1 || m != 1 {
		t.Fatalf("uploads after an idle pass: now %d live %d", n, m)
	}

	// Changed: live is uploaded again, now is not.
	write("live.txt", "live v2")
	write("now.txt", "now v2")
	if err := s.Pump(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.blob(t, r.ID(), "live.txt"); got != "live v2" {
		t.Fatalf("live.txt after change: %q", got)
	}
	if got, _ := e.blob(t, r.ID(), "now.txt"); got != "now v1" {
		t.Fatalf("now.txt re-uploaded: %q", got)
	}
	if n := pc.count("live.txt"); n != 2 {
		t.Fatalf("live.txt uploads %d, want 2", n)
	}
	if err := s.Pump(ctx); err != nil {
		t.Fatal(err)
	}
	if n := pc.count("live.txt"); n != 2 {
		t.Fatalf("live.txt uploads %d after an idle pass, want 2", n)
	}
	if _, ok := e.blob(t, r.ID(), "end.txt"); ok {
		t.Fatal("end.txt uploaded before Finish")
	}

	// Finish: end is uploaded, live (unchanged) is not sent again.
	if err := r.Finish(0); err != nil {
		t.Fatal(err)
	}
	res, err := s.Finish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := e.blob(t, r.ID(), "end.txt"); !ok || got != "end v1" {
		t.Fatalf("end.txt after Finish: %q %v", got, ok)
	}
	if n, m, k := pc.count("live.txt"), pc.count("now.txt"), pc.count("end.txt"); n != 2 || m != 1 || k != 1 {
		t.Fatalf("uploads live %d now %d end %d", n, m, k)
	}
	run, err := e.st.Run(ctx, "alice", "proj", r.ID())
	if err != nil {
		t.Fatal(err)
	}
	files, err := e.st.ListFiles(ctx, run.ID)
	if err != nil || len(files) != res.FilesUploaded {
		t.Fatalf("files %d %v, result %+v", len(files), err, res)
	}
	if !res.Complete {
		t.Fatalf("result %+v", res)
	}
}
