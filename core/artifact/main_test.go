package artifact

import (
	"os"
	"testing"
)

// TestMain removes the benchmarks' file tree.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchTreeMade {
		if dir, err := benchTree(); err == nil {
			os.RemoveAll(dir)
		}
	}
	os.Exit(code)
}
