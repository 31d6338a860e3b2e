package artifact

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"hash"
	"io"
	"os"
	"sync"
)

// copyBufPool holds the buffers of hashing and copying loops (1 MiB: few
// system calls, bounded memory whatever the file size).
var copyBufPool = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

// B64MD5 is the base64 form of an MD5 sum, the digest of a stored entry.
func B64MD5(sum []byte) string { return base64.StdEncoding.EncodeToString(sum) }

// HashFile returns the base64 MD5 and the size of a file, reading it in
// bounded chunks.
func HashFile(ctx context.Context, path string) (digest string, size int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, fmt.Errorf("artifact: %w", err)
	}
	defer f.Close()
	h := md5.New()
	size, err = copyCtx(ctx, h, f)
	if err != nil {
		return "", 0, fmt.Errorf("artifact: hash %s: %w", path, err)
	}
	return B64MD5(h.Sum(nil)), size, nil
}

// copyCtx copies src to dst with a pooled buffer, checking ctx between
// chunks.
func copyCtx(ctx context.Context, dst io.Writer, src io.Reader) (int64, error) {
	bp := copyBufPool.Get().(*[]byte)
	defer copyBufPool.Put(bp)
	buf := *bp
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		r, err := src.Read(buf)
		if r > 0 {
			w, werr := dst.Write(buf[:r])
			n += int64(w)
			if werr != nil {
				return n, werr
			}
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// hashingWriter computes an MD5 of what passes through it.
type hashingWriter struct {
	w io.Writer
	h hash.Hash
}

func newHashingWriter(w io.Writer) *hashingWriter { return &hashingWriter{w: w, h: md5.New()} }

func (hw *hashingWriter) Write(p []byte) (int, error) {
	n, err := hw.w.Write(p)
	hw.h.Write(p[:n])
	return n, err
}

func (hw *hashingWriter) digest() string { return B64MD5(hw.h.Sum(nil)) }

// parallel runs fn for every index in [0, n) on up to workers goroutines
// and returns the first error (the others stop taking work).
func parallel(ctx context.Context, n, workers int, fn func(ctx context.Context, i int) error) error {
	if workers < 1 {
		workers = 1
	}
	if workers > n {
		workers = n
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(ctx, i); err != nil {
					cancel(err)
				}
			}
		}()
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}
