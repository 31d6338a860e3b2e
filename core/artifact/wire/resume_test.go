package wire_test

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sync"
	"testing"

	"github.com/gowandb/wandb/core/artifact"
	"github.com/gowandb/wandb/core/artifact/wire"
)

// TestInterruptedMultipartUploadResumes cuts a multipart upload in the
// middle of its third part, then logs the artifact again: the second
// attempt uploads only the parts the server lacks, counted in bytes
// received by the server.
func TestInterruptedMultipartUploadResumes(t *testing.T) {
	const part = 256 << 10
	const size = 5*part + 1000 // six parts, the last one short
	for _, how := range []string{"context cancelled", "connection cut"} {
		t.Run(how, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			path := randomFile(t, size)
			m := artifact.NewManifest()
			addFile(t, m, "big.bin", path)
			r := e.remote(t, e.aliceKey, wire.WithMultipart(1<<20, part), wire.WithWorkers(1), retriers(0))

			ctx1, cancel := context.WithCancel(ctx)
			defer cancel()
			var mu sync.Mutex
			n := 0
			e.setHook(func(w http.ResponseWriter, req *http.Request) bool {
				mu.Lock()
				n++
				third := n == 3
				mu.Unlock()
				if !third {
					return false
				}
				// Half of the third part arrives, then the upload dies.
				if _, err := io.CopyN(io.Discard, req.Body, part/2); err != nil {
					t.Errorf("reading half a part: %v", err)
				}
				if how == "context cancelled" {
					cancel()
				}
				conn, _, err := http.NewResponseController(w).Hijack()
				if err != nil {
					t.Errorf("hijack: %v", err)
					return true
				}
				conn.Close()
				return true
			})
			if _, err := r.Log(ctx1, logReq("p", "", "big", "model", m)); err == nil {
				t.Fatal("the interrupted log succeeded")
			}
			if vs, _ := e.st.ArtifactVersions(ctx, "alice", "p", "big"); len(vs) != 0 {
				t.Fatalf("committed after the interruption: %+v", vs)
			}

			var sizes []int64
			e.setHook(func(w http.ResponseWriter, req *http.Request) bool {
				mu.Lock()
				sizes = append(sizes, req.ContentLength)
				mu.Unlock()
				return false
			})
			before := e.uploadBytes.Load()
			res, err := r.Log(ctx, logReq("p", "", "big", "model", m))
			if err != nil {
				t.Fatal(err)
			}
			got := e.uploadBytes.Load() - before
			// Parts 3 to 6, then the manifest.
			if len(sizes) != 5 || !reflect.DeepEqual(sizes[:4], []int64{part, part, part, 1000}) {
				t.Fatalf("second attempt uploaded %v", sizes)
			}
			if want := 3*part + 1000 + sizes[4]; got != want {
				t.Fatalf("second attempt: server received %d bytes, want %d (only the missing parts and the manifest)", got, want)
			}
			if res.Version.Index != 0 || res.Existing {
				t.Fatalf("version = %+v", res)
			}
			e0, _ := m.Get("big.bin")
			if d := downloadDigest(t, r, res.Version, e0); d != e0.Digest {
				t.Fatalf("downloaded digest %s, want %s", d, e0.Digest)
			}
			// The parts are gone once assembled.
			if keys, _ := e.blobs.List(ctx, "artifacts/uploads/"); len(keys) != 0 {
				t.Fatalf("parts left: %v", keys)
			}
		})
	}
}

func downloadDigest(t testing.TB, r *wire.Remote, v artifact.Version, e artifact.Entry) string {
	t.Helper()
	rc, err := r.Open(context.Background(), v, e)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	h := md5.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		t.Fatal(err)
	}
	if n != e.Size {
		t.Fatalf("downloaded %d bytes, want %d", n, e.Size)
	}
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// TestTwoGiBFileRoundTrip logs a 2 GiB file (sparse, with a few written
// bytes), which goes in 21 parts of 100 MiB, downloads it and checks its
// digest, and checks that the heap never came near the file's size.
// Skipped under -short.
func TestTwoGiBFileRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("2 GiB end to end: skipped under -short")
	}
	const size = 2 << 30
	path := filepath.Join(t.TempDir(), "big.bin")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	for _, off := range []int64{0, 100 << 20, 1 << 30, size - 5} {
		if _, err := f.WriteAt([]byte("gowandb"[:5]), off); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	e := newEnv(t)
	r := e.remote(t, e.aliceKey)
	ctx := context.Background()
	runtime.GC()
	m := artifact.NewManifest()
	addFile(t, m, "big.bin", path)
	res, err := r.Log(ctx, logReq("p", "", "huge", "model", m))
	if err != nil {
		t.Fatal(err)
	}
	if got := e.uploadBytes.Load(); got < size {
		t.Fatalf("server received %d bytes", got)
	}
	v, err := r.Resolve(ctx, artifact.Path{Name: "huge"}, artifact.Scope{Project: "p"})
	if err != nil {
		t.Fatal(err)
	}
	e0, _ := v.Manifest.Get("big.bin")
	if d := downloadDigest(t, r, v, e0); d != e0.Digest || v.ID != res.Version.ID {
		t.Fatalf("downloaded digest %s, want %s", d, e0.Digest)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	// HeapSys only grows with the heap's peak: it bounds the largest heap
	// the process had (client and server together).
	if ms.HeapSys > 256<<20 {
		t.Fatalf("heap reached %d MiB for a 2 GiB file", ms.HeapSys>>20)
	}
	t.Logf("heap peak (HeapSys) %d MiB for a %d MiB file", ms.HeapSys>>20, size>>20)
}
