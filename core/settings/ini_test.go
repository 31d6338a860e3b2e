package settings

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestParseINI(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     map[string]string
		errLine  int // 0 = no error
		errMatch string
	}{
		{name: "empty", in: "", want: map[string]string{}},
		{name: "only comments", in: "# a\n; b\n\n   # c\n", want: map[string]string{}},
		{name: "basic", in: "[default]\nmode = offline\nproject=p\n", want: map[string]string{"mode": "offline", "project": "p"}},
		{name: "colon delimiter", in: "[default]\nbase_url: https://h:8080\n", want: map[string]string{"base_url": "https://h:8080"}},
		{name: "first delimiter wins", in: "[default]\nbase_url = https://h:8080\n", want: map[string]string{"base_url": "https://h:8080"}},
		{name: "keys lower-cased, spaces trimmed", in: "[default]\n  Mode   =   offline  \n", want: map[string]string{"mode": "offline"}},
		{name: "empty value", in: "[default]\nproject =\n", want: map[string]string{"project": ""}},
		{name: "value keeps inner = and #", in: "[default]\nrun_notes = a = b # not a comment\n", want: map[string]string{"run_notes": "a = b # not a comment"}},
		{name: "section name any case", in: "[DEFAULT]\nmode = offline\n", want: map[string]string{"mode": "offline"}},
		{name: "other sections skipped", in: "[other]\nmode = x\n[default]\nmode = offline\n[more]\nproject = q\n", want: map[string]string{"mode": "offline"}},
		{name: "same key in other section", in: "[default]\nmode = offline\n[other]\nmode = online\n", want: map[string]string{"mode": "offline"}},
		{name: "CRLF", in: "[default]\r\nmode = offline\r\n", want: map[string]string{"mode": "offline"}},
		{name: "BOM", in: "\xef\xbb\xbf[default]\nmode = offline\n", want: map[string]string{"mode": "offline"}},
		{name: "no final newline", in: "[default]\nmode = offline", want: map[string]string{"mode": "offline"}},
		{name: "entry before header", in: "mode = offline\n[default]\n", errLine: 1, errMatch: "before the first [section]"},
		{name: "garbage line", in: "[default]\n\nmode offline\n", errLine: 3, errMatch: `expected "key = value"`},
		{name: "empty section name brackets", in: "[]\n", errLine: 1, errMatch: `expected "key = value"`},
		{name: "empty key", in: "[default]\n = x\n", errLine: 2, errMatch: "empty key"},
		{name: "duplicate key", in: "[default]\na = 1\n[x]\n[default]\nA = 2\n", errLine: 5, errMatch: "duplicate key"},
		{name: "unclosed header", in: "[default\n", errLine: 1, errMatch: `expected "key = value"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "settings")
			writeTestFile(t, path, tt.in)
			got, err := ReadFile(path)
			if tt.errLine != 0 {
				se, ok := errors.AsType[*SyntaxError](err)
				if !ok {
					t.Fatalf("ReadFile() = %v, %v; want a *SyntaxError", got, err)
				}
				if se.Path != path || se.Line != tt.errLine || !strings.Contains(se.Msg, tt.errMatch) {
					t.Errorf("SyntaxError = %+v, want line %d and %q", se, tt.errLine, tt.errMatch)
				}
				if want := "settings: " + path + ":"; !strings.HasPrefix(err.Error(), want) {
					t.Errorf("error %q does not start with %q", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("ReadFile() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestReadFileMissing(t *testing.T) {
	m, err := ReadFile(filepath.Join(t.TempDir(), "nope", "settings"))
	if err != nil || len(m) != 0 {
		t.Errorf("ReadFile(missing) = %v, %v; want empty, nil", m, err)
	}
}

func TestWriteFile(t *testing.T) {
	tests := []struct {
		name       string
		existing   string // "" = no file
		key, value string
		want       string
	}{
		{
			name: "creates file and directory",
			key:  "mode", value: "offline",
			want: "[default]\nmode = offline\n",
		},
		{
			name:     "replaces the key, keeps comments and other lines",
			existing: "# global W&B settings\n[default]\nentity = me\nMode: online   \n; trailing comment\nproject = p\n\n[other]\nmode = x\n",
			key:      "mode", value: "disabled",
			want: "# global W&B settings\n[default]\nentity = me\nmode = disabled\n; trailing comment\nproject = p\n\n[other]\nmode = x\n",
		},
		{
			name:     "adds after the last entry of [default]",
			existing: "[default]\nentity = me\n\n# other\n[other]\nk = v\n",
			key:      "mode", value: "offline",
			want: "[default]\nentity = me\nmode = offline\n\n# other\n[other]\nk = v\n",
		},
		{
			name:     "adds after an empty [default] header",
			existing: "[default]\n[other]\nk = v\n",
			key:      "mode", value: "offline",
			want: "[default]\nmode = offline\n[other]\nk = v\n",
		},
		{
			name:     "appends [default] when missing",
			existing: "# only a comment",
			key:      "mode", value: "offline",
			want: "# only a comment\n[default]\nmode = offline\n",
		},
		{
			name:     "keeps CRLF",
			existing: "[default]\r\nentity = me\r\n",
			key:      "mode", value: "offline",
			want: "[default]\r\nentity = me\r\nmode = offline\r\n",
		},
		{
			name:     "unknown key written as is",
			existing: "[default]\n",
			key:      "Anonymous", value: " never ",
			want: "[default]\nanonymous = never\n",
		},
		{
			name:     "empty value",
			existing: "[default]\nproject = p\n",
			key:      "project", value: "",
			want: "[default]\nproject = \n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "wandb", "settings")
			if tt.existing != "" {
				writeTestFile(t, path, tt.existing)
			}
			before, _ := ReadFile(path)
			if err := WriteFile(path, tt.key, tt.value); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("file =\n%q\nwant\n%q", got, tt.want)
			}
			// Round trip: the key reads back, every other key is unchanged.
			after, err := ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			key := strings.ToLower(tt.key)
			if after[key] != strings.TrimSpace(tt.value) {
				t.Errorf("read back %s = %q, want %q", key, after[key], tt.value)
			}
			delete(after, key)
			delete(before, key)
			if !maps.Equal(before, after) {
				t.Errorf("other keys changed: %v -> %v", before, after)
			}
		})
	}
}

func TestWriteFileThenLoad(t *testing.T) {
	e := newTestEnv(t)
	for _, mode := range []string{"offline", "disabled", "online", "dryrun"} {
		if err := WriteFile(e.workspc, "mode", mode); err != nil {
			t.Fatal(err)
		}
		s, err := Load(e.env(), "")
		if err != nil {
			t.Fatal(err)
		}
		if want := normMode(mode); s.Mode != want || s.Source("mode") != SourceWorkspaceFile {
			t.Errorf("after WriteFile mode=%s: Mode %q from %q", mode, s.Mode, s.Source("mode"))
		}
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(e.workspc)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("new file mode %v, want 0600", fi.Mode().Perm())
		}
	}
}

func TestWriteFileKeepsModeAndFollowsSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes and symlinks")
	}
	dir := t.TempDir()
	real := filepath.Join(dir, "real")
	writeTestFile(t, real, "[default]\n")
	if err := os.Chmod(real, 0o640); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(link, "mode", "offline"); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("symlink replaced: %v %v", fi, err)
	}
	fi, err := os.Stat(real)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", fi.Mode().Perm())
	}
	if m, _ := ReadFile(real); m["mode"] != "offline" {
		t.Errorf("target = %v", m)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestWriteFileRejects(t *testing.T) {
	tests := []struct {
		name, existing, key, value, want string
	}{
		{"malformed existing file", "garbage\n", "mode", "offline", ":1: "},
		{"empty key", "", " ", "x", "invalid key"},
		{"key with =", "", "a=b", "x", "invalid key"},
		{"key with :", "", "a:b", "x", "invalid key"},
		{"key starting with [", "", "[a", "x", "invalid key"},
		{"key starting with #", "", "#a", "x", "invalid key"},
		{"multi-line value", "", "run_notes", "a\nb", "single line"},
		{"known key bad value", "", "mode", "sometimes", ruleMode},
		{"empty path", "", "mode", "offline", "empty path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "settings")
			if tt.existing != "" {
				writeTestFile(t, path, tt.existing)
			}
			if tt.name == "empty path" {
				path = ""
			}
			err := WriteFile(path, tt.key, tt.value)
			if err == nil || !strings.HasPrefix(err.Error(), "settings: ") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("WriteFile() = %v, want an error containing %q", err, tt.want)
			}
			if path == "" {
				return
			}
			got, _ := os.ReadFile(path)
			if string(got) != tt.existing {
				t.Errorf("file changed to %q", got)
			}
		})
	}
}

// FuzzReadINI checks that the parser never panics, that what it accepts is
// well formed, and that setting a key in any file it accepts keeps every
// other key and reads back.
func FuzzReadINI(f *testing.F) {
	for _, seed := range []string{
		"",
		"[default]\nmode = offline\n",
		"# c\n; c\n[default]\r\nbase_url: https://h:1\r\n\r\n[x]\ny=z",
		"\xef\xbb\xbf[DEFAULT]\n  Project =  p \n[default]\nentity=e",
		"mode = offline",
		"[default]\na = 1\na = 2\n",
		"[]\n[ ]\n=\n:\n[default]\n[x = y\n",
		"[default]\nk = v\r",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := parseINI("fuzz", data)
		if err != nil {
			if se, ok := errors.AsType[*SyntaxError](err); !ok || se.Line < 1 || se.Line > strings.Count(string(data), "\n")+1 {
				t.Fatalf("error %v is not a *SyntaxError with a valid line", err)
			}
			return
		}
		before := make(map[string]string)
		for _, e := range doc.entries {
			if e.key == "" || e.key != strings.ToLower(strings.TrimSpace(e.key)) || e.value != strings.TrimSpace(e.value) {
				t.Fatalf("entry %+v not normalised", e)
			}
			if _, dup := before[e.key]; dup {
				t.Fatalf("duplicate key %q accepted", e.key)
			}
			before[e.key] = e.value
		}
		out := doc.set("mode", "offline")
		doc2, err := parseINI("fuzz", out)
		if err != nil {
			t.Fatalf("set made the file unparseable: %v\n%q", err, out)
		}
		after := make(map[string]string)
		for _, e := range doc2.entries {
			after[e.key] = e.value
		}
		if after["mode"] != "offline" {
			t.Fatalf("mode = %q after set\n%q", after["mode"], out)
		}
		delete(before, "mode")
		delete(after, "mode")
		if !maps.Equal(before, after) {
			t.Fatalf("set changed other keys: %v -> %v\n%q", before, after, out)
		}
	})
}
