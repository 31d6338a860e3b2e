package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// TestUpgradeFromVersion1 builds a database at schema version 1 with data
// in it, then opens it: the later migrations apply and the data stays.
func TestUpgradeFromVersion1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE schema_version (version INTEGER NOT NULL)`,
		`INSERT INTO schema_version(version) VALUES (1)`,
		migrations[0],
		`INSERT INTO history_keys(run_id, name) VALUES (1, 'loss')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var v, openN, nextSeq int
	if err := s.r.QueryRow(`SELECT version FROM schema_version`).Scan(&v); err != nil || v != SchemaVersion {
		t.Fatalf("version = %d, %v; want %d", v, err, SchemaVersion)
	}
	if err := s.r.QueryRow(`SELECT open_n, next_seq FROM history_keys WHERE name = 'loss'`).Scan(&openN, &nextSeq); err != nil || openN != 0 || nextSeq != 0 {
		t.Fatalf("migrated key row: %d %d %v", openN, nextSeq, err)
	}
	if n := must(s.Keys(ctx, 1)); len(n) != 1 {
		t.Fatalf("Keys = %v", n)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
