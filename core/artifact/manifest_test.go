package artifact

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\ngot  %s\nwant %s", name, got, want)
	}
}

func TestManifestReadsPythonManifestIgnoringUnknownKeys(t *testing.T) {
	data, err := os.ReadFile("testdata/manifest_python.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseManifest(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Contents) != 3 {
		t.Fatalf("entries = %d, want 3", len(m.Contents))
	}
	b, _ := m.Get("b.txt")
	if b.LocalPath != "" || b.BirthArtifactID != "QXJ0aWZhY3Q6MQ==" || b.Size != 5 || b.Path != "b.txt" {
		t.Errorf("b.txt = %+v: local_path must be ignored, the rest kept", b)
	}
	ref, _ := m.Get("ref.csv")
	if !ref.IsReference() || ref.Extra["etag"] != `"etag-1"` {
		t.Errorf("ref.csv = %+v", ref)
	}
	out, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "manifest_written.golden.json", append(out, '\n'))
}

func TestManifestDigest(t *testing.T) {
	m := NewManifest()
	// Digests of "hello" and "world"; the expected artifact digest was
	// computed independently with Python's hashlib (§6.3).
	for _, e := range []Entry{
		{Path: "b.txt", Digest: "fXkwN6B2AYZXSwKC8vQ15w==", Size: 5},
		{Path: "a/x.txt", Digest: "XUFAKrxLKna5cZ2REBfFkg==", Size: 5},
	} {
		if err := m.Put(e); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := m.Digest(), "116b2eae5b36cb1e9eede4437fa3a18b"; got != want {
		t.Errorf("Digest = %s, want %s", got, want)
	}
	if NewManifest().Digest() == m.Digest() {
		t.Error("empty manifest has the same digest")
	}
}

func TestManifestRejects(t *testing.T) {
	for _, tc := range []struct{ name, json, want string }{
		{"version", `{"version":2,"contents":{}}`, "version 2"},
		{"absolute", `{"version":1,"contents":{"/etc/passwd":{"digest":"x"}}}`, "absolute"},
		{"dotdot", `{"version":1,"contents":{"a/../../x":{"digest":"x"}}}`, `contains ".."`},
		{"backslash", `{"version":1,"contents":{"a\\b":{"digest":"x"}}}`, "backslash"},
		{"nul", `{"version":1,"contents":{"a\u0000b":{"digest":"x"}}}`, "NUL"},
		{"drive", `{"version":1,"contents":{"C:x":{"digest":"x"}}}`, "absolute"},
		{"no digest", `{"version":1,"contents":{"a":{"size":1}}}`, "no digest"},
		{"negative size", `{"version":1,"contents":{"a":{"digest":"x","size":-1}}}`, "negative size"},
		{"not json", `{"version":1,`, "invalid manifest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseManifest([]byte(tc.json))
			if !errors.Is(err, ErrInvalidManifest) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want ErrInvalidManifest naming %q", err, tc.want)
			}
		})
	}
}

func TestHexB64(t *testing.T) {
	h, ok := B64ToHex("XUFAKrxLKna5cZ2REBfFkg==")
	if !ok || h != "5d41402abc4b2a76b9719d911017c592" {
		t.Fatalf("B64ToHex = %s %v", h, ok)
	}
	if b, ok := HexToB64(h); !ok || b != "XUFAKrxLKna5cZ2REBfFkg==" {
		t.Fatalf("HexToB64 = %s %v", b, ok)
	}
	if _, ok := B64ToHex(`"etag"`); ok {
		t.Error("an ETag converted")
	}
}

func FuzzParseManifest(f *testing.F) {
	seed, _ := os.ReadFile("testdata/manifest_python.json")
	f.Add(seed)
	f.Add([]byte(`{"version":1,"contents":{}}`))
	f.Add([]byte(`{"version":1,"contents":{"a/../b":{"digest":"x"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data)
		if err != nil {
			return
		}
		for _, e := range m.Entries() {
			if ValidateEntryPath(e.Path) != nil {
				t.Fatalf("accepted unsafe path %q", e.Path)
			}
		}
		// What we write, we read back with the same digest.
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		m2, err := ParseManifest(out)
		if err != nil {
			t.Fatalf("re-read: %v\n%s", err, out)
		}
		if m2.Digest() != m.Digest() {
			t.Fatalf("digest changed on a round trip")
		}
	})
}
