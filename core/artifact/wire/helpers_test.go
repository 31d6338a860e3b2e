package wire_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gowandb/wandb/core/artifact"
	"github.com/gowandb/wandb/core/artifact/wire"
	"github.com/gowandb/wandb/core/sender"
	"github.com/gowandb/wandb/core/server"
	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/store/localblob"
	"github.com/gowandb/wandb/core/store/sqlite"
)

// env is a real core/server over SQLite and a local blob directory on
// loopback, with users alice and bob.
type env struct {
	url      string
	st       *sqlite.Store
	blobs    *localblob.Dir
	aliceKey string
	bobKey   string

	// partBytes and fileBytes count the body bytes the server received
	// on artifact upload URLs.
	uploadBytes atomic.Int64
	// onUpload, when set, sees each artifact upload request first (its
	// body already counted); when it returns true it has answered.
	mu       sync.Mutex
	onUpload func(w http.ResponseWriter, r *http.Request) bool
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "wandb.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	blobs, err := localblob.New(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{st: st, blobs: blobs, aliceKey: strings.Repeat("a", 40), bobKey: strings.Repeat("b", 40)}
	for name, key := range map[string]string{"alice": e.aliceKey, "bob": e.bobKey} {
		u, err := st.CreateUser(ctx, name, name+"@example.com", false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateAPIKey(ctx, u.ID, key, "test"); err != nil {
			t.Fatal(err)
		}
	}
	h := server.New(st, blobs).Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/artifacts/upload/") {
			r.Body = countingBody{r.Body, &e.uploadBytes}
			e.mu.Lock()
			hook := e.onUpload
			e.mu.Unlock()
			if hook != nil && hook(w, r) {
				return
			}
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c countingBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// noSleep retriers: tests never wait on a clock.
func retriers(transferRetries int) wire.Option {
	g := sender.GraphQLRetrier()
	g.MaxRetries = 2
	g.Sleep = func(context.Context, time.Duration) error { return nil }
	x := sender.TransferRetrier()
	x.MaxRetries = transferRetries
	x.Sleep = g.Sleep
	return wire.WithRetriers(g, x)
}

func (e *env) setHook(h func(w http.ResponseWriter, r *http.Request) bool) {
	e.mu.Lock()
	e.onUpload = h
	e.mu.Unlock()
}

func (e *env) remote(t testing.TB, key string, opts ...wire.Option) *wire.Remote {
	t.Helper()
	r, err := wire.New(e.url, key, append([]wire.Option{retriers(2)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (e *env) run(t testing.TB, entity, project, name string) {
	t.Helper()
	if _, err := e.st.UpsertRun(context.Background(), store.RunUpsert{Entity: entity, Project: project, Name: name}); err != nil {
		t.Fatal(err)
	}
}

// artifactBlobs lists the content blobs the server stores.
func (e *env) artifactBlobs(t testing.TB) []string {
	t.Helper()
	keys, err := e.blobs.List(context.Background(), "artifacts/md5/")
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// files writes name → content under a new directory and returns a
// manifest of them.
func files(t testing.TB, contents map[string]string) *artifact.Manifest {
	t.Helper()
	dir := t.TempDir()
	m := artifact.NewManifest()
	for name, c := range contents {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
		addFile(t, m, name, p)
	}
	return m
}

func addFile(t testing.TB, m *artifact.Manifest, name, path string) {
	t.Helper()
	d, size, err := artifact.HashFile(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Put(artifact.Entry{Path: name, Digest: d, Size: size, LocalPath: path}); err != nil {
		t.Fatal(err)
	}
}

func randomFile(t testing.TB, size int64) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "random.bin")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.CopyN(f, rand.Reader, size); err != nil {
		t.Fatal(err)
	}
	return p
}

func logReq(project, run, name, typ string, m *artifact.Manifest, aliases ...string) artifact.LogRequest {
	return artifact.LogRequest{Scope: artifact.Scope{Entity: "alice", Project: project, Run: run}, Name: name, Type: typ,
		Manifest: m, Digest: m.Digest(), Aliases: aliases, HistoryStep: -1, ClientID: fmt.Sprint(name, m.Digest())}
}

func readAll(t testing.TB, r *wire.Remote, v artifact.Version, path string) string {
	t.Helper()
	e, ok := v.Manifest.Get(path)
	if !ok {
		t.Fatalf("%s has no entry %q", v.QualifiedName(), path)
	}
	rc, err := r.Open(context.Background(), v, e)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
