package sqlite_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/store/sqlite"
	"github.com/gowandb/wandb/core/store/storetest"
)

func open(t testing.TB, path string, opts ...sqlite.Option) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	for _, size := range []int{store.DefaultChunkSize, 7, 1} {
		t.Run(strings.ReplaceAll("chunk=N", "N", itoa(size)), func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) store.Store {
				return open(t, filepath.Join(t.TempDir(), "wandb.db"), sqlite.WithChunkSize(size))
			})
		})
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
