package postgres_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/gowandb/wandb/core/store/pgtest"
	"github.com/gowandb/wandb/core/store/postgres"
	"github.com/jackc/pgx/v5"
)

// Servers starting at once against a new database migrate it once.
func TestConcurrentOpensMigrateOnce(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := postgres.Open(context.Background(), dsn)
			if err == nil {
				s.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	c, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	var n, v int
	if err := c.QueryRow(context.Background(), `SELECT count(*), max(version) FROM schema_version`).Scan(&n, &v); err != nil || n != 1 || v != postgres.SchemaVersion {
		t.Fatalf("schema_version rows %d, version %d (%v); want 1 row at %d", n, v, err, postgres.SchemaVersion)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDatabase(t)
	open(t, dsn).Close()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, `UPDATE schema_version SET version = 999`); err != nil {
		t.Fatal(err)
	}
	_, err = postgres.Open(ctx, dsn)
	if err == nil || !strings.Contains(err.Error(), "schema version 999 is newer") {
		t.Fatalf("Open of a newer schema: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := postgres.Open(ctx, "postgres://%zz"); err == nil || !strings.HasPrefix(err.Error(), "store: postgres: ") {
		t.Errorf("bad DSN: %v", err)
	}
	if _, err := postgres.Open(ctx, pgtest.NewDatabase(t), postgres.WithChunkSize(0)); err == nil || !strings.Contains(err.Error(), "chunk size") {
		t.Errorf("chunk size 0: %v", err)
	}
}
