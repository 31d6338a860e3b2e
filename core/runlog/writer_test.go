package runlog

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gowandb/wandb/core/record"
	"github.com/gowandb/wandb/core/record/recordpb"
	"github.com/gowandb/wandb/core/wal"
)

// marshal encodes a record for Append.
func marshal(t testing.TB, r *recordpb.Record) []byte {
	t.Helper()
	b, err := record.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func outputRec(line string) *recordpb.Record {
	return &recordpb.Record{RecordType: &recordpb.Record_OutputRaw{OutputRaw: &recordpb.OutputRawRecord{Line: line}}}
}

// readLines returns the output lines of every intact record in the run log
// at path, as the file is on disk now, and the damage the reader found.
func readLines(t testing.TB, path string) ([]string, []wal.Damage) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := wal.NewReader(f)
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	var lines []string
	for {
		b, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		r, err := record.Unmarshal(b)
		if err != nil {
			t.Fatal(err)
		}
		if o := r.GetOutputRaw(); o != nil {
			lines = append(lines, o.Line)
		}
	}
	return lines, rd.Damage()
}

func fileSize(t testing.TB, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func TestWriterReachesFileWithinFlushIntervalWithoutFlush(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(dir, "run-x.wandb")
		w, err := Create(path, Options{FlushInterval: 50 * time.Millisecond, FsyncInterval: 0})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close(context.Background())

		w.Append(marshal(t, outputRec("one")))
		synctest.Wait()
		if lines, _ := readLines(t, path); len(lines) != 0 {
			t.Fatalf("record reached the file before the flush interval: %q", lines)
		}
		time.Sleep(49 * time.Millisecond)
		synctest.Wait()
		if lines, _ := readLines(t, path); len(lines) != 0 {
			t.Fatalf("record reached the file before the flush interval: %q", lines)
		}
		time.Sleep(2 * time.Millisecond) // past the 50 ms tick
		synctest.Wait()
		lines, damage := readLines(t, path)
		if len(lines) != 1 || lines[0] != "one" || len(damage) != 0 {
			t.Fatalf("after the flush interval: lines %q, damage %v; want [one] and none", lines, damage)
		}

		// A second batch takes the next tick.
		w.Append(marshal(t, outputRec("two")))
		w.Append(marshal(t, outputRec("three")))
		time.Sleep(50 * time.Millisecond)
		synctest.Wait()
		lines, _ = readLines(t, path)
		if want := []string{"one", "two", "three"}; !equalStrings(lines, want) {
			t.Fatalf("lines %q, want %q", lines, want)
		}
		if got := w.Records(); got != 3 {
			t.Errorf("Records() = %d, want 3", got)
		}
	})
}

// syncState reads the loop goroutine's fsync bookkeeping. It is only
// called after synctest.Wait, when the loop is blocked in its select: Wait
// orders the loop's writes before the read, and holding w.mu, which the
// loop takes before its next write or fsync, orders the read before them.
func syncState(w *Writer) (unsynced bool, lastSync time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.unsynced, w.lastSync
}

// setFile swaps the loop's file, under the same rules as syncState.
func setFile(w *Writer, f *os.File) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.f = f
}

func TestWriterFsyncInterval(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		w, err := Create(filepath.Join(dir, "run-x.wandb"), Options{FlushInterval: 50 * time.Millisecond, FsyncInterval: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close(context.Background())

		w.Append(marshal(t, outputRec("a")))
		time.Sleep(60 * time.Millisecond)
		synctest.Wait()
		if unsynced, _ := syncState(w); !unsynced {
			t.Fatal("written bytes were fsynced before the fsync interval")
		}
		// The first tick at or after 1 s since the last sync fsyncs.
		time.Sleep(time.Second - 60*time.Millisecond + time.Millisecond)
		synctest.Wait()
		unsynced, last := syncState(w)
		if unsynced {
			t.Fatal("not fsynced after the fsync interval")
		}
		if d := last.Sub(start); d != time.Second {
			t.Errorf("fsynced %v after start, want 1s (the first tick past the interval)", d)
		}
		// Nothing new: no fsync on idle ticks.
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if _, again := syncState(w); !again.Equal(last) {
			t.Errorf("an idle writer fsynced again at %v", again.Sub(start))
		}
		// New data waits for the next interval again.
		w.Append(marshal(t, outputRec("b")))
		time.Sleep(50 * time.Millisecond)
		synctest.Wait()
		if unsynced, _ := syncState(w); unsynced {
			// More than 1 s passed since the last sync, so the tick that
			// writes b also fsyncs it.
			t.Fatal("bytes written more than the fsync interval after the last fsync were not fsynced at once")
		}
	})
}

func TestWriterFsyncOnlyAtFlushWhenIntervalZero(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		w, err := Create(filepath.Join(dir, "run-x.wandb"), Options{FlushInterval: 50 * time.Millisecond, FsyncInterval: 0})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close(context.Background())
		w.Append(marshal(t, outputRec("a")))
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if unsynced, _ := syncState(w); !unsynced {
			t.Fatal("FsyncInterval 0 fsynced without Flush")
		}
		if err := w.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if unsynced, _ := syncState(w); unsynced {
			t.Fatal("Flush did not fsync")
		}
	})
}

func TestWriterFlushMakesDataReadable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run-x.wandb")
	// An hour-long flush interval: only Flush can move the data.
	w, err := Create(path, Options{FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(context.Background())
	for _, l := range []string{"a", "b", "c"} {
		w.Append(marshal(t, outputRec(l)))
	}
	if err := w.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	lines, damage := readLines(t, path)
	if want := []string{"a", "b", "c"}; !equalStrings(lines, want) || len(damage) != 0 {
		t.Fatalf("after Flush: lines %q damage %v, want %q", lines, damage, want)
	}
}

func TestWriterFlushHonoursContext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run-x.wandb")
	w, err := Create(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := w.Flush(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Flush(cancelled) = %v, want context.Canceled", err)
	}
}

func TestWriterCloseIdempotentAndLaterAppendsIgnored(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run-x.wandb")
	w, err := Create(path, Options{FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	w.Append(marshal(t, outputRec("before")))
	ctx := context.Background()
	if err := w.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	size := fileSize(t, path)
	lines, _ := readLines(t, path)
	if !equalStrings(lines, []string{"before"}) {
		t.Fatalf("Close did not write the pending record: %q", lines)
	}
	for range 2 {
		if err := w.Close(ctx); err != nil {
			t.Fatalf("second Close = %v, want the first call's result (nil)", err)
		}
	}
	w.Append(marshal(t, outputRec("after")))
	if got := w.Records(); got != 1 {
		t.Errorf("Records() after a post-Close Append = %d, want 1", got)
	}
	if err := w.Flush(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Flush after Close = %v, want ErrClosed", err)
	}
	if got := fileSize(t, path); got != size {
		t.Errorf("the file grew after Close: %d -> %d bytes", size, got)
	}
}

func TestCreateRefusesExistingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run-x.wandb")
	if err := os.WriteFile(path, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(path, Options{}); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("Create(existing) = %v, want fs.ErrExist", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "precious" {
		t.Fatalf("Create touched the existing file: %q", b)
	}
}

func TestCreateSecondWriterRefused(t *testing.T) {
	if !lockSupported {
		t.Skip("no flock on this platform")
	}
	path := filepath.Join(t.TempDir(), "run-x.wandb")
	w, err := Create(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Create(path, Options{}); !errors.Is(err, fs.ErrExist) {
		t.Errorf("second Create = %v, want fs.ErrExist", err)
	}
	// Another descriptor of the same file (as another process would open
	// it) cannot take the lock while the writer lives.
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := lockFile(f); !errors.Is(err, ErrLocked) {
		t.Errorf("lock while the writer is open = %v, want ErrLocked", err)
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := lockFile(f); err != nil {
		t.Errorf("lock after Close = %v, want nil", err)
	}
}

func TestInUse(t *testing.T) {
	if !lockSupported {
		t.Skip("no flock on this platform")
	}
	path := filepath.Join(t.TempDir(), "run-x.wandb")
	w, err := Create(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if in, err := InUse(path); err != nil || !in {
		t.Errorf("InUse while open = %v, %v; want true", in, err)
	}
	// A live run that has not written anything yet is running, not broken.
	st, err := ReadStatus(path)
	if err != nil {
		t.Fatalf("ReadStatus of a just-created run log: %v", err)
	}
	if st.State() != StateRunning {
		t.Errorf("state of a just-created run = %s, want running", st.State())
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if in, err := InUse(path); err != nil || in {
		t.Errorf("InUse after Close = %v, %v; want false", in, err)
	}
	if _, err := InUse(filepath.Join(t.TempDir(), "missing.wandb")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("InUse(missing) = %v, want fs.ErrNotExist", err)
	}
}

// TestWriterRetriesAfterWriteError checks that bytes a failed write left
// behind are written, in order, by a later write: a transient error (a full
// disk) must neither lose records nor shift the block framing of the rest.
func TestWriterRetriesAfterWriteError(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full here:", err)
	}
	defer full.Close()
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(dir, "run-x.wandb")
		w, err := Create(path, Options{FlushInterval: 50 * time.Millisecond, FsyncInterval: 0})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		w.Append(marshal(t, outputRec("first")))
		if err := w.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		// The disk fills up: writes fail with ENOSPC. The loop is blocked
		// in its select, so swapping the file is ordered by Wait.
		orig := w.f
		setFile(w, full)
		w.Append(marshal(t, outputRec("lost?")))
		time.Sleep(60 * time.Millisecond)
		synctest.Wait()
		w.mu.Lock()
		werr := w.err
		w.mu.Unlock()
		if werr == nil {
			t.Fatal("a failed write left no error")
		}
		// Room again.
		setFile(w, orig)
		w.Append(marshal(t, outputRec("third")))
		time.Sleep(60 * time.Millisecond)
		synctest.Wait()
		if err := w.Close(ctx); err == nil {
			t.Error("Close after a write error returned nil")
		}
		lines, damage := readLines(t, path)
		if want := []string{"first", "lost?", "third"}; !equalStrings(lines, want) || len(damage) != 0 {
			t.Fatalf("lines %q damage %v; want %q and no damage", lines, damage, want)
		}
	})
}

func TestAppendBlocksWhenBufferFullUntilDrained(t *testing.T) {
	// Not in a synctest bubble: Append waits on a sync.Cond, which synctest
	// does not count as durably blocked, so fake time would never move.
	path := filepath.Join(t.TempDir(), "run-x.wandb")
	w, err := Create(path, Options{FlushInterval: 10 * time.Millisecond, MaxBuffered: 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(context.Background())
	w.Append(marshal(t, outputRec(string(make([]byte, 4096))))) // fills the buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Append(marshal(t, outputRec("next"))) // waits for the next tick
	}()
	<-done
	if err := w.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	lines, _ := readLines(t, path)
	if len(lines) != 2 || lines[1] != "next" {
		t.Fatalf("got %d lines, want 2 ending in next", len(lines))
	}
}

// lockSupported says whether lock_unix.go (flock) is built here.
var lockSupported = runtime.GOOS != "windows" && runtime.GOOS != "plan9" && runtime.GOOS != "js" && runtime.GOOS != "wasip1"

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
