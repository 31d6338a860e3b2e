package store_test

import (
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/artifact"
	"github.com/gowandb/wandb/core/store"
)

func TestArtifactDigestIsTheClients(t *testing.T) {
	m := artifact.NewManifest()
	var es []store.ArtifactEntry
	for _, e := range []artifact.Entry{
		{Path: "b/x.txt", Digest: "XUFAKrxLKna5cZ2REBfFkg==", Size: 5},
		{Path: "a.txt", Digest: "1B2M2Y8AsgTpgAmY7PhCfg==", Size: 0},
		{Path: "ref", Digest: "etag-1", Ref: "https://example.com/x"},
	} {
		if err := m.Put(e); err != nil {
			t.Fatal(err)
		}
		es = append(es, store.ArtifactEntry{Path: e.Path, Digest: e.Digest, Size: e.Size, Ref: e.Ref})
	}
	if got, want := store.ArtifactDigest(es), m.Digest(); got != want {
		t.Fatalf("store digest %s, client digest %s", got, want)
	}
	// The empty manifest's digest is MD5("wandb-artifact-manifest-v1\n").
	if got := store.ArtifactDigest(nil); got != artifact.NewManifest().Digest() {
		t.Fatalf("empty digest %s", got)
	}
}

func TestArtifactBlobKey(t *testing.T) {
	k, err := store.ArtifactBlobKey("XUFAKrxLKna5cZ2REBfFkg==")
	if err != nil || k != "artifacts/md5/5d41402abc4b2a76b9719d911017c592" {
		t.Fatalf("key = %q, %v", k, err)
	}
	for _, bad := range []string{"", "etag", "XUFAKrxLKna5cZ2REBfF", "../../../../etc/passwd==", "AAAAAAAAAAAAAAAAAAAAAAAAAAAA"} {
		if _, err := store.ArtifactBlobKey(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestValidAliasAndNames(t *testing.T) {
	for _, ok := range []string{"latest", "best", "prod-2", "v", "version1", "vX"} {
		if err := store.ValidAlias(ok); err != nil {
			t.Errorf("alias %q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "v0", "v12", "a/b", "a:b", `a\b`, "..", "x\n", strings.Repeat("a", 129)} {
		if err := store.ValidAlias(bad); err == nil {
			t.Errorf("alias %q accepted", bad)
		}
	}
	for _, bad := range []string{"", "a/b", "a:b", "a b", "..", strings.Repeat("a", 129)} {
		if err := store.ValidArtifactName(bad); err == nil {
			t.Errorf("name %q accepted", bad)
		}
	}
	for _, bad := range []string{"", "a/b", "a:b", "t\x00"} {
		if err := store.ValidArtifactType(bad); err == nil {
			t.Errorf("type %q accepted", bad)
		}
	}
}

// FuzzValidEntryPath: every accepted path is a clean relative path that
// stays inside the directory it is joined to, on this OS.
func FuzzValidEntryPath(f *testing.F) {
	for _, s := range []string{"a", "a/b.txt", "../x", "/abs", "a//b", "a/./b", `a\b`, "C:/x", "a\x00", "é/ü", ".hidden", "a/..", "..."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if store.ValidEntryPath(p) != nil {
			return
		}
		if path.Clean(p) != p || strings.HasPrefix(p, "/") || !filepath.IsLocal(filepath.FromSlash(p)) {
			t.Fatalf("accepted %q, which is not a clean local path", p)
		}
		root := filepath.FromSlash("/root/dir")
		if j := filepath.Join(root, filepath.FromSlash(p)); !strings.HasPrefix(j, root+string(filepath.Separator)) {
			t.Fatalf("%q escapes: %s", p, j)
		}
		if artifact.ValidateEntryPath(p) != nil {
			t.Fatalf("the server accepts %q, the client refuses it", p)
		}
	})
}
