package runconfig

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// WriteYAML writes cfg in wandb-core's config.yaml format: every top-level
// key, sorted and including "_wandb" when present, wrapped as
//
//	key:
//	    value: <nested value>
//
// with gopkg.in/yaml.v3's 4-space indent and no header. Values are normalised
// first (see [Normalize]). Floats always look like floats (5.0, not 5) so
// that reading the file back gives the same types; NaN and ±Inf are written
// as .nan, .inf and -.inf.
func WriteYAML(w io.Writer, cfg map[string]any) error {
	b, err := marshalYAML(cfg)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("runconfig: write config YAML: %w", err)
	}
	return nil
}

// WriteYAMLFile writes cfg to path with [WriteYAML], atomically: it writes a
// temporary file in the same directory and renames it over path, so readers
// never see a partial file. The file is created with mode 0644.
func WriteYAMLFile(path string, cfg map[string]any) error {
	b, err := marshalYAML(cfg)
	if err != nil {
		return err
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("runconfig: write %s: %w", path, err)
	}
	tmpName := tmp.Name()
	fail := func(err error) error {
		_ = tmp.Close()
		_ = os.Remove(tmpName)
		return fmt.Errorf("runconfig: write %s: %w", path, err)
	}
	if _, err := tmp.Write(b); err != nil {
		return fail(err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		_ = os.Remove(tmpName)
		return fmt.Errorf("runconfig: write %s: %w", path, err)
	}
	return nil
}

func marshalYAML(cfg map[string]any) ([]byte, error) {
	n, err := Normalize(cfg)
	if err != nil {
		return nil, err
	}
	m, _ := n.(map[string]any)
	doc := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for _, k := range sortedKeys(m) {
		wrapped := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		wrapped.Content = append(wrapped.Content, stringNode("value"), yamlNode(m[k]))
		doc.Content = append(doc.Content, stringNode(k), wrapped)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(4)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("runconfig: encode config YAML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("runconfig: encode config YAML: %w", err)
	}
	return buf.Bytes(), nil
}

// yamlNode converts a normalised value into a YAML node with explicit tags,
// so the encoder quotes strings that would otherwise read back as another
// type ("true", "1", "2021-02-16").
func yamlNode(v any) *yaml.Node {
	switch x := v.(type) {
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(x)}
	case int64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(x, 10)}
	case float64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: formatFloatYAML(x)}
	case string:
		return stringNode(x)
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		if len(x) == 0 {
			n.Style = yaml.FlowStyle
		}
		for _, e := range x {
			n.Content = append(n.Content, yamlNode(e))
		}
		return n
	case map[string]any:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		if len(x) == 0 {
			n.Style = yaml.FlowStyle
		}
		for _, k := range sortedKeys(x) {
			n.Content = append(n.Content, stringNode(k), yamlNode(x[k]))
		}
		return n
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
}

func stringNode(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if needsDoubleQuotes(s) {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

// needsDoubleQuotes reports strings that the encoder's plain or literal
// styles would not read back exactly (control characters, non-printable or
// special whitespace, surrounding spaces, multi-line text with edge cases).
// Double quotes escape anything.
func needsDoubleQuotes(s string) bool {
	if s == "" {
		return false
	}
	if s == "<<" { // plain "<<" is YAML's merge key
		return true
	}
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n':
			continue
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			return true
		case r == 0xfeff || r == 0x2028 || r == 0x2029 || r == 0xfffe || r == 0xffff:
			return true
		}
	}
	if strings.Contains(s, "\n") {
		// Literal blocks lose trailing spaces/tabs on lines and
		// leading indentation subtleties; keep them for clean text only.
		for line := range strings.SplitSeq(s, "\n") {
			if strings.TrimRight(line, " \t") != line || strings.HasPrefix(line, "\t") {
				return true
			}
		}
		if strings.HasPrefix(s, " ") || strings.HasPrefix(s, "\n") {
			return true
		}
	}
	return false
}

// formatFloatYAML formats a float so that YAML reads it back as the same
// float: shortest round-trip form with ".0" added to integral values.
func formatFloatYAML(f float64) string {
	switch {
	case math.IsNaN(f):
		return ".nan"
	case math.IsInf(f, 1):
		return ".inf"
	case math.IsInf(f, -1):
		return "-.inf"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

// ReadYAML parses a config YAML document in any of the forms W&B uses:
//
//   - wandb-core's config.yaml: every top-level key wrapped as {value: ...};
//   - the legacy Python form: a "wandb_version: 1" line and
//     {desc: ..., value: ...} per key (the version must be 1 if present,
//     like wandb/sdk/lib/config_util.py);
//   - plain "key: value" YAML, as users write for wandb.init(config=path).
//
// A document is read as wrapped when it has wandb_version or when every
// top-level value is a map with a "value" key and no keys other than
// "value" and "desc"; otherwise it is plain. With wandb_version every entry
// must be wrapped. The values are normalised (see [Normalize]), so YAML
// integers become int64 and non-string map keys become strings; "_wandb"
// is kept. An empty document is an empty config.
func ReadYAML(r io.Reader) (map[string]any, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("runconfig: read config YAML: %w", err)
	}
	return parseYAML(data, "")
}

// parseYAML implements ReadYAML; source names the file in errors.
func parseYAML(data []byte, source string) (map[string]any, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, formatError(source, err)
	}
	timestampsAsStrings(&root)
	var raw any
	if err := root.Decode(&raw); err != nil {
		return nil, formatError(source, err)
	}
	if raw == nil {
		return map[string]any{}, nil
	}
	n, err := Normalize(raw)
	if err != nil {
		return nil, formatError(source, err)
	}
	doc, ok := n.(map[string]any)
	if !ok {
		return nil, formatError(source, fmt.Errorf("top level must be a mapping of config keys, not %s", yamlKind(n)))
	}

	version, versioned := doc["wandb_version"]
	if versioned {
		if !equalValues(version, int64(1)) {
			return nil, formatError(source, fmt.Errorf("unknown wandb_version %s (only 1 is supported)", displayValue(version)))
		}
		delete(doc, "wandb_version")
	}
	if !versioned && !allWrapped(doc) {
		return doc, nil
	}
	out := make(map[string]any, len(doc))
	for k, v := range doc {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, formatError(source, fmt.Errorf("key %q: want {value: ...} in a file with wandb_version, got %s", k, yamlKind(v)))
		}
		val, ok := m["value"]
		if !ok {
			return nil, formatError(source, fmt.Errorf("key %q: no \"value\" entry in a file with wandb_version", k))
		}
		out[k] = val
	}
	return out, nil
}

// timestampsAsStrings retags timestamp scalars as strings, so that
// "2021-02-16" reads as the text it is rather than a time.Time (JSON, and so
// W&B, has no dates). It walks iteratively: YAML nesting can be deep.
func timestampsAsStrings(root *yaml.Node) {
	stack := []*yaml.Node{root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!timestamp" {
			n.Tag = "!!str"
		}
		stack = append(stack, n.Content...)
	}
}

// allWrapped reports whether doc looks like wandb-core's wrapped form.
func allWrapped(doc map[string]any) bool {
	if len(doc) == 0 {
		return false
	}
	for _, v := range doc {
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		if _, ok := m["value"]; !ok {
			return false
		}
		for k := range m {
			if k != "value" && k != "desc" {
				return false
			}
		}
	}
	return true
}

func yamlKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a bool"
	case int64, float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	}
	return fmt.Sprintf("%T", v)
}

// errNotExist reports whether err means a missing file.
func errNotExist(err error) bool { return errors.Is(err, os.ErrNotExist) }
