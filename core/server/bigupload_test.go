package server_test

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/sender"
	"github.com/gowandb/wandb/core/server"
	"github.com/gowandb/wandb/core/store"
)

// A run file larger than any request-body limit is streamed from disk to
// the blob store: the client never holds it in memory, and the server's
// upload limit is its own, answered with 413.
func TestRunFileUploadStreams(t *testing.T) {
	e := newEnv(t, server.WithMaxUpload(200<<20))
	ctx := context.Background()
	c := e.client(aliceKey)
	if _, err := c.UpsertBucket(ctx, sender.BucketInput{Entity: "alice", Project: "p", Name: "big"}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, size int64) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		// A pattern, not zeros, so a wrong offset would change the MD5.
		chunk := make([]byte, 1<<20)
		for i := range chunk {
			chunk[i] = byte(i * 7)
		}
		for w := int64(0); w < size; w += int64(len(chunk)) {
			n := min(int64(len(chunk)), size-w)
			if _, err := f.Write(chunk[:n]); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const size = 150 << 20 // over the 64 MiB GraphQL/file_stream body limit
	path := write("weights.bin", size)
	rf, err := c.CreateRunFiles(ctx, "alice", "p", "big", []string{"weights.bin", "huge.bin"})
	if err != nil {
		t.Fatal(err)
	}
	up := &sender.Uploader{HTTP: http.DefaultClient, Retrier: sender.Retrier{MaxRetries: 0}}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ok, err := up.UploadFile(ctx, rf.Targets[0], rf.Header, path)
	if err != nil || !ok {
		t.Fatalf("upload: %v %v", ok, err)
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	// Both ends run in this process: allocations stay far below the size.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > size/4 {
		t.Errorf("uploading %d bytes allocated %d bytes: the file was buffered", size, alloc)
	}
	run, err := e.st.Run(ctx, "alice", "p", "big")
	if err != nil {
		t.Fatal(err)
	}
	f, err := e.st.File(ctx, run.ID, "weights.bin")
	if err != nil {
		t.Fatal(err)
	}
	src, _ := os.Open(path)
	h := md5.New()
	_, _ = io.Copy(h, src)
	src.Close()
	if f.Size != size || f.MD5 != base64.StdEncoding.EncodeToString(h.Sum(nil)) {
		t.Fatalf("stored %d bytes md5 %s", f.Size, f.MD5)
	}

	// Over the server's upload limit: 413, nothing stored.
	huge := write("huge.bin", 201<<20)
	_, err = up.UploadFile(ctx, rf.Targets[1], rf.Header, huge)
	if err == nil || !strings.Contains(err.Error(), "413") {
		t.Fatalf("upload over the limit: %v, want 413", err)
	}
	if _, err := e.st.File(ctx, run.ID, "huge.bin"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an upload over the limit: file record %v, want none", err)
	}
}
