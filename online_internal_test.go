package wandb

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gowandb/wandb/core/runlog"
	"github.com/gowandb/wandb/core/sender"
	"github.com/gowandb/wandb/core/server"
	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/store/localblob"
	"github.com/gowandb/wandb/core/store/sqlite"
	"github.com/gowandb/wandb/core/syncer"
)

const onlineTestKey = "alice-key-0123456789abcdef"

type onlineEnv struct {
	st   store.Store
	srv  *httptest.Server
	down atomic.Bool // the server answers 503 to everything
}

func newOnlineEnv(t *testing.T) *onlineEnv {
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
	usr, err := st.CreateUser(ctx, "alice", "alice@example.com", true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateAPIKey(ctx, usr.ID, onlineTestKey, "test"); err != nil {
		t.Fatal(err)
	}
	e := &onlineEnv{st: st}
	h := server.New(st, blobs).Handler()
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if e.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(e.srv.Close)
	// Live upload is driven by the tests; retries are quick.
	oldI, oldR, oldF := onlineInterval, onlineRetrier, onlineFinishTimeout
	onlineInterval = time.Hour
	onlineRetrier = &sender.Retrier{MaxRetries: 1, Backoff: sender.Backoff{Min: time.Millisecond, Max: time.Millisecond}}
	onlineFinishTimeout = 20 * time.Second
	t.Cleanup(func() { onlineInterval, onlineRetrier, onlineFinishTimeout = oldI, oldR, oldF })
	return e
}

func (e *onlineEnv) client() *sender.Client {
	base, _ := url.Parse(e.srv.URL)
	hc := &http.Client{Transport: sender.NewAuthTransport(base, onlineTestKey, "gowandb-test", http.DefaultTransport)}
	return &sender.Client{BaseURL: e.srv.URL, HTTP: hc}
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func initOnline(t *testing.T, baseURL, key string, extra ...Option) (*Run, *syncBuf, error) {
	t.Helper()
	for _, k := range []string{"WANDB_API_KEY", "WANDB_BASE_URL", "WANDB_MODE", "WANDB_ENTITY", "WANDB_PROJECT", "WANDB_RUN_ID"} {
		t.Setenv(k, "")
	}
	t.Setenv("WANDB_CONFIG_DIR", t.TempDir())
	buf := &syncBuf{}
	opts := append([]Option{WithDir(t.TempDir()), WithMode(ModeOnline), WithSignalHandler(false),
		WithReinit(ReinitCreateNew), WithProject("proj"), WithWarnings(buf), WithConsole("off"),
		WithSettings(map[string]string{"base_url": baseURL, "api_key": key, "disable_git": "true"})}, extra...)
	r, err := Init(context.Background(), opts...)
	if r != nil {
		t.Cleanup(func() { _ = r.Finish(0) })
	}
	return r, buf, err
}

func (e *onlineEnv) historyRows(t *testing.T, id string) (store.Run, int) {
	t.Helper()
	ctx := context.Background()
	run, err := e.st.Run(ctx, "alice", "proj", id)
	if err != nil {
		t.Fatalf("run %s on the server: %v", id, err)
	}
	hist, err := e.st.HistoryRows(ctx, run.ID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return run, len(hist)
}

func TestOnlineLiveUpload(t *testing.T) {
	e := newOnlineEnv(t)
	ctx := context.Background()
	r, buf, err := initOnline(t, e.srv.URL, onlineTestKey)
	if err != nil {
		t.Fatal(err)
	}
	if r.Mode() != ModeOnline || r.Offline() {
		t.Fatalf("mode %s, warnings %q", r.Mode(), buf)
	}
	if !strings.HasPrefix(filepath.Base(r.SyncDir()), "run-") {
		t.Errorf("SyncDir %s", r.SyncDir())
	}
	if want := appURL(e.srv.URL) + "/alice/proj/runs/" + r.ID(); r.URL() != want {
		t.Errorf("URL %q, want %q", r.URL(), want)
	}
	for i := range 3 {
		if err := r.Log(map[string]any{"loss": float64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.uploadNow(ctx); err != nil {
		t.Fatal(err)
	}
	run, n := e.historyRows(t, r.ID())
	if n != 3 || run.State == store.StateFinished {
		t.Fatalf("live: %d rows, state %s", n, run.State)
	}
	// Only the new rows go the next time.
	for i := 3; i < 5; i++ {
		if err := r.Log(map[string]any{"loss": float64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.uploadNow(ctx); err != nil {
		t.Fatal(err)
	}
	if _, n := e.historyRows(t, r.ID()); n != 5 {
		t.Fatalf("after a second pass: %d rows", n)
	}
	if err := r.Summary().Set("best", 0.25); err != nil {
		t.Fatal(err)
	}
	if err := r.Finish(0); err != nil {
		t.Fatal(err)
	}
	run, n = e.historyRows(t, r.ID())
	if n != 5 || run.State != store.StateFinished || !strings.Contains(string(run.Summary), `"best":0.25`) {
		t.Fatalf("finished: %d rows, state %s, summary %s", n, run.State, run.Summary)
	}
	if !syncer.IsSynced(r.SyncDir()) {
		t.Error("no .synced marker")
	}
	if w := buf.String(); strings.Contains(w, "WARNING") {
		t.Errorf("warnings %q", w)
	}
}

func TestOnlineServerDownAtInit(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	base := dead.URL
	dead.Close()
	r, buf, err := initOnline(t, base, onlineTestKey)
	if err != nil {
		t.Fatal(err)
	}
	if r.Mode() != ModeOffline || !strings.HasPrefix(filepath.Base(r.SyncDir()), "offline-run-") {
		t.Errorf("mode %s dir %s", r.Mode(), r.SyncDir())
	}
	if w := buf.String(); !strings.Contains(w, "WARNING") || !strings.Contains(w, "offline") {
		t.Errorf("warnings %q", w)
	}
	if _, _, err := initOnline(t, base, onlineTestKey, WithForce(true)); err == nil {
		t.Error("force: no error")
	}
}

func TestOnlineServerStopsMidRun(t *testing.T) {
	e := newOnlineEnv(t)
	ctx := context.Background()
	r, buf, err := initOnline(t, e.srv.URL, onlineTestKey)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := r.Log(map[string]any{"loss": float64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.uploadNow(ctx); err != nil {
		t.Fatal(err)
	}
	e.down.Store(true)
	for i := 3; i < 6; i++ {
		if err := r.Log(map[string]any{"loss": float64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.uploadNow(ctx); err == nil {
		t.Fatal("upload to a server that is down succeeded")
	}
	if err := r.Finish(0); err != nil {
		t.Fatal(err)
	}
	w := buf.String()
	if strings.Count(w, "WARNING") != 1 || !strings.Contains(w, "wandb sync") {
		t.Errorf("warnings %q", w)
	}
	logPath, err := runlog.FindLog(r.SyncDir())
	if err != nil {
		t.Fatal(err)
	}
	info, err := runlog.Replay(logPath, nil)
	if err != nil || info.Rows != 6 || !info.Exited {
		t.Fatalf("run log: %+v %v", info, err)
	}
	if syncer.IsSynced(r.SyncDir()) {
		t.Error("marked synced")
	}
	e.down.Store(false)
	res, err := syncer.Sync(ctx, r.SyncDir(), e.client())
	if err != nil {
		t.Fatal(err)
	}
	run, n := e.historyRows(t, r.ID())
	if n != 6 || run.State != store.StateFinished || res.RowsSent != 3 {
		t.Fatalf("after sync: %d rows, state %s, %+v", n, run.State, res)
	}
}

func TestOnlineResumeContinuesServerSide(t *testing.T) {
	e := newOnlineEnv(t)
	dir := t.TempDir()
	r, _, err := initOnline(t, e.srv.URL, onlineTestKey, WithDir(dir), WithID("resumeme"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := r.Log(map[string]any{"loss": float64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Finish(0); err != nil {
		t.Fatal(err)
	}
	r2, buf, err := initOnline(t, e.srv.URL, onlineTestKey, WithDir(dir), WithID("resumeme"), WithResume(ResumeAllow))
	if err != nil {
		t.Fatal(err)
	}
	if r2.Mode() != ModeOnline {
		t.Fatalf("mode %s: %q", r2.Mode(), buf)
	}
	for i := range 2 {
		if err := r2.Log(map[string]any{"loss": float64(10 + i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := r2.Finish(0); err != nil {
		t.Fatal(err)
	}
	run, n := e.historyRows(t, "resumeme")
	if n != 5 || run.State != store.StateFinished {
		t.Fatalf("after resume: %d rows, state %s; warnings %q", n, run.State, buf)
	}
}
