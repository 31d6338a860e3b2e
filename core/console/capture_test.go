//go:build linux || darwin

package console

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The capture tests run in a child process (this test binary again, see
// TestHelperProcess) so that the test binary's own output is never captured.

var helperNow = time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)

const helperStamp = "2026-01-02T03:04:05.123456"

var longLine = strings.Repeat("x", 5000)

// bulk is more than a pipe holds (64 KiB on Linux), to make writers block.
var bulk = func() []string {
	lines := make([]string, 10000)
	for i := range lines {
		lines[i] = fmt.Sprintf("bulk %05d", i)
	}
	return lines
}()

// TestHelperProcess is the child: it captures, writes, stops and exits. It
// reports failures on its restored stderr with exit status 3.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("CONSOLE_HELPER") != "1" {
		t.Skip("helper process for the capture tests")
	}
	fail := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "helper: "+format+"\n", args...)
		os.Exit(3)
	}
	log := os.Getenv("CONSOLE_LOG")
	switch mode := os.Getenv("CONSOLE_MODE"); mode {
	case "basic":
		helperBasic(log, fail)
	case "background":
		helperBackground(log, fail)
	case "crash":
		if _, err := Capture(Options{Stdout: true, Stderr: true, File: log}); err != nil {
			fail("%v", err)
		}
		fmt.Println("before crash")
		go panic("boom-crash")
		select {}
	default:
		fail("unknown mode %q", mode)
	}
	os.Exit(0)
}

func helperBasic(log string, fail func(string, ...any)) {
	var sunk []Line
	c, err := Capture(Options{
		Stdout: true, Stderr: true, File: log,
		Now:  func() time.Time { return helperNow },
		Sink: func(l Line) { sunk = append(sunk, l) },
	})
	if err != nil {
		fail("Capture: %v", err)
	}
	if _, err := Capture(Options{Stdout: true}); !errors.Is(err, ErrAlreadyCapturing) {
		fmt.Fprintf(os.Stderr, "second Capture: %v\n", err) // captured: checked by the parent
	}
	fmt.Println("hello stdout")
	fmt.Print("progress 10%\rprogress 50%\rprogress 100%\n")
	fmt.Print("crlf line\r\n")
	fmt.Fprintln(os.Stderr, "to stderr")
	cmd := exec.Command("sh", "-c", "echo child; echo child-err >&2")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		fail("sh: %v", err)
	}
	fmt.Println(longLine)
	fmt.Print(strings.Join(bulk, "\n") + "\n")
	fmt.Print("partial")

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Stop(cancelled); err != nil && !errors.Is(err, context.Canceled) {
		fail("Stop(cancelled ctx): %v", err)
	}
	if err := c.Stop(context.Background()); err != nil {
		fail("Stop: %v", err)
	}
	if err := c.Stop(context.Background()); err != nil {
		fail("second Stop: %v", err)
	}
	fmt.Println(" after stop")

	data, err := json.Marshal(sunk)
	if err != nil {
		fail("%v", err)
	}
	if err := os.WriteFile(os.Getenv("CONSOLE_SINK"), data, 0o644); err != nil {
		fail("%v", err)
	}

	// The streams are free again.
	c, err = Capture(Options{Stdout: true, Now: func() time.Time { return helperNow }, File: log})
	if err != nil {
		fail("Capture after Stop: %v", err)
	}
	fmt.Println("second capture")
	if err := c.Stop(context.Background()); err != nil {
		fail("Stop: %v", err)
	}
}

// helperBackground leaves a child holding the captured stdout while Stop
// runs: Stop must drain what was written and return without waiting for it.
func helperBackground(log string, fail func(string, ...any)) {
	c, err := Capture(Options{Stdout: true, File: log, Now: func() time.Time { return helperNow }})
	if err != nil {
		fail("Capture: %v", err)
	}
	cmd := exec.Command("sh", "-c", "echo bg-started; echo ready >&2; exec cat")
	cmd.Stdout = os.Stdout
	stdin, err := cmd.StdinPipe()
	if err != nil {
		fail("%v", err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		fail("%v", err)
	}
	if err := cmd.Start(); err != nil {
		fail("%v", err)
	}
	if line, err := bufio.NewReader(stderr).ReadString('\n'); line != "ready\n" {
		fail("child said %q, %v", line, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.Stop(ctx); err != nil {
		fail("Stop with a child holding stdout: %v", err)
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		fail("cat: %v", err)
	}
}

type helperResult struct {
	stdout, stderr string
	log            []string
	sink           []Line
	err            error
}

func runHelper(t *testing.T, mode string) helperResult {
	t.Helper()
	dir := t.TempDir()
	logPath, sinkPath := filepath.Join(dir, "output.log"), filepath.Join(dir, "sink.json")
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "CONSOLE_HELPER=1", "CONSOLE_MODE="+mode, "CONSOLE_LOG="+logPath, "CONSOLE_SINK="+sinkPath)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	r := helperResult{err: cmd.Run()}
	r.stdout, r.stderr = stdout.String(), stderr.String()
	if data, err := os.ReadFile(logPath); err == nil {
		r.log = strings.SplitAfter(string(data), "\n")
		if last := r.log[len(r.log)-1]; last == "" {
			r.log = r.log[:len(r.log)-1]
		}
	}
	if data, err := os.ReadFile(sinkPath); err == nil {
		if err := json.Unmarshal(data, &r.sink); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// streams splits output.log lines (which keep their "\n") by stream.
func streams(log []string) (stdout, stderr []string) {
	for _, l := range log {
		if strings.HasPrefix(l, "ERROR ") {
			stderr = append(stderr, l)
		} else {
			stdout = append(stdout, l)
		}
	}
	return stdout, stderr
}

func TestCaptureCopiesToTerminalAndLog(t *testing.T) {
	r := runHelper(t, "basic")
	if r.err != nil {
		t.Fatalf("helper: %v\nstdout: %q\nstderr: %q", r.err, r.stdout, r.stderr)
	}

	// The original descriptors got every byte, unchanged.
	wantStdout := "hello stdout\nprogress 10%\rprogress 50%\rprogress 100%\ncrlf line\r\nchild\n" +
		longLine + "\n" + strings.Join(bulk, "\n") + "\npartial after stop\nsecond capture\n"
	if r.stdout != wantStdout {
		t.Errorf("child stdout:\n%q\nwant\n%q", r.stdout, wantStdout)
	}
	if wantStderr := "to stderr\nchild-err\n"; r.stderr != wantStderr {
		t.Errorf("child stderr %q, want %q", r.stderr, wantStderr)
	}

	// output.log has lines in W&B's format, each stream in order.
	out, errs := streams(r.log)
	wantOut := []string{
		helperStamp + " hello stdout\n",
		helperStamp + " progress 100%\n",
		helperStamp + " crlf line\n",
		helperStamp + " child\n",
		helperStamp + " " + longLine[:MaxLineBytes] + "\n",
		helperStamp + " " + longLine[MaxLineBytes:] + "\n",
	}
	for _, l := range bulk {
		wantOut = append(wantOut, helperStamp+" "+l+"\n")
	}
	wantOut = append(wantOut, helperStamp+" partial\n", helperStamp+" second capture\n")
	wantErr := []string{
		"ERROR " + helperStamp + " to stderr\n",
		"ERROR " + helperStamp + " child-err\n",
	}
	if !slices.Equal(out, wantOut) {
		t.Errorf("stdout lines of output.log:\n%.200q\nwant\n%.200q", out, wantOut)
	}
	if !slices.Equal(errs, wantErr) {
		t.Errorf("stderr lines of output.log:\n%q\nwant\n%q", errs, wantErr)
	}

	// The sink saw the same lines as the file (first capture only).
	var sunk []string
	for _, l := range r.sink {
		sunk = append(sunk, FormatLine(l)+"\n")
	}
	if first := r.log[:len(r.log)-1]; !slices.Equal(sunk, first) {
		t.Errorf("sink lines:\n%.300q\nwant the file's\n%.300q", sunk, first)
	}
}

func TestStopDoesNotWaitForChildrenHoldingThePipe(t *testing.T) {
	r := runHelper(t, "background")
	if r.err != nil {
		t.Fatalf("helper: %v\nstdout: %q\nstderr: %q", r.err, r.stdout, r.stderr)
	}
	if r.stdout != "bg-started\n" {
		t.Errorf("child stdout %q", r.stdout)
	}
	if want := []string{helperStamp + " bg-started\n"}; !slices.Equal(r.log, want) {
		t.Errorf("output.log %q, want %q", r.log, want)
	}
}

func TestCrashWhileCapturingReachesOriginalStderr(t *testing.T) {
	r := runHelper(t, "crash")
	var exit *exec.ExitError
	if !errors.As(r.err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("helper exit %v, want status 2 from the panic\nstderr: %q", r.err, r.stderr)
	}
	if !strings.Contains(r.stderr, "panic: boom-crash") || !strings.Contains(r.stderr, "goroutine ") {
		t.Errorf("panic not on the original stderr: %q", r.stderr)
	}
}

func TestCaptureNeedsAStream(t *testing.T) {
	if c, err := Capture(Options{}); err == nil || c != nil || !strings.HasPrefix(err.Error(), "console: ") {
		t.Errorf("Capture(no streams) = %v, %v", c, err)
	}
}

func TestCaptureBadFile(t *testing.T) {
	_, err := Capture(Options{Stdout: true, File: filepath.Join(t.TempDir(), "missing", "output.log")})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Capture with a bad file = %v, want ErrNotExist", err)
	}
}
