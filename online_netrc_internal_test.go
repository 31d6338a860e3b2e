package wandb

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/netrc"
)

// The SDK finds the key `wandb login` saved: the netrc entry of the base
// URL's host, when no api_key setting (WANDB_API_KEY) is set.
func TestOnlineKeyFromNetrc(t *testing.T) {
	e := newOnlineEnv(t)
	path := filepath.Join(t.TempDir(), "netrc")
	if err := netrc.Set(path, strings.TrimPrefix(e.srv.URL, "http://"), "user", onlineTestKey); err != nil {
		t.Fatal(err)
	}
	t.Setenv("NETRC", filepath.Join(t.TempDir(), "missing"))
	r, buf, err := initOnline(t, e.srv.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	if r.Mode() != ModeOffline || !strings.Contains(buf.String(), "API key") {
		t.Fatalf("without a key: mode %s, warnings %q", r.Mode(), buf)
	}
	t.Setenv("NETRC", path)
	r, buf, err = initOnline(t, e.srv.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	if r.Mode() != ModeOnline {
		t.Fatalf("with the netrc key: mode %s, warnings %q", r.Mode(), buf)
	}
	if err := r.Finish(0); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Run(context.Background(), "alice", "proj", r.ID()); err != nil {
		t.Fatalf("run not on the server: %v", err)
	}
}
