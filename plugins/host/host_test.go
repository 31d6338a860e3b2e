package host_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/gowandb/wandb/plugins"
	"github.com/gowandb/wandb/plugins/host"
)

// testSink is a RunSink that keeps everything and passes log lines on a
// channel, which is how the tests wait for the host: no sleeps.
type testSink struct {
	mu      sync.Mutex
	rows    []sinkRow
	summary map[string]any
	config  map[string]any
	files   []string
	lines   chan string
}

type sinkRow struct {
	step int64
	row  map[string]any
}

func newSink() *testSink {
	return &testSink{summary: map[string]any{}, config: map[string]any{}, lines: make(chan string, 1000)}
}

func (s *testSink) LogRow(step int64, row map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rows = append(s.rows, sinkRow{step, row})
	return nil
}

func (s *testSink) UpdateSummary(v map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, x := range v {
		s.summary[k] = x
	}
	return nil
}

func (s *testSink) UpdateConfig(v map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, x := range v {
		if old, ok := s.config[k]; ok && old != x {
			return fmt.Errorf("config %q may not change", k)
		}
		s.config[k] = x
	}
	return nil
}

func (s *testSink) AddFile(p string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files = append(s.files, p)
	return nil
}

func (s *testSink) LogLine(level plugins.Level, text string) {
	s.lines <- string(level) + " " + text
}

func (s *testSink) get(key string) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.summary[key]
}

func (s *testSink) rowCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.rows)
}

// waitLine returns the first log line that contains all of want, failing
// the test if none comes before the deadline.
func (s *testSink) waitLine(t *testing.T, want ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var seen []string
	for {
		select {
		case l := <-s.lines:
			seen = append(seen, l)
			ok := true
			for _, w := range want {
				ok = ok && strings.Contains(l, w)
			}
			if ok {
				return l
			}
		case <-ctx.Done():
			t.Fatalf("no log line with %q; lines seen: %q", want, seen)
		}
	}
}

// drainLines returns the log lines already there.
func (s *testSink) drainLines() []string {
	var out []string
	for {
		select {
		case l := <-s.lines:
			out = append(out, l)
		default:
			return out
		}
	}
}

// lockedBuffer is a log destination that outlives the test safely.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// newHost returns a host searching dir, whose log is shown if the test
// fails.
func newHost(t *testing.T, dir string, opts ...host.Option) *host.Host {
	t.Helper()
	var buf lockedBuffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("host log:\n%s", buf.String())
		}
	})
	logger := hclog.New(&hclog.LoggerOptions{Output: &buf, Level: hclog.Debug})
	return host.New(append([]host.Option{host.WithSearchPath(dir), host.WithLogger(logger), host.WithCallTimeout(20 * time.Second)}, opts...)...)
}

func newSession(t *testing.T, h *host.Host) (*host.Session, *testSink) {
	t.Helper()
	sink := newSink()
	s := h.NewSession(context.Background(), plugins.RunInfo{ID: "r1", Name: "test-run", Dir: t.TempDir(), Config: map[string]any{"lr": 0.1}}, sink)
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s, sink
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// waitExit waits (through the process table, bounded by a context) for a
// process the host stopped. go-plugin has reaped it once Kill returned, so
// one check suffices.
func mustBeGone(t *testing.T, pid int) {
	t.Helper()
	if pid != 0 && alive(pid) {
		t.Errorf("plugin process %d still runs", pid)
	}
}

func TestDiscoverOnPluginPath(t *testing.T) {
	d1, d2 := t.TempDir(), t.TempDir()
	writePlugin(t, d1, "echo", "echo")
	writePlugin(t, d1, "broken", "nodescribe")
	writePlugin(t, d2, "echo", "echo") // shadowed by d1's
	writePlugin(t, d2, "crash", "crash")
	// Not plugins: not executable, wrong prefix, a directory.
	os.WriteFile(filepath.Join(d1, "wandb-plugin-notexec"), []byte("#!/bin/sh\n"), 0o644)
	os.WriteFile(filepath.Join(d1, "other-tool"), []byte("#!/bin/sh\n"), 0o755)
	os.Mkdir(filepath.Join(d2, "wandb-plugin-dir"), 0o755)
	t.Setenv(host.EnvPluginPath, d1+string(filepath.ListSeparator)+string(filepath.ListSeparator)+d2+string(filepath.ListSeparator)+filepath.Join(d2, "missing"))

	h := host.New() // the search path from the environment
	found, err := h.Discover(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range found {
		s := fmt.Sprintf("%s %s v%d %s shadowed=%v", f.Name, f.Manifest.Version, f.Manifest.ProtocolVersion, strings.Join(f.Manifest.Provides, ","), f.Shadowed)
		if f.Err != nil {
			s = f.Name + " error"
			if !strings.Contains(f.Err.Error(), "describe is broken in this plugin") {
				t.Errorf("describe error lacks the plugin's stderr: %v", f.Err)
			}
		}
		got = append(got, s)
	}
	want := []string{
		"broken error",
		"echo 1.2.3 v1 history,summary,files shadowed=false",
		"crash 1.2.3 v1 history,summary,files shadowed=false",
		"echo 1.2.3 v1 history,summary,files shadowed=true",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("discovered:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if found[1].Path != filepath.Join(d1, "wandb-plugin-echo") {
		t.Errorf("echo path %s", found[1].Path)
	}
	f, err := h.Find(ctxT(t), "crash")
	if err != nil || f.Path != filepath.Join(d2, "wandb-plugin-crash") {
		t.Errorf("Find(crash) = %+v, %v", f, err)
	}
	if _, err := h.Find(ctxT(t), "nope"); !errors.Is(err, host.ErrNotFound) {
		t.Errorf("Find(nope) = %v, want ErrNotFound", err)
	}
}

func TestSearchPathEndsBesideTheExecutable(t *testing.T) {
	dirs := host.SearchPath("/a:/b::")
	exe, _ := os.Executable()
	exe, _ = filepath.EvalSymlinks(exe)
	if len(dirs) != 3 || dirs[0] != "/a" || dirs[1] != "/b" || dirs[2] != filepath.Dir(exe) {
		t.Errorf("SearchPath = %q", dirs)
	}
}

func TestSubprocessPluginRoundTrip(t *testing.T) {
	dir := t.TempDir()
	writePlugin(t, dir, "echo", "echo")
	s, sink := newSession(t, newHost(t, dir))
	if err := s.Start(ctxT(t), "echo"); err != nil {
		t.Fatal(err)
	}
	st := s.Status()
	if len(st) != 1 || st[0].State != host.StateRunning || st[0].PID == 0 || st[0].Name != "echo" {
		t.Fatalf("status %+v", st)
	}
	// Emitted during Start, applied before Start returned.
	if got := sink.get("echo_pid"); got != int64(st[0].PID) {
		t.Errorf("summary echo_pid = %v, want %d", got, st[0].PID)
	}
	for i := range 100 {
		if err := s.Observe(plugins.Scalar("loss", int64(i), float64(i)/2)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Observe(plugins.FrameObservation("env", 7, &plugins.Frame{Width: 1, Height: 1, RGBA: []byte{1, 2, 3, 4}})); err != nil {
		t.Fatal(err)
	}
	if err := s.Observe(plugins.Scalar("", 0, 1)); !errors.Is(err, plugins.ErrInvalidObservation) {
		t.Errorf("invalid observation: %v", err)
	}
	if err := s.Flush(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	sink.mu.Lock()
	if len(sink.rows) != 100 || sink.rows[99].step != 99 || sink.rows[99].row["loss_echo"] != 49.5 {
		t.Errorf("rows: %d, last %+v", len(sink.rows), sink.rows[len(sink.rows)-1])
	}
	if sink.summary["echo_observed"] != int64(101) {
		t.Errorf("echo_observed = %v", sink.summary["echo_observed"])
	}
	if len(sink.files) != 1 || sink.files[0] != "frames/env-7.rgba" {
		t.Errorf("files %q", sink.files)
	}
	sink.mu.Unlock()
	if err := s.Close(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if st := s.Status(); st[0].State != host.StateFinished {
		t.Errorf("after Close: %+v", st[0])
	}
	mustBeGone(t, st[0].PID)
	if lines := sink.drainLines(); len(lines) != 0 {
		t.Errorf("a clean run logged %q", lines)
	}
	if err := s.Observe(plugins.Scalar("late", 1, 1)); err != nil {
		t.Errorf("Observe after Close = %v", err)
	}
}

func TestPluginKilledMidRunIsReportedAndDisabled(t *testing.T) {
	dir := t.TempDir()
	writePlugin(t, dir, "echo", "echo")
	s, sink := newSession(t, newHost(t, dir))
	if err := s.Start(ctxT(t), "echo"); err != nil {
		t.Fatal(err)
	}
	s.Observe(plugins.Scalar("loss", 1, 1))
	if err := s.Flush(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	pid := s.Status()[0].PID
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// The broken stream is noticed without any call in flight.
	line := sink.waitLine(t, "error", `plugin "echo" crashed`, "disabled it")
	t.Logf("reported: %s", line)
	if st := s.Status()[0]; st.State != host.StateDisabled || !strings.HasPrefix(st.Failure, "crashed") {
		t.Errorf("status %+v", st)
	}
	// The run goes on: observations are ignored, flush and close succeed.
	s.Observe(plugins.Scalar("loss", 2, 2))
	if err := s.Flush(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if n := sink.rowCount(); n != 1 {
		t.Errorf("%d rows, want the 1 from before the kill", n)
	}
	if lines := sink.drainLines(); len(lines) != 0 {
		t.Errorf("the kill was reported more than once: %q", lines)
	}
}

func TestCrashingPluginIsRestartedOnce(t *testing.T) {
	dir := t.TempDir()
	writePlugin(t, dir, "crash", "crash")
	s, sink := newSession(t, newHost(t, dir, host.WithFailurePolicy(host.RestartOnce)))
	if err := s.Start(ctxT(t), "crash"); err != nil {
		t.Fatal(err)
	}
	pid1 := s.Status()[0].PID
	s.Observe(plugins.Scalar("die", 1, 1))
	sink.waitLine(t, "warn", `plugin "crash" crashed`, "restarted it (restart 1 of 1)")
	st := s.Status()[0]
	if st.State != host.StateRunning || st.Restarts != 1 || st.PID == pid1 || st.PID == 0 {
		t.Fatalf("after the restart: %+v (first pid %d)", st, pid1)
	}
	mustBeGone(t, pid1)
	// The new process works: it got Start again and echoes.
	if got := sink.get("crash_pid"); got != int64(st.PID) {
		t.Errorf("crash_pid = %v, want the new pid %d", got, st.PID)
	}
	s.Observe(plugins.Scalar("loss", 2, 0.5))
	if err := s.Flush(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if n := sink.rowCount(); n != 1 {
		t.Fatalf("%d rows after the restart, want 1", n)
	}
	// The second crash disables it.
	s.Observe(plugins.Scalar("die", 3, 1))
	sink.waitLine(t, "error", `plugin "crash" crashed`, "disabled it")
	if st := s.Status()[0]; st.State != host.StateDisabled || st.Restarts != 1 {
		t.Errorf("after the second crash: %+v", st)
	}
	if err := s.Close(ctxT(t)); err != nil {
		t.Fatal(err)
	}
}

func TestHungPluginIsKilledAtTheDeadline(t *testing.T) {
	dir := t.TempDir()
	writePlugin(t, dir, "hang", "hang")
	// The deadline is long enough that the Observe before the hang is not
	// itself timed out on a loaded machine; only Flush hangs.
	s, sink := newSession(t, newHost(t, dir, host.WithCallTimeout(5*time.Second)))
	if err := s.Start(ctxT(t), "hang"); err != nil {
		t.Fatal(err)
	}
	pid := s.Status()[0].PID
	s.Observe(plugins.Scalar("loss", 1, 1))
	// The plugin never answers Flush; the call deadline ends it (ctxT's
	// own deadline is much longer, so returning at all shows the call
	// deadline worked).
	if err := s.Flush(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	line := sink.waitLine(t, "error", `plugin "hang" hung`, "Flush did not return in time", "disabled it")
	t.Logf("reported: %s", line)
	if n := sink.rowCount(); n != 1 {
		t.Errorf("%d rows, want the one emitted before the hang", n)
	}
	mustBeGone(t, pid)
	if err := s.Close(ctxT(t)); err != nil {
		t.Fatal(err)
	}
}

func TestGarbageEmissionDisablesThePluginAndAppliesNothing(t *testing.T) {
	dir := t.TempDir()
	writePlugin(t, dir, "garbage", "garbage")
	s, sink := newSession(t, newHost(t, dir))
	if err := s.Start(ctxT(t), "garbage"); err != nil {
		t.Fatal(err)
	}
	s.Observe(plugins.Scalar("loss", 1, 1))
	line := sink.waitLine(t, "error", `plugin "garbage" sent an invalid emission`, `history key "loss": value is not JSON`, "disabled it")
	t.Logf("reported: %s", line)
	if n := sink.rowCount(); n != 0 {
		t.Errorf("%d garbage rows were applied", n)
	}
	if err := s.Close(ctxT(t)); err != nil {
		t.Fatal(err)
	}
}

func TestWrongProtocolVersionNamesBothVersions(t *testing.T) {
	dir := t.TempDir()
	writePlugin(t, dir, "badversion", "badversion")
	writePlugin(t, dir, "liar", "liar") // describe says 1, the handshake 99
	s, sink := newSession(t, newHost(t, dir))
	for _, name := range []string{"badversion", "liar"} {
		err := s.StartPath(ctxT(t), filepath.Join(dir, "wandb-plugin-"+name))
		var v *plugins.VersionError
		if !errors.As(err, &v) {
			t.Fatalf("%s: err = %v, want a *plugins.VersionError", name, err)
		}
		if v.Host != plugins.ProtocolVersion || v.PluginVersion != 99 {
			t.Errorf("%s: versions %+v", name, v)
		}
		if msg := err.Error(); !strings.Contains(msg, "version 99") || !strings.Contains(msg, "version 1") {
			t.Errorf("%s: %q does not name both versions", name, msg)
		}
		sink.waitLine(t, "error", "failed to start", "version 99")
	}
	if st := s.Status(); len(st) != 0 {
		t.Errorf("refused plugins are in the session: %+v", st)
	}
}

func TestStartFailures(t *testing.T) {
	dir := t.TempDir()
	writePlugin(t, dir, "startfail", "startfail")
	s, sink := newSession(t, newHost(t, dir))
	err := s.Start(ctxT(t), "startfail")
	var re *plugins.RemoteError
	if !errors.As(err, &re) || re.Op != "start" || re.Msg != "no thanks" {
		t.Fatalf("err = %v, want the plugin's Start error", err)
	}
	sink.waitLine(t, "error", `plugin "startfail" failed to start`, "no thanks")
	if err := s.Start(ctxT(t), "missing"); !errors.Is(err, host.ErrNotFound) {
		t.Fatalf("missing plugin: %v", err)
	}
	sink.waitLine(t, "error", `plugin "missing" failed to start`)
}
