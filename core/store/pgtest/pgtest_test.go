package pgtest_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/store/pgtest"
	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestNewDatabaseIsUsableAndSeparate(t *testing.T) {
	ctx := context.Background()
	a, b := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	if a == b {
		t.Fatalf("two tests got the same database %q", a)
	}
	ca, err := pgx.Connect(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close(ctx)
	if _, err := ca.Exec(ctx, `CREATE TABLE t (x int); INSERT INTO t VALUES (42)`); err != nil {
		t.Fatal(err)
	}
	var x int
	if err := ca.QueryRow(ctx, `SELECT x FROM t`).Scan(&x); err != nil || x != 42 {
		t.Fatalf("x = %d, %v", x, err)
	}
	cb, err := pgx.Connect(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	defer cb.Close(ctx)
	var n int
	if err := cb.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE tablename = 't'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("database b sees a's table: %d, %v", n, err)
	}
}

// With WANDB_TEST_POSTGRES_DSN set (URL or key=value form), databases are
// made on that server instead of the shared one.
func TestExistingServerDSN(t *testing.T) {
	ctx := context.Background()
	srv, err := pgtest.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	cfg, err := pgx.ParseConfig(srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	for _, base := range []string{srv.DSN(), "host=" + cfg.Host + " user=postgres dbname=postgres sslmode=disable"} {
		t.Run("", func(t *testing.T) {
			t.Setenv(pgtest.EnvDSN, base)
			dsn := pgtest.NewDatabase(t)
			c, err := pgx.Connect(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close(ctx)
			var db, sock string
			if err := c.QueryRow(ctx, `SELECT current_database(), current_setting('unix_socket_directories')`).Scan(&db, &sock); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(db, "wandb_test_") || sock != cfg.Host {
				t.Fatalf("database %q on the server at %q, want a wandb_test_ database at %q", db, sock, cfg.Host)
			}
		})
	}
}
