package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/store"
)

func TestAdminCommands(t *testing.T) {
	st, srv := syncServer(t) // alice is an admin
	env := []string{"WANDB_BASE_URL=" + srv.URL, "WANDB_API_KEY=" + syncTestKey}
	dir := t.TempDir()

	res := mustCLI(t, env, "--dir", dir, "admin", "user", "create", "carol", "--email", "c@example.com")
	m := regexp.MustCompile(`API key \(shown once\): ([0-9a-f]{40})`).FindStringSubmatch(res.stdout)
	if m == nil || !strings.Contains(res.stdout, `user "carol" created`) {
		t.Fatalf("stdout:\n%s", res.stdout)
	}
	carol := []string{"WANDB_BASE_URL=" + srv.URL, "WANDB_API_KEY=" + m[1]}
	if u, err := st.UserByName(context.Background(), "carol"); err != nil || u.Email != "c@example.com" {
		t.Fatalf("carol in the store: %+v %v", u, err)
	}

	// carol is no admin: her attempts fail with the server's reason.
	if res := cli(t, carol, "--dir", dir, "admin", "team", "create", "vision"); res.code != exitFailure || !strings.Contains(res.stderr, "admin") {
		t.Fatalf("carol creating a team: exit %d stderr %q", res.code, res.stderr)
	}
	mustCLI(t, env, "--dir", dir, "admin", "team", "create", "vision")
	if res := mustCLI(t, env, "--dir", dir, "admin", "team", "add", "vision", "carol"); !strings.Contains(res.stdout, "carol is a member of vision") {
		t.Fatalf("add: %s", res.stdout)
	}
	if ok, err := st.CanAccess(context.Background(), mustUser(t, st, "carol"), "vision"); err != nil || !ok {
		t.Fatalf("carol's access to vision: %v %v", ok, err)
	}

	// A key of her own, then deleted by the admin.
	res = mustCLI(t, carol, "--dir", dir, "admin", "key", "create", "--description", "ci")
	km := regexp.MustCompile(`API key \(shown once\): ([0-9a-f]{40})\nid: (\S+)`).FindStringSubmatch(res.stdout)
	if km == nil {
		t.Fatalf("key create:\n%s", res.stdout)
	}
	mustCLI(t, env, "--dir", dir, "admin", "key", "delete", km[2])
	if _, _, err := st.UserByAPIKey(context.Background(), km[1]); err == nil {
		t.Fatal("the deleted key still resolves")
	}

	// Without a key the commands say what to set.
	if res := cli(t, []string{"WANDB_BASE_URL=" + srv.URL, "WANDB_API_KEY="}, "--dir", dir, "admin", "team", "create", "x"); res.code == 0 || !strings.Contains(res.stderr, "no API key for "+srv.URL) {
		t.Fatalf("no server: exit %d stderr %q", res.code, res.stderr)
	}
}

func mustUser(t *testing.T, st store.Store, name string) int64 {
	t.Helper()
	u, err := st.UserByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}
