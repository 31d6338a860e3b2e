package wandb

import (
	"slices"
	"strings"

	"github.com/gowandb/wandb/core/record/recordpb"
	"github.com/gowandb/wandb/core/runconfig"
)

// Config is a run's hyperparameters: a nested key/value tree with W&B's
// rule that a key, once set, keeps its value unless allow_val_change is on
// (wandb-behaviour.md §2). Keys starting with "_" are reserved and hidden
// from Keys. A nil *Config (the package-level config before Init) returns
// ErrNotInitialized.
type Config struct {
	run            *Run
	c              *runconfig.Config
	allowValChange bool
}

// Set sets one top-level key. Nested maps and structs become subtrees.
func (c *Config) Set(key string, value any) error {
	return c.Update(map[string]any{key: value})
}

// SetAllowValChange sets one top-level key even when it already has another
// value.
func (c *Config) SetAllowValChange(key string, value any) error {
	return c.update(map[string]any{key: value}, true)
}

// SetPath sets a nested key, such as []string{"optimizer", "lr"}.
func (c *Config) SetPath(path []string, value any) error {
	if err := c.check(); err != nil {
		return err
	}
	if err := c.c.SetPath(path, value, c.allowValChange); err != nil {
		return wrap("config", err)
	}
	c.emit([]string{topKey(path[0])})
	return nil
}

// Update sets several top-level keys at once. If any of them would change an
// existing value without allow_val_change, none is applied and the error
// is a *ConfigValueChangeError.
func (c *Config) Update(values map[string]any) error {
	if c == nil {
		return ErrNotInitialized
	}
	return c.update(values, c.allowValChange)
}

// UpdateAllowValChange is Update with allow_val_change for this call.
func (c *Config) UpdateAllowValChange(values map[string]any) error {
	return c.update(values, true)
}

// SetDefaults sets the keys that are not set yet (W&B's setdefaults).
func (c *Config) SetDefaults(values map[string]any) error {
	if err := c.check(); err != nil {
		return err
	}
	changed, err := c.c.SetDefaults(values)
	if err != nil {
		return wrap("config", err)
	}
	c.emit(changed)
	return nil
}

func (c *Config) update(values map[string]any, allow bool) error {
	if err := c.check(); err != nil {
		return err
	}
	changed, err := c.c.Update(values, allow)
	if err != nil {
		return wrap("config", err)
	}
	c.emit(changed)
	return nil
}

// Remove deletes a top-level key.
func (c *Config) Remove(key string) error {
	if err := c.check(); err != nil {
		return err
	}
	if !c.c.Remove(key) {
		return nil
	}
	if !c.run.disabled {
		c.run.handler.Emit(&recordpb.Record{RecordType: &recordpb.Record_Config{Config: &recordpb.ConfigRecord{Remove: []*recordpb.ConfigItem{{Key: topKey(key)}}}}})
		c.run.configDirty.Store(true)
	}
	return nil
}

// Get returns a copy of a top-level value.
func (c *Config) Get(key string) (any, bool) {
	if c == nil {
		return nil, false
	}
	return c.c.Get(key)
}

// GetPath returns a copy of a nested value.
func (c *Config) GetPath(path ...string) (any, bool) {
	if c == nil {
		return nil, false
	}
	return c.c.GetPath(path)
}

// Keys returns the top-level keys, sorted, without reserved "_" keys.
func (c *Config) Keys() []string {
	if c == nil {
		return nil
	}
	return c.c.Keys()
}

// Map returns a deep copy of the whole config, reserved keys included.
func (c *Config) Map() map[string]any {
	if c == nil {
		return nil
	}
	return c.c.Map()
}

// Len counts the visible top-level keys.
func (c *Config) Len() int {
	if c == nil {
		return 0
	}
	return len(c.c.Keys())
}

// topKey is a top-level key as the config stores it: without leading and
// trailing '-' (runconfig's argparse rule), so records name the stored key.
func topKey(k string) string { return strings.Trim(k, "-") }

func (c *Config) check() error {
	if c == nil {
		return ErrNotInitialized
	}
	return c.run.check()
}

// emit writes a ConfigRecord for the changed top-level keys.
func (c *Config) emit(keys []string) {
	if len(keys) == 0 || c.run.disabled {
		return
	}
	c.run.handler.Emit(&recordpb.Record{RecordType: &recordpb.Record_Config{Config: c.record(keys, false)}})
	c.run.configDirty.Store(true)
}

// record builds a ConfigRecord with the current values of keys.
func (c *Config) record(keys []string, all bool) *recordpb.ConfigRecord {
	if all {
		keys = slices.Sorted(func(yield func(string) bool) {
			for k := range c.c.Map() {
				if !yield(k) {
					return
				}
			}
		})
	}
	rec := &recordpb.ConfigRecord{}
	for _, k := range keys {
		if v, ok := c.c.ValueJSON(k); ok {
			rec.Update = append(rec.Update, &recordpb.ConfigItem{Key: k, ValueJson: v})
		} else {
			rec.Remove = append(rec.Remove, &recordpb.ConfigItem{Key: k})
		}
	}
	return rec
}

// setConfigFromMedia sets a config entry on behalf of a media value being
// written (class labels under _wandb). It runs on the run log's writer.
func (r *Run) setConfigFromMedia(path []string, value any) {
	if len(path) == 0 {
		return
	}
	if err := r.config.c.SetPath(path, value, true); err != nil {
		r.warn("config %v: %v", path, err)
		return
	}
	r.handler.EmitInDrain(&recordpb.Record{RecordType: &recordpb.Record_Config{Config: r.config.record([]string{path[0]}, false)}})
	r.configDirty.Store(true)
}
