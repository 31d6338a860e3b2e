package wire_test

import (
	"context"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/gowandb/wandb/core/artifact"
)

// benchSize is the file size of the throughput benchmarks.
const benchSize = 64 << 20

// BenchmarkUpload logs a new 64 MiB version per iteration to a server on
// loopback (hashing excluded): create, upload with MD5 check and fsync on
// the server, manifest, commit. Compare with BenchmarkFileCopy/fsync.
func BenchmarkUpload(b *testing.B) {
	e := newEnv(b)
	r := e.remote(b, e.aliceKey)
	path := randomFile(b, benchSize)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	ctx := context.Background()
	b.SetBytes(benchSize)
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(i)+1)
		if _, err := f.WriteAt(n[:], 0); err != nil {
			b.Fatal(err)
		}
		m := artifact.NewManifest()
		addFile(b, m, "data.bin", path)
		b.StartTimer()
		if _, err := r.Log(ctx, logReq("p", "", "bench", "dataset", m)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDownload streams a 64 MiB entry from the server into a file.
// Compare with BenchmarkFileCopy/plain.
func BenchmarkDownload(b *testing.B) {
	e := newEnv(b)
	r := e.remote(b, e.aliceKey)
	m := artifact.NewManifest()
	addFile(b, m, "data.bin", randomFile(b, benchSize))
	ctx := context.Background()
	res, err := r.Log(ctx, logReq("p", "", "bench", "dataset", m))
	if err != nil {
		b.Fatal(err)
	}
	entry, _ := res.Version.Manifest.Get("data.bin")
	dst := filepath.Join(b.TempDir(), "out.bin")
	b.SetBytes(benchSize)
	b.ResetTimer()
	for range b.N {
		rc, err := r.Open(ctx, res.Version, entry)
		if err != nil {
			b.Fatal(err)
		}
		out, err := os.Create(dst)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(out, rc); err != nil {
			b.Fatal(err)
		}
		rc.Close()
		out.Close()
	}
}

// BenchmarkFileCopy copies the same 64 MiB file to another file: the
// limit for both directions ("fsync" as the server stores uploads).
func BenchmarkFileCopy(b *testing.B) {
	src := randomFile(b, benchSize)
	dst := filepath.Join(b.TempDir(), "copy.bin")
	for _, sync := range []bool{false, true} {
		name := "plain"
		if sync {
			name = "fsync"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(benchSize)
			for range b.N {
				in, err := os.Open(src)
				if err != nil {
					b.Fatal(err)
				}
				out, err := os.Create(dst)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(out, in); err != nil {
					b.Fatal(err)
				}
				if sync {
					if err := out.Sync(); err != nil {
						b.Fatal(err)
					}
				}
				in.Close()
				out.Close()
			}
		})
	}
}
