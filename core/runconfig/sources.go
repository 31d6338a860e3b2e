package runconfig

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
)

// DefaultsFile is the file W&B auto-loads from the working directory as
// config defaults.
const DefaultsFile = "config-defaults.yaml"

// FromStruct converts a struct, or a non-nil pointer to one, into a
// top-level config map, with the field naming rules of [Normalize].
func FromStruct(v any) (map[string]any, error) {
	rv := reflect.ValueOf(v)
	for rv.IsValid() && rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	if !rv.IsValid() || rv.Kind() != reflect.Struct {
		return nil, fmt.Errorf("%w: FromStruct needs a struct or a pointer to one, got %T", ErrInvalidValue, v)
	}
	n, err := Normalize(rv.Interface())
	if err != nil {
		return nil, err
	}
	m, ok := n.(map[string]any)
	if !ok { // time.Time and friends normalise to strings
		return nil, fmt.Errorf("%w: FromStruct: %T does not convert to a map", ErrInvalidValue, v)
	}
	return m, nil
}

// FromFlagSet returns every flag of fs (set or not, like argparse's
// Namespace) under its name with its current value: the typed value from
// flag.Getter.Get when the flag's Value has it (int, float64, bool, string,
// time.Duration, ...), else Value.String(). Call it after fs.Parse.
func FromFlagSet(fs *flag.FlagSet) map[string]any {
	out := map[string]any{}
	if fs == nil {
		return out
	}
	fs.VisitAll(func(f *flag.Flag) {
		if g, ok := f.Value.(flag.Getter); ok {
			out[f.Name] = g.Get()
			return
		}
		out[f.Name] = f.Value.String()
	})
	return out
}

// FromYAMLFile reads a config YAML file (any form [ReadYAML] accepts) as
// wandb.init(config="file.yaml") does. The reserved "_wandb" key is dropped:
// it belongs to the run that wrote the file.
func FromYAMLFile(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("runconfig: read config file: %w", err)
	}
	m, err := parseYAML(data, path)
	if err != nil {
		return nil, err
	}
	delete(m, "_wandb")
	return m, nil
}

// LoadDefaults reads <dir>/config-defaults.yaml, which W&B loads
// automatically from the working directory. found is false, with no error,
// when the file does not exist; an empty file gives an empty map.
func LoadDefaults(dir string) (values map[string]any, found bool, err error) {
	path := filepath.Join(dir, DefaultsFile)
	if _, err := os.Stat(path); errNotExist(err) {
		return nil, false, nil
	}
	m, err := FromYAMLFile(path)
	if err != nil {
		return nil, true, err
	}
	return m, true, nil
}

// Filter applies W&B's config_include_keys / config_exclude_keys to the
// top-level keys of m and returns a new map (values are shared, not
// copied). A non-empty include is an allow-list and wins: exclude is then
// ignored. Otherwise the keys in exclude are dropped.
func Filter(m map[string]any, include, exclude []string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		switch {
		case len(include) > 0:
			if slices.Contains(include, k) {
				out[k] = v
			}
		case !slices.Contains(exclude, k):
			out[k] = v
		}
	}
	return out
}
