package artifact

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrInvalid reports a name, type, alias, tag, metadata or entry path that
// breaks W&B's rules; the wrapping error names the rule.
var ErrInvalid = errors.New("artifact: invalid")

// Limits from W&B's validators (wandb-behaviour.md §6.1).
const (
	MaxNameLength    = 128
	MaxTypeLength    = 128
	MaxAliasLength   = 128
	MaxMetadataKeys  = 100
	ReservedTypePfx  = "wandb-"
	LatestAlias      = "latest"
	maxProjectLength = 128
)

var (
	nameRE  = regexp.MustCompile(`^[a-zA-Z0-9_\-.]+$`)
	tagRE   = regexp.MustCompile(`^[-\p{L}\p{N}_]+( +[-\p{L}\p{N}_]+)*$`)
	indexRE = regexp.MustCompile(`^v(0|[1-9][0-9]*)$`)
	hexRE   = regexp.MustCompile(`^[0-9a-f]{32}$`)
)

// reservedNames maps an artifact type to the name prefix it reserves for
// W&B's own artifacts ("" reserves every name).
var reservedNames = map[string]string{"job": "", "run_table": "run-", "code": "source-"}

// Scope is where an artifact lives or who acts: entity, project and run id.
// Empty fields mean "the default" where a Scope gives defaults.
type Scope struct {
	Entity  string
	Project string
	Run     string
}

// Path names an artifact version: [[entity/]project/]name[:version], where
// version is an alias ("latest", "best"), a version index ("v3") or an
// artifact digest (32 hex digits). An empty Version means "latest".
type Path struct {
	Entity  string
	Project string
	Name    string
	Version string
}

// ParsePath parses every name form W&B accepts: "name", "name:alias",
// "name:vN", "name:<digest>", "project/name:alias" and
// "entity/project/name:alias". As in W&B's ArtifactPath.from_str the string
// is split on the first ':', so the version part may itself contain '/'
// (it is then only an alias to look up, never a path).
func ParsePath(s string) (Path, error) {
	if s == "" {
		return Path{}, fmt.Errorf("%w artifact path: empty", ErrInvalid)
	}
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return Path{}, fmt.Errorf("%w artifact path %q: not valid UTF-8 text", ErrInvalid, s)
	}
	prefix, version, hasVersion := strings.Cut(s, ":")
	if hasVersion && version == "" {
		return Path{}, fmt.Errorf("%w artifact path %q: empty version after ':'", ErrInvalid, s)
	}
	var p Path
	parts := strings.Split(prefix, "/")
	switch len(parts) {
	case 1:
		p.Name = parts[0]
	case 2:
		p.Project, p.Name = parts[0], parts[1]
	case 3:
		p.Entity, p.Project, p.Name = parts[0], parts[1], parts[2]
	default:
		return Path{}, fmt.Errorf("%w artifact path %q: more than entity/project/name before ':'", ErrInvalid, s)
	}
	p.Version = version
	if p.Entity != "" || len(parts) == 3 {
		if err := validateScopeName("entity", p.Entity); err != nil {
			return Path{}, fmt.Errorf("%w (in %q)", err, s)
		}
	}
	if len(parts) >= 2 {
		if err := validateScopeName("project", p.Project); err != nil {
			return Path{}, fmt.Errorf("%w (in %q)", err, s)
		}
	}
	if err := ValidateName(p.Name); err != nil {
		return Path{}, fmt.Errorf("%w (in %q)", err, s)
	}
	if strings.TrimSpace(p.Version) != p.Version {
		return Path{}, fmt.Errorf("%w artifact path %q: version %q has surrounding spaces", ErrInvalid, s, p.Version)
	}
	return p, nil
}

// String formats the path in its shortest complete form.
func (p Path) String() string {
	var b strings.Builder
	if p.Entity != "" {
		b.WriteString(p.Entity)
		b.WriteByte('/')
	}
	if p.Project != "" || p.Entity != "" {
		b.WriteString(p.Project)
		b.WriteByte('/')
	}
	b.WriteString(p.Name)
	if p.Version != "" {
		b.WriteByte(':')
		b.WriteString(p.Version)
	}
	return b.String()
}

// Alias is the version part, "latest" when none was given.
func (p Path) Alias() string {
	if p.Version == "" {
		return LatestAlias
	}
	return p.Version
}

// Index returns N for a "vN" version (W&B's alias_is_version_index).
func (p Path) Index() (int, bool) { return VersionIndex(p.Version) }

// IsDigest reports whether the version part is an artifact digest.
func (p Path) IsDigest() bool { return hexRE.MatchString(p.Version) }

// WithDefaults fills an empty entity and project from s.
func (p Path) WithDefaults(s Scope) Path {
	if p.Project == "" {
		p.Project = s.Project
	}
	if p.Entity == "" {
		p.Entity = s.Entity
	}
	return p
}

// VersionIndex returns N for "vN".
func VersionIndex(s string) (int, bool) {
	if !indexRE.MatchString(s) {
		return 0, false
	}
	n, err := strconv.Atoi(s[1:])
	return n, err == nil
}

// ValidateName checks an artifact (collection) name.
func ValidateName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w name: empty", ErrInvalid)
	case len(name) > MaxNameLength:
		return fmt.Errorf("%w name %q: longer than %d characters", ErrInvalid, name, MaxNameLength)
	case !nameRE.MatchString(name):
		return fmt.Errorf("%w name %q: may only contain letters, digits, '-', '_' and '.' (%s)", ErrInvalid, name, nameRE)
	}
	return nil
}

// ValidateType checks an artifact type a user may log: at most 128
// characters, no '/' or ':', not starting with the reserved "wandb-".
func ValidateType(typ string) error {
	switch {
	case typ == "":
		return fmt.Errorf("%w type: empty", ErrInvalid)
	case len(typ) > MaxTypeLength:
		return fmt.Errorf("%w type %q: longer than %d characters", ErrInvalid, typ, MaxTypeLength)
	case strings.ContainsAny(typ, "/:"):
		return fmt.Errorf("%w type %q: may not contain '/' or ':'", ErrInvalid, typ)
	case strings.HasPrefix(typ, ReservedTypePfx):
		return fmt.Errorf("%w type %q: types starting with %q are reserved for internal use", ErrInvalid, typ, ReservedTypePfx)
	case !utf8.ValidString(typ) || strings.ContainsRune(typ, 0):
		return fmt.Errorf("%w type %q: not valid UTF-8 text", ErrInvalid, typ)
	}
	return nil
}

// ValidateNameForType checks a name and a type together: the name and the
// type each valid, and the name not reserved for W&B's artifacts of that
// type (type "job" reserves every name, "run_table" names starting "run-",
// "code" names starting "source-").
func ValidateNameForType(name, typ string) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	if err := ValidateType(typ); err != nil {
		return err
	}
	if pfx, ok := reservedNames[typ]; ok && strings.HasPrefix(name, pfx) {
		if pfx == "" {
			return fmt.Errorf("%w type %q: reserved for internal use", ErrInvalid, typ)
		}
		return fmt.Errorf("%w name %q: names starting with %q are reserved for type %q", ErrInvalid, name, pfx, typ)
	}
	return nil
}

// ValidateAlias checks one alias: not empty, at most 128 characters, no
// '/' or ':'.
func ValidateAlias(a string) error {
	switch {
	case a == "":
		return fmt.Errorf("%w alias: empty", ErrInvalid)
	case len(a) > MaxAliasLength:
		return fmt.Errorf("%w alias %q: longer than %d characters", ErrInvalid, a, MaxAliasLength)
	case strings.ContainsAny(a, "/:"):
		return fmt.Errorf("%w alias %q: may not contain '/' or ':'", ErrInvalid, a)
	case !utf8.ValidString(a) || strings.ContainsRune(a, 0) || strings.TrimSpace(a) != a:
		return fmt.Errorf("%w alias %q: not valid UTF-8 text without surrounding spaces", ErrInvalid, a)
	}
	return nil
}

// Aliases validates aliases and returns them with "latest" added, without
// duplicates, in the order given (W&B's _resolve_aliases).
func Aliases(aliases []string) ([]string, error) {
	out := []string{LatestAlias}
	seen := map[string]bool{LatestAlias: true}
	for _, a := range aliases {
		if err := ValidateAlias(a); err != nil {
			return nil, err
		}
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out, nil
}

// ValidateTag checks a tag against W&B's ^[-\w]+( +[-\w]+)*$.
func ValidateTag(t string) error {
	if !tagRE.MatchString(t) {
		return fmt.Errorf("%w tag %q: must be words of letters, digits, '_' or '-' separated by spaces", ErrInvalid, t)
	}
	return nil
}

// ValidateMetadata checks metadata: at most 100 keys, encodable as JSON.
func ValidateMetadata(md map[string]any) error {
	if len(md) > MaxMetadataKeys {
		return fmt.Errorf("%w metadata: %d keys, at most %d allowed", ErrInvalid, len(md), MaxMetadataKeys)
	}
	if _, err := json.Marshal(md); err != nil {
		return fmt.Errorf("%w metadata: not JSON-serializable: %w", ErrInvalid, err)
	}
	return nil
}

// validateScopeName checks an entity or project name in a path.
func validateScopeName(what, s string) error {
	switch {
	case s == "":
		return fmt.Errorf("%w %s: empty", ErrInvalid, what)
	case len(s) > maxProjectLength:
		return fmt.Errorf("%w %s %q: longer than %d characters", ErrInvalid, what, s, maxProjectLength)
	case strings.ContainsAny(s, `\#?%:`) || strings.TrimSpace(s) != s || s == "." || s == "..":
		return fmt.Errorf("%w %s %q: may not contain '\\', '#', '?', '%%', ':', be '.' or '..', or have surrounding spaces", ErrInvalid, what, s)
	}
	return nil
}
