package artifact

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// benchTree is a directory of n files totalling size bytes (random
// content), made once per process: 10,000 files / 1 GiB, or 1,000 files /
// 64 MiB with -short.
var benchTree = sync.OnceValues(func() (string, error) {
	benchTreeMade = true
	n, size := 10000, int64(1<<30)
	if testing.Short() {
		n, size = 1000, 64<<20
	}
	dir, err := os.MkdirTemp("", "wandb-adddir-bench-*")
	if err != nil {
		return "", err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, size/int64(n))
	for i := range n {
		for j := 0; j+8 <= len(buf); j += 8 {
			v := rng.Uint64()
			for k := range 8 {
				buf[j+k] = byte(v >> (8 * k))
			}
		}
		p := filepath.Join(dir, fmt.Sprintf("d%02d", i%100), fmt.Sprintf("f%05d.bin", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(p, buf, 0o644); err != nil {
			return "", err
		}
	}
	return dir, nil
})

var benchTreeMade bool

func benchDir(b *testing.B) (string, []string, int64) {
	dir, err := benchTree()
	if err != nil {
		b.Fatal(err)
	}
	files, err := walkFollow(context.Background(), dir)
	if err != nil {
		b.Fatal(err)
	}
	paths := make([]string, len(files))
	var total int64
	for i, f := range files {
		paths[i] = f.abs
		st, _ := os.Stat(f.abs)
		total += st.Size()
	}
	return dir, paths, total
}

// BenchmarkAddDir hashes the tree as AddDir does (Immutable: hash only;
// Mutable: copy into staging while hashing), with the default 8 workers.
// BenchmarkMD5Sum runs md5sum over the same files: the limit to compare
// with (docs/BENCHMARKS.md reports the ratio). Files are in the page cache
// after the first pass in both.
func BenchmarkAddDir(b *testing.B) {
	dir, _, total := benchDir(b)
	ctx := context.Background()
	for _, pol := range []Policy{Immutable, Mutable} {
		b.Run(string(pol), func(b *testing.B) {
			b.SetBytes(total)
			cpu0 := cpuTime(false)
			for b.Loop() {
				staging := b.TempDir()
				a, err := New("bench", "dataset", WithStagingDir(staging))
				if err != nil {
					b.Fatal(err)
				}
				ents, err := a.AddDir(ctx, dir, WithPolicy(pol))
				if err != nil {
					b.Fatal(err)
				}
				if len(ents) == 0 {
					b.Fatal("no entries")
				}
				b.StopTimer()
				os.RemoveAll(staging)
				b.StartTimer()
			}
			reportCPU(b, cpuTime(false)-cpu0, total)
		})
	}
}

func BenchmarkMD5Sum(b *testing.B) {
	if _, err := exec.LookPath("md5sum"); err != nil {
		b.Skip("no md5sum")
	}
	_, paths, total := benchDir(b)
	b.SetBytes(total)
	cpu0 := cpuTime(true)
	for b.Loop() {
		for i := 0; i < len(paths); i += 2000 {
			cmd := exec.Command("md5sum", paths[i:min(i+2000, len(paths))]...)
			if out, err := cmd.Output(); err != nil || len(out) == 0 {
				b.Fatal(err)
			}
		}
	}
	reportCPU(b, cpuTime(true)-cpu0, total)
}

// reportCPU reports CPU seconds per GiB hashed: unlike wall time, it hardly
// depends on what else the machine runs.
func reportCPU(b *testing.B, cpu time.Duration, total int64) {
	if cpu > 0 && b.N > 0 {
		b.ReportMetric(cpu.Seconds()/float64(b.N)/(float64(total)/(1<<30)), "cpu-s/GiB")
	}
}
