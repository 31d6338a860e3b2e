package store

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Artifacts keeps W&B artifacts: types, collections (W&B's "artifact
// sequences") per project, versions, aliases, manifests and lineage. File
// contents are blobs stored once by content (see [ArtifactBlobKey]); this
// role keeps only metadata.
//
// It is a role of its own, not part of [Store], so that a backend can add
// it later; the server finds it by type assertion.
//
// The rules, as W&B's server applies them (wandb-behaviour.md §6.3–6.5):
//
//   - A collection name is unique in its project across types; logging a
//     version under another type is ErrConflict.
//   - CreateArtifact deduplicates by digest within the collection: an
//     existing COMMITTED version with that digest is returned (nothing
//     new), an existing PENDING one is shared (two writers of the same
//     content end with one version).
//   - Versions are numbered 0, 1, ... per collection in commit order.
//   - Aliases are unique per collection: setting one moves it. "latest" is
//     not stored: it always names the newest committed version. Aliases
//     that look like version indexes ("v3") are refused.
//
// Implementations are safe for concurrent use, honour ctx, prefix errors
// with "store: " and wrap ErrNotFound, ErrConflict or ErrInvalid.
type Artifacts interface {
	// CreateArtifact finds or creates the type, collection and project
	// (the entity must exist) and returns the version for in.Digest:
	// an existing one (created false; committed or pending) or a new
	// PENDING one (created true). in.Aliases are applied now to a
	// committed version, at commit to a pending one.
	CreateArtifact(ctx context.Context, in ArtifactInput) (a Artifact, created bool, err error)
	// Artifact returns a version by id; ErrNotFound if none.
	Artifact(ctx context.Context, id int64) (Artifact, error)
	// SetArtifactManifest records the base64 MD5 of the version's
	// manifest file. ErrConflict once committed with another manifest.
	SetArtifactManifest(ctx context.Context, id int64, manifestDigest string) error
	// CommitArtifact stores the manifest entries, gives the version the
	// next index of its collection and applies its pending aliases. The
	// entries must produce the version's digest ([ArtifactDigest]) and have
	// valid paths, else ErrInvalid. Idempotent: committing a committed
	// version returns it unchanged.
	CommitArtifact(ctx context.Context, id int64, entries []ArtifactEntry) (Artifact, error)
	// ResolveArtifact finds a committed version of entity/project/collection
	// by ref: "" or "latest" (the newest), "vN" (an index), an alias, or
	// the hex digest of the version. ErrNotFound if none.
	ResolveArtifact(ctx context.Context, entity, project, collection, ref string) (Artifact, error)
	// ArtifactVersions returns the committed versions of a collection by
	// index.
	ArtifactVersions(ctx context.Context, entity, project, collection string) ([]Artifact, error)
	// ArtifactCollection returns one collection; ErrNotFound if none.
	ArtifactCollection(ctx context.Context, entity, project, name string) (ArtifactCollection, error)
	// ArtifactCollections returns a project's collections of type typ (all
	// types when typ is ""), by name.
	ArtifactCollections(ctx context.Context, entity, project, typ string) ([]ArtifactCollection, error)
	// ArtifactTypes returns the names of a project's artifact types, sorted.
	ArtifactTypes(ctx context.Context, entity, project string) ([]string, error)
	// ArtifactEntries returns the manifest entries of a committed version
	// by path.
	ArtifactEntries(ctx context.Context, id int64) ([]ArtifactEntry, error)
	// ArtifactEntry returns one entry; ErrNotFound if none.
	ArtifactEntry(ctx context.Context, id int64, path string) (ArtifactEntry, error)
	// AddArtifactAliases sets aliases on a committed version, moving each
	// from the version that held it. ErrInvalid for a bad alias, ErrConflict
	// for a pending version.
	AddArtifactAliases(ctx context.Context, id int64, aliases []string) (Artifact, error)
	// UseArtifact records that run runID used the version. Idempotent.
	UseArtifact(ctx context.Context, id, runID int64) error
	// ArtifactUsers returns the runs that used the version, in order of use.
	ArtifactUsers(ctx context.Context, id int64) ([]Run, error)
	// ArtifactsLoggedBy returns the versions the run created, by id.
	ArtifactsLoggedBy(ctx context.Context, runID int64) ([]Artifact, error)
	// ArtifactsUsedBy returns the versions the run used, in order of use.
	ArtifactsUsedBy(ctx context.Context, runID int64) ([]Artifact, error)
}

// ArtifactState is the state of an artifact version.
type ArtifactState string

// Artifact states, as W&B names them.
const (
	ArtifactPending   ArtifactState = "PENDING"
	ArtifactCommitted ArtifactState = "COMMITTED"
)

// ArtifactInput is what CreateArtifact needs. RunID 0 means no run (an
// artifact saved outside a run).
type ArtifactInput struct {
	Entity, Project string
	Type            string
	Collection      string // the artifact name without version
	Digest          string // hex MD5 manifest digest (§6.3)
	Description     string
	Metadata        json.RawMessage // JSON object or nil
	Aliases         []string        // "latest" is implied and ignored
	RunID           int64
	HistoryStep     *int64
}

// Artifact is one version of an artifact. Version is -1 while PENDING.
type Artifact struct {
	ID             int64
	CollectionID   int64
	Entity         string
	Project        string
	Collection     string
	Type           string
	Version        int
	Digest         string
	State          ArtifactState
	Description    string
	Metadata       json.RawMessage // JSON object; "{}" when empty
	Aliases        []string        // sorted, "latest" included on the newest version
	ManifestDigest string          // base64 MD5 of wandb_manifest.json; "" until set
	Size           int64           // sum of entry sizes, at commit
	FileCount      int
	CreatedByRunID int64 // 0: no run
	HistoryStep    *int64
	CreatedAt      time.Time
	CommittedAt    time.Time
}

// VersionName is "vN", or "" while pending.
func (a Artifact) VersionName() string {
	if a.Version < 0 {
		return ""
	}
	return "v" + strconv.Itoa(a.Version)
}

// ArtifactCollection is a named sequence of versions of one type.
type ArtifactCollection struct {
	ID          int64
	Entity      string
	Project     string
	Name        string
	Type        string
	Description string
	Versions    int // committed versions
	CreatedAt   time.Time
}

// ArtifactEntry is one manifest entry (§6.2). Digest is the base64 MD5 of
// the content, or a reference digest when Ref is set (no stored content).
type ArtifactEntry struct {
	Path            string
	Digest          string
	Size            int64
	Ref             string
	BirthArtifactID string
	Extra           json.RawMessage // JSON object or nil
}

// ArtifactBlobKey is the blob key of content with base64 MD5 digest b64:
// "artifacts/md5/<hex>". Content is stored once, whatever artifact,
// collection or project holds it. ErrInvalid if b64 is not an MD5.
func ArtifactBlobKey(b64 string) (string, error) {
	h, err := MD5Hex(b64)
	if err != nil {
		return "", err
	}
	return "artifacts/md5/" + h, nil
}

// MD5Hex converts a base64 MD5 digest to hex; ErrInvalid if it is not one.
func MD5Hex(b64 string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(b) != md5.Size {
		return "", invalidf("%q is not a base64 MD5 digest", b64)
	}
	return hex.EncodeToString(b), nil
}

// ArtifactDigest is W&B's manifest digest (§6.3): hex MD5 over
// "wandb-artifact-manifest-v1\n" and "<path>:<digest>\n" for the entries
// sorted by path.
func ArtifactDigest(entries []ArtifactEntry) string {
	idx := make([]int, len(entries))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return entries[idx[a]].Path < entries[idx[b]].Path })
	h := md5.New()
	h.Write([]byte("wandb-artifact-manifest-v1\n"))
	for _, i := range idx {
		h.Write([]byte(entries[i].Path + ":" + entries[i].Digest + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

var (
	artifactNameRE = regexp.MustCompile(`^[a-zA-Z0-9_\-.]+$`)
	versionRE      = regexp.MustCompile(`^v[0-9]+$`)
	hexDigestRE    = regexp.MustCompile(`^[0-9a-f]{32}$`)
)

// ValidArtifactName checks a collection name: W&B's ^[a-zA-Z0-9_\-.]+$, at
// most 128 characters, not "." or "..".
func ValidArtifactName(s string) error {
	if len(s) > 128 || !artifactNameRE.MatchString(s) || s == "." || s == ".." {
		return invalidf("artifact name %q: want 1 to 128 of a-z A-Z 0-9 _ - .", s)
	}
	return nil
}

// ValidArtifactType checks a type name: 1 to 128 characters without "/",
// ":" or control characters.
func ValidArtifactType(s string) error {
	if s == "" || len(s) > 128 || strings.ContainsAny(s, "/:\\") || !utf8Valid(s) || hasControl(s) {
		return invalidf("artifact type %q: want 1 to 128 characters without / : \\ or control characters", s)
	}
	return nil
}

// ValidAlias checks a user alias: 1 to 128 characters without "/", ":",
// "\\" or control characters, and not a version index ("v3"), which is
// reserved. "latest" is valid (and managed by the store).
func ValidAlias(s string) error {
	if s == "" || len(s) > 128 || strings.ContainsAny(s, "/:\\") || !utf8Valid(s) || hasControl(s) || s == "." || s == ".." {
		return invalidf("artifact alias %q: want 1 to 128 characters without / : \\ or control characters", s)
	}
	if versionRE.MatchString(s) {
		return invalidf("artifact alias %q is reserved: vN names version N", s)
	}
	return nil
}

// IsVersionRef reports whether ref names a version index ("v0", "v12").
func IsVersionRef(ref string) bool { return versionRE.MatchString(ref) }

// IsHexDigest reports whether ref looks like an artifact digest.
func IsHexDigest(ref string) bool { return hexDigestRE.MatchString(ref) }

// ValidEntryPath checks a manifest entry path: a relative slash path of at
// most 1024 bytes, valid UTF-8, without empty, "." or ".." segments,
// backslashes or control characters, so that it cannot escape the
// directory an artifact is downloaded into.
func ValidEntryPath(p string) error {
	if p == "" || len(p) > 1024 || !utf8Valid(p) || strings.ContainsRune(p, '\\') || hasControl(p) {
		return invalidf("artifact entry path %q", p)
	}
	if len(p) >= 2 && p[1] == ':' {
		return invalidf("artifact entry path %q has a drive letter", p)
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return invalidf("artifact entry path %q has an empty, \".\" or \"..\" segment (absolute or escaping paths are refused)", p)
		}
	}
	return nil
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return true
		}
	}
	return false
}
