package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakePlugin writes a plugin binary that only answers describe: enough for
// `plugins ls`, which never starts a plugin.
func fakePlugin(t *testing.T, dir, name, manifest string) string {
	t.Helper()
	path := filepath.Join(dir, "wandb-plugin-"+name)
	script := "#!/bin/sh\nif [ \"$1\" = describe ]; then cat <<'EOF'\n" + manifest + "\nEOF\nexit 0; fi\necho 'not a host' >&2; exit 1\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPluginsLs(t *testing.T) {
	d1, d2 := t.TempDir(), t.TempDir()
	fakePlugin(t, d1, "threshold", `{"name":"threshold","version":"1.0.0","protocol_version":1,"provides":["alerts","summary"]}`)
	fakePlugin(t, d1, "future", `{"name":"future","version":"9","protocol_version":7,"provides":[]}`)
	fakePlugin(t, d1, "broken", `not json`)
	shadowed := fakePlugin(t, d2, "threshold", `{"name":"threshold","version":"0.9.0","protocol_version":1,"provides":["alerts"]}`)
	env := []string{"WANDB_PLUGIN_PATH=" + d1 + ":" + d2}

	r := mustCLI(t, env, "plugins", "ls")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 5 {
		t.Fatalf("stdout:\n%s", r.stdout)
	}
	wantRow := func(i int, fields ...string) {
		t.Helper()
		for _, f := range fields {
			if !strings.Contains(lines[i], f) {
				t.Errorf("line %d %q lacks %q", i, lines[i], f)
			}
		}
	}
	wantRow(0, "NAME", "VERSION", "PROTOCOL", "PROVIDES", "PATH")
	wantRow(1, "broken", "(describe failed)")
	wantRow(2, "future", "7 (this wandb speaks 1)")
	wantRow(3, "threshold", "1.0.0", "alerts,summary", filepath.Join(d1, "wandb-plugin-threshold"))
	wantRow(4, "threshold", "0.9.0", shadowed+" (shadowed)")
	if !strings.Contains(r.stderr, "wandb-plugin-broken describe") {
		t.Errorf("stderr %q does not report the broken plugin", r.stderr)
	}

	r = mustCLI(t, env, "plugins", "ls", "--json")
	var entries []pluginEntry
	if err := json.Unmarshal([]byte(r.stdout), &entries); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if len(entries) != 4 || entries[2].Name != "threshold" || entries[2].ProtocolVersion != 1 || entries[0].Error == "" || !entries[3].Shadowed {
		t.Errorf("entries %+v", entries)
	}
}

func TestPluginsLsEmpty(t *testing.T) {
	dir := t.TempDir()
	r := mustCLI(t, []string{"WANDB_PLUGIN_PATH=" + dir}, "plugins", "ls")
	if !strings.HasPrefix(r.stdout, "no plugins in "+dir) {
		t.Errorf("stdout %q", r.stdout)
	}
	if r := cli(t, nil, "plugins", "ls", "extra"); r.code != exitUsage {
		t.Errorf("extra argument: exit %d", r.code)
	}
}
