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
	"time"

	"github.com/gowandb/wandb/core/server"
	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/store/localblob"
	"github.com/gowandb/wandb/core/store/sqlite"
	"github.com/spf13/cobra"
)

// adminName is the user the first start creates.
const adminName = "admin"

// newServerCmd is `wandb server`: the tracking server over SQLite and
// local blobs in --data-dir, until SIGINT or SIGTERM.
func (a *app) newServerCmd() *cobra.Command {
	addr, dataDir := "127.0.0.1:8080", ""
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run the tracking server (W&B wire protocol) over a local data directory",
		Long: `Run the tracking server. Its data (SQLite database, file blobs) lives in
--data-dir. The first start creates the user "admin" with an API key, taken
from $WANDB_SERVER_ADMIN_KEY when set, else random and printed once.`,
		Args: argsNamed(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dataDir == "" {
				return usagef("wandb server: --data-dir is required")
			}
			return a.server(cmd.Context(), addr, dataDir)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", addr, "the address to listen on")
	cmd.Flags().StringVar(&dataDir, "data-dir", "", "the directory holding the server's data")
	return cmd
}

func (a *app) server(ctx context.Context, addr, dataDir string) error {
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(dataDir, "wandb.db"))
	if err != nil {
		return fmt.Errorf("opening the database: %w", err)
	}
	defer st.Close()
	blobs, err := localblob.New(filepath.Join(dataDir, "blobs"))
	if err != nil {
		return fmt.Errorf("opening the blob directory: %w", err)
	}
	secret, err := uploadSecret(filepath.Join(dataDir, "upload.secret"))
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
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
	fmt.Fprintf(a.stdout, "wandb server: listening on %s (data in %s)\n", host, dataDir)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	fmt.Fprintln(a.stdout, "wandb server: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
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
