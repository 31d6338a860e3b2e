package netrc_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/netrc"
)

func TestSetReplacesOnlyItsHost(t *testing.T) {
	path := filepath.Join(t.TempDir(), "netrc")
	old := "# my machines\nmachine github.com login me password gh-token\n\n" +
		"machine 127.0.0.1:8080\n  login user\n  password old-key\n" +
		"default login anonymous password guest\n"
	if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := netrc.Set(path, "127.0.0.1:8080", "user", "new-key"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	got := string(b)
	want := "# my machines\nmachine github.com login me password gh-token\n\n" +
		"default login anonymous password guest\n\n" +
		"machine 127.0.0.1:8080\n  login user\n  password new-key\n"
	if got != want {
		t.Errorf("file:\n%s\nwant:\n%s", got, want)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	env := []string{"NETRC=" + path}
	for host, key := range map[string]string{"127.0.0.1:8080": "new-key", "github.com": "gh-token", "other": ""} {
		if k, err := netrc.Lookup(env, host); err != nil || k != key {
			t.Errorf("Lookup(%s) = %q, %v; want %q", host, k, err, key)
		}
	}
}

func TestSetCreatesAndLookupFollowsHome(t *testing.T) {
	home := t.TempDir()
	env := []string{"HOME=" + home}
	p, err := netrc.Path(env)
	if err != nil || p != filepath.Join(home, ".netrc") {
		t.Fatalf("Path = %q, %v", p, err)
	}
	if k, err := netrc.Lookup(env, "api.wandb.ai"); k != "" || err != nil {
		t.Fatalf("no file: %q %v", k, err)
	}
	if err := netrc.Set(p, "api.wandb.ai", "user", "k1"); err != nil {
		t.Fatal(err)
	}
	if err := netrc.Set(p, "api.wandb.ai", "user", "k2"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if string(b) != "machine api.wandb.ai\n  login user\n  password k2\n" {
		t.Errorf("file %q", b)
	}
	// An entry without the port serves the host on any port.
	if k, _ := netrc.Lookup(env, "api.wandb.ai:443"); k != "k2" {
		t.Errorf("with port: %q", k)
	}
}

func TestSetRefusesBlanks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "netrc")
	for _, tc := range [][3]string{{"h", "user", "a key"}, {"", "user", "k"}, {"h", "", "k"}, {"h", "user", "k\nmachine evil"}} {
		if err := netrc.Set(path, tc[0], tc[1], tc[2]); err == nil || !strings.Contains(err.Error(), "netrc:") {
			t.Errorf("Set%q: %v, want an error", tc, err)
		}
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("a refused Set wrote the file")
	}
}

func TestParse(t *testing.T) {
	text := "machine a login u password p1\n" +
		"macdef init\ncd /\nls\n\n" +
		"machine b\n# comment password nope\n password p2\n" +
		"machine a password later\n"
	got := netrc.Parse(text)
	if len(got) != 3 || got[0].Password != "p1" || got[1].Machine != "b" || got[1].Password != "p2" {
		t.Fatalf("%+v", got)
	}
	if k, _ := netrc.Lookup([]string{"NETRC=" + writeTemp(t, text)}, "a"); k != "p1" {
		t.Errorf("first entry of a machine wins: %q", k)
	}
}

func writeTemp(t *testing.T, s string) string {
	p := filepath.Join(t.TempDir(), "netrc")
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHost(t *testing.T) {
	for in, want := range map[string]string{"https://api.wandb.ai": "api.wandb.ai", "http://127.0.0.1:8080/": "127.0.0.1:8080"} {
		if h, err := netrc.Host(in); err != nil || h != want {
			t.Errorf("Host(%q) = %q, %v", in, h, err)
		}
	}
	if _, err := netrc.Host("not a url"); err == nil {
		t.Error("no host: no error")
	}
}

// FuzzSet: whatever the file holds, Set keeps a file where the host has
// the new key and every other machine keeps its first password.
func FuzzSet(f *testing.F) {
	for _, s := range []string{"", "machine h login u password p\n", "machine x password y\nmacdef m\nbody\n\nmachine h password z",
		"default password d", "#c\nmachine", "machine h password", "password orphan machine q login"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		path := writeTemp(t, text)
		before := map[string]string{}
		for _, e := range netrc.Parse(text) {
			if _, ok := before[e.Machine]; !ok && e.Machine != "h" && e.Machine != "" && e.Password != "" {
				before[e.Machine] = e.Password
			}
		}
		if err := netrc.Set(path, "h", "user", "KEY"); err != nil {
			if b, _ := os.ReadFile(path); string(b) != text || !strings.Contains(err.Error(), "malformed") {
				t.Fatalf("refused Set: %v; file changed: %v", err, string(b) != text)
			}
			return
		}
		env := []string{"NETRC=" + path}
		if k, err := netrc.Lookup(env, "h"); err != nil || k != "KEY" {
			t.Fatalf("after Set: %q %v", k, err)
		}
		for m, p := range before {
			if strings.Contains(m, ":") || m == "user" || m == "KEY" {
				continue
			}
			if k, _ := netrc.Lookup(env, m); k != p {
				b, _ := os.ReadFile(path)
				t.Fatalf("machine %q: %q, want %q; file %q", m, k, p, b)
			}
		}
	})
}
