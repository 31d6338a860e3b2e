package artifact

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"
)

// Manifest format constants (wandb-behaviour.md §6.2).
const (
	ManifestVersion       = 1
	StoragePolicy         = "wandb-storage-policy-v1"
	StorageLayoutV2       = "V2"
	ManifestFileName      = "wandb_manifest.json"
	manifestDigestPreface = "wandb-artifact-manifest-v1\n"
)

// ErrInvalidManifest reports a manifest that cannot be read.
var ErrInvalidManifest = errors.New("artifact: invalid manifest")

// Entry is one file of an artifact: a logical path and what identifies its
// content.
type Entry struct {
	// Path is the logical path inside the artifact ("dir/file.txt"). It is
	// the key of the manifest's contents, not a field of its JSON.
	Path string `json:"-"`
	// Digest is the base64 MD5 of the content, or for a reference the ETag
	// or another digest the reference's scheme provides.
	Digest string `json:"digest"`
	// Size in bytes (0 when a reference's size is unknown).
	Size int64 `json:"size"`
	// Ref is the URI of a reference entry; empty for stored files.
	Ref string `json:"ref,omitempty"`
	// BirthArtifactID is the server id of the version that first uploaded
	// the content.
	BirthArtifactID string `json:"birthArtifactID,omitempty"`
	// Extra carries scheme specific facts (an S3 version id, an ETag).
	Extra map[string]any `json:"extra,omitempty"`

	// LocalPath is where the content lies on this machine (a staged copy
	// in the cache or the source file). Not part of the manifest JSON.
	LocalPath string `json:"-"`
	// SkipCache asks the uploader not to add the file to the cache.
	SkipCache bool `json:"-"`
}

// IsReference reports whether the entry refers to external content.
func (e Entry) IsReference() bool { return e.Ref != "" }

// HexDigest returns the hex form of a base64 MD5 digest, which names the
// object in the cache and on the server; ok is false when the digest is
// not a base64 MD5 (a reference's ETag).
func (e Entry) HexDigest() (hexDigest string, ok bool) {
	return B64ToHex(e.Digest)
}

// StorageConfig is the manifest's storagePolicyConfig.
type StorageConfig struct {
	StorageLayout string `json:"storageLayout,omitempty"`
	StorageRegion string `json:"storageRegion,omitempty"`
}

// Manifest is the v1 artifact manifest. The zero value is not valid: use
// [NewManifest].
type Manifest struct {
	Version             int              `json:"version"`
	StoragePolicy       string           `json:"storagePolicy"`
	StoragePolicyConfig StorageConfig    `json:"storagePolicyConfig"`
	Contents            map[string]Entry `json:"contents"`
}

// NewManifest returns an empty v1 manifest with W&B's storage policy.
func NewManifest() *Manifest {
	return &Manifest{
		Version:             ManifestVersion,
		StoragePolicy:       StoragePolicy,
		StoragePolicyConfig: StorageConfig{StorageLayout: StorageLayoutV2},
		Contents:            map[string]Entry{},
	}
}

// Entries returns the entries sorted by path.
func (m *Manifest) Entries() []Entry {
	out := make([]Entry, 0, len(m.Contents))
	for p, e := range m.Contents {
		e.Path = p
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Get returns the entry at path.
func (m *Manifest) Get(path string) (Entry, bool) {
	e, ok := m.Contents[path]
	if ok {
		e.Path = path
	}
	return e, ok
}

// Put adds or replaces an entry after validating its path.
func (m *Manifest) Put(e Entry) error {
	if err := ValidateEntryPath(e.Path); err != nil {
		return err
	}
	if m.Contents == nil {
		m.Contents = map[string]Entry{}
	}
	m.Contents[e.Path] = e
	return nil
}

// Size is the sum of the entries' sizes.
func (m *Manifest) Size() int64 {
	var n int64
	for _, e := range m.Contents {
		n += e.Size
	}
	return n
}

// Clone returns a deep enough copy: the contents map is new, entries are
// values (their Extra maps are shared and must not be modified).
func (m *Manifest) Clone() *Manifest {
	c := *m
	c.Contents = make(map[string]Entry, len(m.Contents))
	for k, v := range m.Contents {
		c.Contents[k] = v
	}
	return &c
}

// Digest is the artifact digest (§6.3): the hex MD5 over
// "wandb-artifact-manifest-v1\n" and "<path>:<digest>\n" for every entry
// sorted by path.
func (m *Manifest) Digest() string {
	h := md5.New()
	io.WriteString(h, manifestDigestPreface)
	for _, e := range m.Entries() {
		io.WriteString(h, e.Path)
		io.WriteString(h, ":")
		io.WriteString(h, e.Digest)
		io.WriteString(h, "\n")
	}
	return hex.EncodeToString(h.Sum(nil))
}

// MarshalJSON writes the manifest as W&B does: paths as keys (sorted, as
// encoding/json sorts map keys), no local paths, empty optional fields
// left out.
func (m Manifest) MarshalJSON() ([]byte, error) {
	type plain Manifest
	p := plain(m)
	if p.Contents == nil {
		p.Contents = map[string]Entry{}
	}
	return json.Marshal(p)
}

// UnmarshalJSON reads a v1 manifest. Unknown keys (core's local_path,
// skip_cache) are ignored; a version other than 1, an entry path that is
// not a safe relative path, a missing digest or a negative size are
// errors wrapping [ErrInvalidManifest].
func (m *Manifest) UnmarshalJSON(data []byte) error {
	type plain Manifest
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidManifest, err)
	}
	if p.Version != ManifestVersion {
		return fmt.Errorf("%w: version %d, want %d", ErrInvalidManifest, p.Version, ManifestVersion)
	}
	if p.Contents == nil {
		p.Contents = map[string]Entry{}
	}
	for path, e := range p.Contents {
		if err := ValidateEntryPath(path); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidManifest, err)
		}
		if e.Digest == "" {
			return fmt.Errorf("%w: entry %q has no digest", ErrInvalidManifest, path)
		}
		if e.Size < 0 {
			return fmt.Errorf("%w: entry %q has negative size %d", ErrInvalidManifest, path, e.Size)
		}
		e.Path = path
		p.Contents[path] = e
	}
	*m = Manifest(p)
	return nil
}

// ParseManifest reads a manifest from JSON.
func ParseManifest(data []byte) (*Manifest, error) {
	m := new(Manifest)
	if err := json.Unmarshal(data, m); err != nil {
		if errors.Is(err, ErrInvalidManifest) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", ErrInvalidManifest, err)
	}
	return m, nil
}

// ManifestFileDigest is the digest of the manifest's own upload: the
// base64 MD5 of its JSON bytes, with those bytes.
func (m *Manifest) ManifestFileDigest() (b64 string, data []byte, err error) {
	data, err = json.Marshal(m)
	if err != nil {
		return "", nil, fmt.Errorf("artifact: manifest: %w", err)
	}
	sum := md5.Sum(data)
	return base64.StdEncoding.EncodeToString(sum[:]), data, nil
}

// B64ToHex converts a base64 MD5 digest to hex; ok is false when s is not
// the base64 of 16 bytes.
func B64ToHex(s string) (string, bool) {
	if len(s) != 24 {
		return "", false
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != md5.Size {
		return "", false
	}
	return hex.EncodeToString(b), true
}

// HexToB64 converts a hex MD5 to the base64 form entries use.
func HexToB64(s string) (string, bool) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != md5.Size {
		return "", false
	}
	return base64.StdEncoding.EncodeToString(b), true
}

// ValidateEntryPath checks a logical path: relative, slash separated, no
// empty, "." or ".." element, no backslash or NUL. The error names the
// rule broken.
func ValidateEntryPath(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("%w entry path is empty", ErrInvalid)
	case strings.ContainsRune(p, 0):
		return fmt.Errorf("%w entry path %q contains a NUL byte", ErrInvalid, p)
	case strings.ContainsRune(p, '\\'):
		return fmt.Errorf("%w entry path %q contains a backslash", ErrInvalid, p)
	case strings.HasPrefix(p, "/") || isDriveLetter(p):
		return fmt.Errorf("%w entry path %q is absolute", ErrInvalid, p)
	}
	for _, el := range strings.Split(p, "/") {
		switch el {
		case "":
			return fmt.Errorf("%w entry path %q has an empty element", ErrInvalid, p)
		case ".", "..":
			return fmt.Errorf("%w entry path %q contains %q", ErrInvalid, p, el)
		}
	}
	if !utf8.ValidString(p) {
		return fmt.Errorf("%w entry path %q is not valid UTF-8", ErrInvalid, p)
	}
	return nil
}

// isDriveLetter reports a Windows volume prefix ("C:").
func isDriveLetter(p string) bool {
	if len(p) < 2 || p[1] != ':' {
		return false
	}
	c := p[0] | 0x20
	return c >= 'a' && c <= 'z'
}
