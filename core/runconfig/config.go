package runconfig

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Config is a run's config: a tree of normalised values (see [Normalize])
// under W&B's update rules. The zero value is not usable; call [New].
//
// Config is safe for concurrent use. Values passed in are normalised into
// fresh containers and values handed out are deep copies, so callers never
// share memory with the tree.
type Config struct {
	mu   sync.RWMutex
	tree map[string]any
}

// New returns an empty Config.
func New() *Config {
	return &Config{tree: map[string]any{}}
}

// Update merges values into the config and returns the top-level keys whose
// value was added or changed, sorted (the keys of the ConfigRecord to emit;
// nil when nothing changed).
//
// Each value is normalised with [Normalize]. Top-level keys lose leading and
// trailing '-' (argparse style, "--lr" → "lr"); an empty key, or two keys
// that are equal after that with different values, is an error wrapping
// [ErrInvalidKey]. A map value becomes a subtree and merges into an existing
// subtree leaf by leaf (wandb-core's path tree): keys it does not mention are
// kept. To replace a whole subtree, [Config.Remove] it first.
//
// The change rule (W&B's ConfigError): replacing a value that is already set
// with a different one returns a [*ValueChangeError] unless allowValChange.
// For a top-level scalar this is exactly W&B's rule; inside a subtree it
// applies to each leaf, so adding new leaves to an existing subtree is fine.
// Equal values are never a change (5 equals 5.0; NaN equals NaN). On any
// error nothing of the update is applied.
func (c *Config) Update(values map[string]any, allowValChange bool) ([]string, error) {
	norm, err := normalizeTop(values)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.applyLocked(norm, allowValChange)
}

// SetDefaults sets the keys of values that are not set yet and leaves the
// others alone (Python's config.setdefaults). It is used for
// config-defaults.yaml and for keys carried over from a resumed run. It
// returns the keys it added, sorted.
func (c *Config) SetDefaults(values map[string]any) ([]string, error) {
	norm, err := normalizeTop(values)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var added []string
	for _, k := range sortedKeys(norm) {
		if _, ok := c.tree[k]; !ok {
			c.tree[k] = norm[k]
			added = append(added, k)
		}
	}
	return added, nil
}

// applyLocked checks every key first and then applies them all, so a failed
// update changes nothing.
func (c *Config) applyLocked(norm map[string]any, allow bool) ([]string, error) {
	pending := make(map[string]any, len(norm))
	var changed []string
	for _, k := range sortedKeys(norm) {
		old, present := c.tree[k]
		r, ch, err := merge([]string{k}, old, present, norm[k], allow)
		if err != nil {
			return nil, err
		}
		if ch {
			pending[k] = r
			changed = append(changed, k)
		}
	}
	for k, v := range pending {
		c.tree[k] = v
	}
	return changed, nil
}

// normalizeTop sanitises the top-level keys of values and normalises the
// values.
func normalizeTop(values map[string]any) (map[string]any, error) {
	norm := make(map[string]any, len(values))
	raw := make(map[string]string, len(values)) // sanitised → original key
	for _, k := range sortedKeys(values) {
		key := sanitizeKey(k)
		if key == "" {
			return nil, fmt.Errorf("%w: key %q is empty after stripping '-'", ErrInvalidKey, k)
		}
		v, err := normalizeAt(values[k], []string{key})
		if err != nil {
			return nil, err
		}
		if prev, dup := norm[key]; dup && !equalValues(prev, v) {
			return nil, fmt.Errorf("%w: keys %q and %q both mean %q but have different values", ErrInvalidKey, raw[key], k, key)
		}
		norm[key] = v
		raw[key] = k
	}
	return norm, nil
}

// Set sets one top-level key; see [Config.Update] for the rules.
func (c *Config) Set(key string, value any, allowValChange bool) error {
	_, err := c.Update(map[string]any{key: value}, allowValChange)
	return err
}

// SetPath sets the value at a nested path such as ["optimizer", "lr"],
// creating subtrees as needed. The first element is a top-level key and is
// sanitised like one. The change rule applies to the leaf: setting a new leaf
// under an existing subtree is fine, changing an existing leaf (or a scalar
// that stands where the path needs a subtree) needs allowValChange.
func (c *Config) SetPath(path []string, value any, allowValChange bool) error {
	if len(path) == 0 {
		return fmt.Errorf("%w: empty path", ErrInvalidKey)
	}
	_, err := c.Update(map[string]any{path[0]: nest(path, value)}, allowValChange)
	return err
}

// Get returns a deep copy of a top-level value.
func (c *Config) Get(key string) (any, bool) {
	return c.GetPath([]string{key})
}

// GetPath returns a deep copy of the value at a nested path; the empty path
// is not found.
func (c *Config) GetPath(path []string) (any, bool) {
	if len(path) == 0 {
		return nil, false
	}
	path = append([]string{sanitizeKey(path[0])}, path[1:]...)
	c.mu.RLock()
	defer c.mu.RUnlock()
	v, ok := getPath(c.tree, path)
	if !ok {
		return nil, false
	}
	return deepCopy(v), true
}

// Remove deletes a top-level key and reports whether it was set. Removal is
// not subject to the change rule (W&B's ConfigRecord.remove).
func (c *Config) Remove(key string) bool {
	return c.RemovePath([]string{key})
}

// RemovePath deletes the value at a nested path and reports whether it was
// set. Parent subtrees are kept, even when they become empty.
func (c *Config) RemovePath(path []string) bool {
	if len(path) == 0 {
		return false
	}
	path = append([]string{sanitizeKey(path[0])}, path[1:]...)
	c.mu.Lock()
	defer c.mu.Unlock()
	parent := c.tree
	if len(path) > 1 {
		p, ok := getPath(c.tree, path[:len(path)-1])
		if !ok {
			return false
		}
		if parent, ok = p.(map[string]any); !ok {
			return false
		}
	}
	last := path[len(path)-1]
	if _, ok := parent[last]; !ok {
		return false
	}
	delete(parent, last)
	return true
}

// Keys returns the visible top-level keys, sorted. Keys starting with "_"
// (such as "_wandb") are hidden, as in W&B.
func (c *Config) Keys() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	keys := make([]string, 0, len(c.tree))
	for k := range c.tree {
		if !strings.HasPrefix(k, "_") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// Len returns the number of visible top-level keys (len(c.Keys())).
func (c *Config) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n := 0
	for k := range c.tree {
		if !strings.HasPrefix(k, "_") {
			n++
		}
	}
	return n
}

// Map returns a deep copy of the whole tree, including hidden "_" keys. It
// is what [WriteYAML] and [WrappedJSON] take.
func (c *Config) Map() map[string]any {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return copyMap(c.tree)
}

// ValueJSON returns the JSON encoding of a top-level value, as sent in
// ConfigItem.value_json (see [EncodeJSON] for NaN and infinities).
func (c *Config) ValueJSON(key string) (string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	v, ok := c.tree[sanitizeKey(key)]
	if !ok {
		return "", false
	}
	return string(appendJSON(nil, v)), true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
