package wandb

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gowandb/wandb/core/sender"
	"github.com/gowandb/wandb/core/server"
	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/store/localblob"
	"github.com/gowandb/wandb/core/store/sqlite"
	"github.com/gowandb/wandb/core/syncer"
)

// restartableServer is a tracking server over a SQLite file that can be
// killed (listener and connections closed, database closed) and started
// again on the same address, as a real process restart would.
type restartableServer struct {
	t      *testing.T
	dir    string
	addr   string
	secret []byte
	wrap   func(http.Handler) http.Handler

	mu  sync.Mutex
	st  *sqlite.Store
	srv *http.Server
}

func newRestartableServer(t *testing.T, wrap func(http.Handler) http.Handler) *restartableServer {
	t.Helper()
	s := &restartableServer{t: t, dir: t.TempDir(), secret: []byte("restart-test-upload-secret-0123"), wrap: wrap}
	s.start()
	usr, err := s.store().CreateUser(context.Background(), "alice", "alice@example.com", true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.store().CreateAPIKey(context.Background(), usr.ID, onlineTestKey, "test"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.kill)
	return s
}

func (s *restartableServer) start() {
	s.t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(s.dir, "wandb.db"))
	if err != nil {
		s.t.Fatal(err)
	}
	blobs, err := localblob.New(filepath.Join(s.dir, "blobs"))
	if err != nil {
		s.t.Fatal(err)
	}
	addr := s.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		s.t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	var h http.Handler = server.New(st, blobs, server.WithUploadSecret(s.secret)).Handler()
	if s.wrap != nil {
		h = s.wrap(h)
	}
	srv := &http.Server{Handler: h}
	go func() { _ = srv.Serve(ln) }()
	s.mu.Lock()
	s.st, s.srv = st, srv
	s.mu.Unlock()
}

func (s *restartableServer) kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		_ = s.srv.Close()
		_ = s.st.Close()
		s.srv, s.st = nil, nil
	}
}

func (s *restartableServer) store() *sqlite.Store {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st
}

func (s *restartableServer) url() string { return "http://" + s.addr }

// steps returns the _step of every history row the server holds for run
// id, in order.
func (s *restartableServer) steps(t *testing.T, id string) ([]int, store.Run) {
	t.Helper()
	ctx := context.Background()
	run, err := s.store().Run(ctx, "alice", "proj", id)
	if err != nil {
		t.Fatalf("run %s on the server: %v", id, err)
	}
	var out []int
	for {
		rows, err := s.store().HistoryRows(ctx, run.ID, len(out), 50000)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 {
			return out, run
		}
		for _, r := range rows {
			var m struct {
				Step int `json:"_step"`
			}
			if err := json.Unmarshal([]byte(r.JSON), &m); err != nil {
				t.Fatal(err)
			}
			out = append(out, m.Step)
		}
	}
}

func checkSteps(t *testing.T, got []int, n int) {
	t.Helper()
	for i, s := range got {
		if s != i {
			t.Fatalf("row %d has _step %d: a row was lost or stored twice (steps %v…)", i, s, got[max(0, i-5):min(len(got), i+5)])
		}
	}
	if len(got) != n {
		t.Fatalf("server holds %d rows, want %d", len(got), n)
	}
}

// retryClock is the online sender's clock in these tests: the waits it
// asks for are recorded, not slept, except while hold is set, when a wait
// reports itself on holding and lasts until release (time passing while a
// server is down).
type retryClock struct {
	mu      sync.Mutex
	waits   []time.Duration
	hold    chan struct{}
	holding chan struct{}
}

func (c *retryClock) sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.waits = append(c.waits, d)
	hold, holding := c.hold, c.holding
	c.mu.Unlock()
	if hold != nil {
		select {
		case holding <- struct{}{}:
		default:
		}
		select {
		case <-hold:
		case <-ctx.Done():
		}
	}
	return ctx.Err()
}

// stall makes the next waits last until the returned release is called;
// holding receives when a wait has started.
func (c *retryClock) stall() (holding <-chan struct{}, release func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hold, c.holding = make(chan struct{}), make(chan struct{}, 1)
	hold := c.hold
	return c.holding, func() {
		c.mu.Lock()
		c.hold = nil
		c.mu.Unlock()
		close(hold)
	}
}

func (c *retryClock) recorded() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

// quickRetries makes the online sender retry on the test's retryClock.
func quickRetries(t *testing.T) *retryClock {
	clock := &retryClock{}
	old := onlineRetrier
	onlineRetrier = &sender.Retrier{MaxRetries: 20, Backoff: sender.Backoff{Min: time.Millisecond, Max: time.Second},
		Sleep: clock.sleep}
	oldI, oldF := onlineInterval, onlineFinishTimeout
	onlineInterval, onlineFinishTimeout = time.Hour, 30*time.Second
	t.Cleanup(func() { onlineRetrier, onlineInterval, onlineFinishTimeout = old, oldI, oldF })
	return clock
}

// The server is killed mid-run and started again: rows logged while it was
// gone are sent after it returns, none is lost and none stored twice.
func TestOnlineServerRestartMidRun(t *testing.T) {
	clock := quickRetries(t)
	srv := newRestartableServer(t, nil)
	ctx := context.Background()
	r, _, err := initOnline(t, srv.url(), onlineTestKey)
	if err != nil {
		t.Fatal(err)
	}
	step := 0
	logN := func(n int) {
		for range n {
			if err := r.Log(map[string]any{"loss": 1 / float64(step+1), "acc": float64(step) / 100}); err != nil {
				t.Fatal(err)
			}
			step++
		}
	}
	logN(40)
	if err := r.uploadNow(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := srv.steps(t, r.ID())
	checkSteps(t, got, 40)

	srv.kill()
	logN(40) // Log never waits on the network: the server is gone
	holding, release := clock.stall()
	done := make(chan error, 1)
	go func() { done <- r.uploadNow(ctx) }()
	select {
	case <-holding: // the upload failed against the dead server and waits to retry
	case err := <-done:
		t.Fatalf("the upload to a killed server returned %v instead of retrying", err)
	}
	logN(40)
	srv.start()
	release()
	if err := <-done; err != nil {
		t.Fatalf("upload across the restart: %v", err)
	}
	if err := r.uploadNow(ctx); err != nil {
		t.Fatalf("upload after the restart: %v", err)
	}
	got, _ = srv.steps(t, r.ID())
	checkSteps(t, got, 120)
	if err := r.Finish(0); err != nil {
		t.Fatal(err)
	}
	got, run := srv.steps(t, r.ID())
	checkSteps(t, got, 120)
	if run.State != store.StateFinished {
		t.Errorf("state %s, want finished", run.State)
	}
}

// faults injects failures into file_stream requests: some answered 429
// with Retry-After, some 503, and some processed by the server but with
// the response lost (the connection cut), so the client resends data the
// server already stored.
type faults struct {
	mu   sync.Mutex
	n    int
	plan map[int]string // file_stream request number → fault
	seen []string
}

func (f *faults) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/file_stream") {
			next.ServeHTTP(w, r)
			return
		}
		f.mu.Lock()
		f.n++
		fault := f.plan[f.n]
		if fault != "" {
			f.seen = append(f.seen, fault)
		}
		f.mu.Unlock()
		switch fault {
		case "429":
			w.Header().Set("Retry-After", "7")
			http.Error(w, "slow down", http.StatusTooManyRequests)
		case "503":
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
		case "lost":
			next.ServeHTTP(httptest.NewRecorder(), r) // stored ...
			panic(http.ErrAbortHandler)               // ... but the answer never arrives
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func TestOnlineInjectedFaults(t *testing.T) {
	clock := quickRetries(t)
	f := &faults{plan: map[int]string{1: "429", 2: "503", 4: "lost", 5: "503", 7: "lost", 8: "429"}}
	srv := newRestartableServer(t, f.wrap)
	ctx := context.Background()
	r, _, err := initOnline(t, srv.url(), onlineTestKey)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		if err := r.Log(map[string]any{"loss": float64(i)}); err != nil {
			t.Fatal(err)
		}
		if i%20 == 19 {
			if err := r.uploadNow(ctx); err != nil {
				t.Fatalf("upload %d: %v", i, err)
			}
		}
	}
	if err := r.Finish(0); err != nil {
		t.Fatal(err)
	}
	got, run := srv.steps(t, r.ID())
	checkSteps(t, got, 100)
	if run.State != store.StateFinished {
		t.Errorf("state %s, want finished", run.State)
	}
	f.mu.Lock()
	seen := strings.Join(f.seen, ",")
	f.mu.Unlock()
	if seen != "429,503,lost,503,lost,429" {
		t.Errorf("faults injected: %s (the plan was not exercised)", seen)
	}
	honoured := 0
	for _, w := range clock.recorded() {
		if w == 7*time.Second {
			honoured++
		}
	}
	if honoured != 2 {
		t.Errorf("waits %v: want the two 429s' Retry-After: 7 honoured", clock.recorded())
	}
}

// A run logged online and the same run logged offline and synced leave the
// same history rows on the server.
func TestOnlineEqualsOfflineSynced(t *testing.T) {
	quickRetries(t)
	srv := newRestartableServer(t, nil)
	ctx := context.Background()
	logRun := func(r *Run) {
		for i := range 30 {
			row := map[string]any{"loss": 1 / float64(i+1), "nested": map[string]any{"a": i, "b": "x"}}
			if i%10 == 0 {
				row["eval/acc"] = float64(i) / 30
			}
			if err := r.Log(row); err != nil {
				t.Fatal(err)
			}
		}
		if err := r.Finish(0); err != nil {
			t.Fatal(err)
		}
	}
	on, _, err := initOnline(t, srv.url(), onlineTestKey, WithID("onlinerun"))
	if err != nil {
		t.Fatal(err)
	}
	logRun(on)
	off, _, err := initOnline(t, srv.url(), onlineTestKey, WithID("offlinerun"), WithMode(ModeOffline))
	if err != nil {
		t.Fatal(err)
	}
	logRun(off)
	c := &onlineEnv{srv: &httptest.Server{URL: srv.url()}}
	if _, err := syncer.Sync(ctx, off.SyncDir(), c.client()); err != nil {
		t.Fatal(err)
	}
	rows := func(id string) []map[string]any {
		run, err := srv.store().Run(ctx, "alice", "proj", id)
		if err != nil {
			t.Fatal(err)
		}
		hist, err := srv.store().HistoryRows(ctx, run.ID, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]map[string]any, len(hist))
		for i, h := range hist {
			if err := json.Unmarshal([]byte(h.JSON), &out[i]); err != nil {
				t.Fatal(err)
			}
			// Wall-clock fields differ between the two runs by nature.
			delete(out[i], "_timestamp")
			delete(out[i], "_runtime")
		}
		return out
	}
	a, b := rows("onlinerun"), rows("offlinerun")
	if len(a) != 30 || len(b) != 30 {
		t.Fatalf("rows: online %d, offline+sync %d, want 30 each", len(a), len(b))
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Errorf("online and offline+sync history differ:\n%s\n%s", ja, jb)
	}
}

// A run logged much faster than the server takes it keeps the sender's
// memory bounded: what the server has not taken stays in the run log and
// is read again from there, not queued in memory.
func TestOnlineMemoryBoundedBySlowServer(t *testing.T) {
	if testing.Short() {
		t.Skip("logs 300,000 rows")
	}
	quickRetries(t)
	gate := make(chan struct{})
	var once sync.Once
	blocked := make(chan struct{})
	srv := newRestartableServer(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/file_stream") {
				once.Do(func() { close(blocked) })
				<-gate // the server takes nothing until released
			}
			next.ServeHTTP(w, r)
		})
	})
	ctx := context.Background()
	// The heap is measured against what the process held before this run
	// (other tests of the package leave their own data behind).
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	r, _, err := initOnline(t, srv.url(), onlineTestKey)
	if err != nil {
		t.Fatal(err)
	}
	const rows = 300_000
	row := map[string]any{"loss": 0.0, "acc": 0.0, "lr": 0.001, "epoch": 0, "grad_norm": 1.5,
		"note": strings.Repeat("x", 64)}
	for i := range rows / 2 {
		row["loss"], row["epoch"] = 1/float64(i+1), i/1000
		if err := r.Log(row); err != nil {
			t.Fatal(err)
		}
	}
	upload := make(chan error, 1)
	go func() { upload <- r.uploadNow(ctx) }()
	<-blocked // a file_stream request is stuck at the server
	for i := rows / 2; i < rows; i++ {
		row["loss"], row["epoch"] = 1/float64(i+1), i/1000
		if err := r.Log(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	logged := int64(rows) * 150 // bytes of history JSON, roughly
	grown := int64(ms.HeapAlloc) - int64(base.HeapAlloc)
	if grown > 64<<20 {
		t.Errorf("heap grew %d MiB with %d MiB of rows not yet taken by the server: want ≤ 64 MiB", grown>>20, logged>>20)
	}
	t.Logf("heap grew %d MiB while %d MiB of rows wait for the server", grown>>20, logged>>20)
	close(gate)
	if err := <-upload; err != nil {
		t.Fatal(err)
	}
	if err := r.Finish(0); err != nil {
		t.Fatal(err)
	}
	got, run := srv.steps(t, r.ID())
	checkSteps(t, got, rows)
	if run.State != store.StateFinished {
		t.Errorf("state %s", run.State)
	}
}

// Finish waits at most finish_timeout for a server that does not answer;
// it warns, and what was not sent is in the run log for `wandb sync`.
func TestOnlineFinishTimeout(t *testing.T) {
	quickRetries(t)
	onlineFinishTimeout = 0 // the option decides
	gate := make(chan struct{})
	var blockOn atomic.Bool
	srv := newRestartableServer(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if blockOn.Load() && strings.HasSuffix(r.URL.Path, "/file_stream") {
				select {
				case <-gate:
				case <-r.Context().Done():
				}
				http.Error(w, "unavailable", http.StatusServiceUnavailable)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	defer close(gate)
	r, warns, err := initOnline(t, srv.url(), onlineTestKey, WithFinishTimeout(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if r.Settings().FinishTimeout != 300*time.Millisecond {
		t.Fatalf("finish_timeout %v", r.Settings().FinishTimeout)
	}
	for i := range 10 {
		if err := r.Log(map[string]any{"loss": float64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	blockOn.Store(true) // the server stops answering file_stream
	if err := r.Finish(0); err != nil {
		t.Fatalf("Finish: %v (a timeout is a warning, not an error)", err)
	}
	if w := warns.String(); !strings.Contains(w, "Timed out finishing run.") || !strings.Contains(w, "wandb sync") {
		t.Fatalf("warnings %q", w)
	}
	blockOn.Store(false)
	c := &onlineEnv{srv: &httptest.Server{URL: srv.url()}}
	if _, err := syncer.Sync(context.Background(), r.SyncDir(), c.client()); err != nil {
		t.Fatal(err)
	}
	got, run := srv.steps(t, r.ID())
	checkSteps(t, got, 10)
	if run.State != store.StateFinished {
		t.Errorf("state after sync: %s", run.State)
	}
}
