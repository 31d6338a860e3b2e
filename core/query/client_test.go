package query_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/gowandb/wandb/core/query"
)

func TestNewFindsServerAndKey(t *testing.T) {
	e := startServer(t)
	home := t.TempDir()
	ctx := t.Context()

	// WANDB_BASE_URL and WANDB_API_KEY.
	c, err := query.New(query.WithEnv([]string{"HOME=" + home, "WANDB_BASE_URL=" + e.url, "WANDB_API_KEY=" + aliceKey}))
	if err != nil {
		t.Fatal(err)
	}
	if ents, err := c.Entities(ctx); err != nil || ents[0] != "alice" {
		t.Fatalf("env key: %v %v", ents, err)
	}
	// netrc: machine is the base URL's host (with port).
	netrc := filepath.Join(home, ".netrc")
	host := e.url[len("http://"):]
	if err := os.WriteFile(netrc, []byte("machine "+host+"\n  login user\n  password "+bobKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = query.New(query.WithEnv([]string{"HOME=" + home, "WANDB_BASE_URL=" + e.url}))
	if err != nil {
		t.Fatal(err)
	}
	if ents, err := c.Entities(ctx); err != nil || ents[0] != "bob" {
		t.Fatalf("netrc key: %v %v", ents, err)
	}
	// $NETRC wins over ~/.netrc; options win over the environment.
	other := filepath.Join(t.TempDir(), "netrc")
	os.WriteFile(other, []byte("machine "+host+" login u password "+aliceKey), 0o600)
	c, _ = query.New(query.WithEnv([]string{"HOME=" + home, "NETRC=" + other, "WANDB_BASE_URL=" + e.url}))
	if ents, err := c.Entities(ctx); err != nil || ents[0] != "alice" {
		t.Fatalf("$NETRC: %v %v", ents, err)
	}
	c, _ = query.New(query.WithEnv([]string{"HOME=" + home, "WANDB_BASE_URL=http://127.0.0.1:1", "WANDB_API_KEY=x"}),
		query.WithBaseURL(e.url), query.WithAPIKey(aliceKey))
	if ents, err := c.Entities(ctx); err != nil || ents[0] != "alice" {
		t.Fatalf("options: %v %v", ents, err)
	}

	// No key anywhere; a bad URL.
	if _, err := query.New(query.WithEnv([]string{"HOME=" + t.TempDir(), "WANDB_BASE_URL=" + e.url})); !errors.Is(err, query.ErrNoAPIKey) {
		t.Errorf("no key: %v", err)
	}
	if _, err := query.New(query.WithEnv([]string{"HOME=" + home}), query.WithBaseURL("ftp://x"), query.WithAPIKey("k")); !errors.Is(err, query.ErrInvalid) {
		t.Errorf("bad URL: %v", err)
	}
}
