package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gowandb/wandb/core/server"
	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/store/localblob"
	"github.com/gowandb/wandb/core/store/postgres"
	"github.com/gowandb/wandb/core/store/s3blob"
	"github.com/gowandb/wandb/core/store/sqlite"
	"github.com/spf13/cobra"
)

// adminName is the user the first start creates.
const adminName = "admin"

// serverConfig is what `wandb server` runs on.
type serverConfig struct {
	addr, dataDir string
	db            string // "" (SQLite in dataDir), a postgres:// DSN, or a SQLite file
	blobs         string // "" (dataDir/blobs), s3://bucket/prefix, or a directory
	s3Endpoint    string
}

// newServerCmd is `wandb server`: the tracking server over a database
// (SQLite by default, or PostgreSQL) and a blob store (a local directory
// by default, or an S3-compatible bucket), until SIGINT or SIGTERM.
func (a *app) newServerCmd() *cobra.Command {
	c := serverConfig{addr: "127.0.0.1:8080"}
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run the tracking server (W&B wire protocol)",
		Long: `Run the tracking server.

Metadata and history go to --db: by default a SQLite file in --data-dir;
a postgres:// (or postgresql://) URL selects PostgreSQL, e.g.
  --db 'postgres://wandb:secret@db.example.com:5432/wandb?sslmode=require'

File contents go to --blobs: by default a directory in --data-dir;
s3://BUCKET[/PREFIX] selects an S3-compatible bucket (it must exist). Its
endpoint is --s3-endpoint, else $AWS_ENDPOINT_URL, else AWS S3; the
credentials come from $AWS_ACCESS_KEY_ID and $AWS_SECRET_ACCESS_KEY (and
$AWS_SESSION_TOKEN), the region from $AWS_REGION.

--data-dir (default $XDG_DATA_HOME/wandb-server, else
~/.local/share/wandb-server) also keeps the upload-URL signing key; servers
sharing one database and bucket need the same key file.

The first start creates the user "admin" with an API key, taken from
$WANDB_SERVER_ADMIN_KEY when set, else random and printed once.`,
		Args: argsNamed(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if c.dataDir == "" {
				d, err := a.defaultServerDataDir()
				if err != nil {
					return err
				}
				c.dataDir = d
			}
			return a.server(cmd.Context(), c)
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.addr, "addr", c.addr, "the address to listen on")
	f.StringVar(&c.dataDir, "data-dir", "", "the directory holding the server's local data (default $XDG_DATA_HOME/wandb-server, else ~/.local/share/wandb-server)")
	f.StringVar(&c.db, "db", "", "the database: a postgres://user:pass@host:port/db URL for PostgreSQL, else a SQLite file (default DATA-DIR/wandb.db)")
	f.StringVar(&c.blobs, "blobs", "", "where file contents go: s3://bucket/prefix for an S3-compatible bucket, else a directory (default DATA-DIR/blobs)")
	f.StringVar(&c.s3Endpoint, "s3-endpoint", "", "the S3 endpoint URL for --blobs s3://... (default $AWS_ENDPOINT_URL, else AWS S3); credentials from $AWS_ACCESS_KEY_ID, $AWS_SECRET_ACCESS_KEY, region from $AWS_REGION")
	return cmd
}

// defaultServerDataDir is $XDG_DATA_HOME/wandb-server, else
// $HOME/.local/share/wandb-server.
func (a *app) defaultServerDataDir() (string, error) {
	if d := a.getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "wandb-server"), nil
	}
	if h := a.getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "share", "wandb-server"), nil
	}
	return "", usagef("wandb server: neither $XDG_DATA_HOME nor $HOME is set: pass --data-dir")
}

// openServerStore opens the --db store.
func (a *app) openServerStore(ctx context.Context, c serverConfig) (store.Store, string, error) {
	switch {
	case strings.HasPrefix(c.db, "postgres://"), strings.HasPrefix(c.db, "postgresql://"):
		st, err := postgres.Open(ctx, c.db)
		if err != nil {
			return nil, "", fmt.Errorf("opening the PostgreSQL database: %w", err)
		}
		return st, "PostgreSQL", nil
	case strings.Contains(c.db, "://"):
		return nil, "", usagef("wandb server: --db %q: want a postgres:// URL or a SQLite file path", c.db)
	}
	path := c.db
	if path == "" {
		path = filepath.Join(c.dataDir, "wandb.db")
	}
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, "", fmt.Errorf("opening the database: %w", err)
	}
	return st, "SQLite " + path, nil
}

// openServerBlobs opens the --blobs store.
func (a *app) openServerBlobs(ctx context.Context, c serverConfig) (store.Blobs, string, error) {
	switch {
	case strings.HasPrefix(c.blobs, "s3://"):
		opts := []s3blob.Option{s3blob.WithGetenv(a.getenv)}
		if c.s3Endpoint != "" {
			opts = append(opts, s3blob.WithEndpoint(c.s3Endpoint))
		}
		b, err := s3blob.New(ctx, c.blobs, opts...)
		if err != nil {
			return nil, "", fmt.Errorf("opening the blob bucket: %w", err)
		}
		return b, c.blobs, nil
	case strings.Contains(c.blobs, "://"):
		return nil, "", usagef("wandb server: --blobs %q: want s3://bucket/prefix or a directory", c.blobs)
	}
	if c.s3Endpoint != "" {
		return nil, "", usagef("wandb server: --s3-endpoint needs --blobs s3://bucket/prefix")
	}
	dir := c.blobs
	if dir == "" {
		dir = filepath.Join(c.dataDir, "blobs")
	}
	b, err := localblob.New(dir)
	if err != nil {
		return nil, "", fmt.Errorf("opening the blob directory: %w", err)
	}
	return b, dir, nil
}

func (a *app) server(ctx context.Context, c serverConfig) error {
	if err := os.MkdirAll(c.dataDir, 0o750); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	st, dbName, err := a.openServerStore(ctx, c)
	if err != nil {
		return err
	}
	defer st.Close()
	blobs, blobsName, err := a.openServerBlobs(ctx, c)
	if err != nil {
		return err
	}
	secret, err := uploadSecret(filepath.Join(c.dataDir, "upload.secret"))
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("listening: %w", err)
	}
	host := "http://" + ln.Addr().String()
	if err := a.bootstrapAdmin(ctx, st, host); err != nil {
		ln.Close()
		return err
	}
	tracker := server.New(st, blobs, server.WithUploadSecret(secret))
	srv := &http.Server{Handler: tracker.Handler(), ReadHeaderTimeout: 10 * time.Second}
	// Runs that stop sending heartbeats are marked crashed.
	go tracker.WatchHeartbeats(ctx, server.DefaultCrashAfter, time.Minute)
	fmt.Fprintf(a.stdout, "wandb server: database %s, blobs %s\n", dbName, blobsName)
	fmt.Fprintf(a.stdout, "wandb server: listening on %s (data in %s)\n", host, c.dataDir)
	fmt.Fprintf(a.stdout, "wandb server: dashboard at %s/ (sign in with an API key)\n", host)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	fmt.Fprintln(a.stdout, "wandb server: shutting down")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving: %w", err)
	}
	return nil
}

// bootstrapAdmin creates the admin user and its API key on the first
// start, and prints how to log in.
func (a *app) bootstrapAdmin(ctx context.Context, st store.Store, host string) error {
	key := a.getenv("WANDB_SERVER_ADMIN_KEY")
	u, err := st.UserByName(ctx, adminName)
	switch {
	case err == nil:
		if key == "" {
			return nil
		}
		if _, _, err := st.UserByAPIKey(ctx, key); err == nil {
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("checking the admin key: %w", err)
		}
	case errors.Is(err, store.ErrNotFound):
		if u, err = st.CreateUser(ctx, adminName, "", true); err != nil {
			return fmt.Errorf("creating the admin user: %w", err)
		}
	default:
		return fmt.Errorf("looking up the admin user: %w", err)
	}
	printKey := key == ""
	if printKey {
		b := make([]byte, 20)
		if _, err := rand.Read(b); err != nil {
			return fmt.Errorf("generating the admin key: %w", err)
		}
		key = hex.EncodeToString(b)
	}
	if _, err := st.CreateAPIKey(ctx, u.ID, key, "admin (wandb server)"); err != nil {
		return fmt.Errorf("creating the admin key: %w", err)
	}
	fmt.Fprintf(a.stdout, "wandb server: created user %q\n", adminName)
	if printKey {
		fmt.Fprintf(a.stdout, "wandb server: admin API key (shown once): %s\n", key)
		fmt.Fprintf(a.stdout, "log in with: WANDB_BASE_URL=%s WANDB_API_KEY=%s\n", host, key)
	} else {
		fmt.Fprintf(a.stdout, "log in with: WANDB_BASE_URL=%s WANDB_API_KEY=$WANDB_SERVER_ADMIN_KEY\n", host)
	}
	return nil
}

// uploadSecret reads the upload-token HMAC key at path, creating it on the
// first start so that upload URLs survive a restart.
func uploadSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil && len(b) >= 32 {
		return b, nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("reading the upload secret: %w", err)
	}
	b = make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("generating the upload secret: %w", err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("writing the upload secret: %w", err)
	}
	return b, nil
}
