package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/store/pgtest"
	"github.com/gowandb/wandb/core/store/postgres"
	"github.com/gowandb/wandb/core/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func open(t testing.TB, dsn string, opts ...postgres.Option) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), dsn, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	for _, size := range []int{store.DefaultChunkSize, 7, 1} {
		t.Run(fmt.Sprint("chunk=", size), func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) store.Store {
				return open(t, pgtest.NewDatabase(t), postgres.WithChunkSize(size))
			})
		})
	}
}

// PostgreSQL text holds no NUL byte: such a line is refused as invalid
// input, naming it, rather than failing as a database error.
func TestLinesPostgresCannotHold(t *testing.T) {
	ctx := context.Background()
	s := open(t, pgtest.NewDatabase(t))
	if _, err := s.CreateUser(ctx, "alice", "", false); err != nil {
		t.Fatal(err)
	}
	r, err := s.UpsertRun(ctx, store.RunUpsert{Entity: "alice", Project: "p", Name: "r"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.AppendLines(ctx, r.ID, store.StreamOutput, 0, []string{"ok", "nul \x00 here"})
	if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), "output line 1") {
		t.Fatalf("NUL in output.log: %v", err)
	}
	_, err = s.AppendHistory(ctx, r.ID, 0, []string{`{"s":"` + "\xff" + `"}`})
	if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), "history line 0") {
		t.Fatalf("invalid UTF-8 in history: %v", err)
	}
	if n, err := s.AppendLines(ctx, r.ID, store.StreamOutput, 0, []string{"naïve \x1b[1mbold\x1b[0m"}); err != nil || n != 1 {
		t.Fatalf("valid line: %d, %v", n, err)
	}
}
