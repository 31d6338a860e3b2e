package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cliIn is cli with in as standard input.
func cliIn(t *testing.T, env []string, in io.Reader, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{env: env, stdout: &out, stderr: &errb}
	root := a.newRootCmd()
	root.SetArgs(args)
	root.SetIn(in)
	root.SetOut(&out)
	root.SetErr(&errb)
	code := exitOK
	if err := root.ExecuteContext(context.Background()); err != nil {
		code = exitFailure
		errb.WriteString("wandb: error: " + err.Error() + "\n")
	}
	return result{stdout: out.String(), stderr: errb.String(), code: code}
}

func TestLogin(t *testing.T) {
	_, srv := syncServer(t)
	home := t.TempDir()
	netrcPath := filepath.Join(home, ".netrc")
	other := "machine github.com login me password gh-token\n"
	if err := os.WriteFile(netrcPath, []byte(other), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"HOME=" + home, "WANDB_CONFIG_DIR=" + filepath.Join(home, "config"), "WANDB_BASE_URL=" + srv.URL}
	host := strings.TrimPrefix(srv.URL, "http://")

	// A refused key is not saved.
	if r := cli(t, env, "login", "not-a-known-key-at-all"); r.code != exitFailure || !strings.Contains(r.stderr, "refused the API key") {
		t.Fatalf("bad key: exit %d stderr %q", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(netrcPath); string(b) != other {
		t.Fatalf("a refused key changed netrc: %q", b)
	}

	// The key from the argument, checked with the server, saved in W&B's form.
	r := mustCLI(t, env, "login", syncTestKey)
	if !strings.Contains(r.stdout, "as alice") || !strings.Contains(r.stderr, "Appending key for "+host) {
		t.Fatalf("login: stdout %q stderr %q", r.stdout, r.stderr)
	}
	b, _ := os.ReadFile(netrcPath)
	want := other + "\nmachine " + host + "\n  login user\n  password " + syncTestKey + "\n"
	if string(b) != want {
		t.Fatalf("netrc:\n%s\nwant:\n%s", b, want)
	}
	if fi, _ := os.Stat(netrcPath); fi.Mode().Perm() != 0o600 {
		t.Errorf("netrc mode %v, want 0600", fi.Mode().Perm())
	}

	// Logged in already: the saved key is kept.
	if r := mustCLI(t, env, "login"); !strings.Contains(r.stderr, "Currently logged in as alice") {
		t.Fatalf("second login: %q", r.stderr)
	}

	// --relogin reads the key from standard input (not a terminal) and
	// replaces the entry; --host names the server.
	r = cliIn(t, []string{"HOME=" + home}, strings.NewReader(syncTestKey+"\n"), "login", "--relogin", "--host", srv.URL+"/")
	if r.code != 0 || strings.Count(mustRead(t, netrcPath), "machine "+host) != 1 {
		t.Fatalf("relogin: %+v netrc %q", r, mustRead(t, netrcPath))
	}
	if r := cliIn(t, env, strings.NewReader(""), "login", "--relogin"); r.code == 0 || !strings.Contains(r.stderr, "no API key") {
		t.Fatalf("empty stdin: %+v", r)
	}
	if r := cli(t, env, "login", "--host", "ftp://x", "k"); r.code != exitUsage {
		t.Fatalf("bad host: %+v", r)
	}

	// What login wrote is what `wandb sync` uses without WANDB_API_KEY.
	root := t.TempDir()
	run := startRun(t, root)
	logRow(t, run, map[string]any{"loss": 1.0})
	finish(t, run, 0)
	if r := mustCLI(t, env, "--dir", root, "sync", run.SyncDir()); !strings.Contains(r.stdout, "1 rows sent") {
		t.Fatalf("sync with the netrc key: %q", r.stdout)
	}
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
