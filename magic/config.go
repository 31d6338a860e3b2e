package magic

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// EnvMagic is the environment variable that turns magic on and configures
// it (W&B's WANDB_MAGIC).
const EnvMagic = "WANDB_MAGIC"

// Config is what magic does for a run. Each part can be turned off by its
// key in WANDB_MAGIC or WithMagic (the key in parentheses).
type Config struct {
	// Enable turns magic on for the run ("enable").
	Enable bool
	// Flags puts the command-line flags into the config ("flags").
	Flags bool
	// Code saves the main package's source files under files/code/ ("code").
	Code bool
	// Git writes files/diff.patch, the uncommitted changes ("git").
	Git bool
	// Integrations starts the registered integrations the environment asks
	// for ("integrations"); Off lists those turned off by name
	// ("integrations.<name>").
	Integrations bool
	Off          []string
}

// DefaultConfig is magic's configuration when nothing says otherwise:
// every part on, magic itself off until WithMagic, WANDB_MAGIC or the
// magic/auto import turns it on.
func DefaultConfig() Config {
	return Config{Flags: true, Code: true, Git: true, Integrations: true}
}

// layer is one source's settings: keys (enable, flags, code, git,
// integrations, integrations.<name>) to values. Applied over the layers
// below it, it changes only the keys it has.
type layer map[string]bool

func (c *Config) apply(l layer) {
	for _, k := range slices.Sorted(maps.Keys(l)) {
		v := l[k]
		switch k {
		case "enable":
			c.Enable = v
		case "flags":
			c.Flags = v
		case "code":
			c.Code = v
		case "git":
			c.Git = v
		case "integrations":
			c.Integrations = v
		default: // integrations.<name>, checked by parseLayer
			name := strings.TrimPrefix(k, "integrations.")
			c.Off = slices.DeleteFunc(c.Off, func(s string) bool { return s == name })
			if !v {
				c.Off = append(c.Off, name)
			}
		}
	}
}

// layerOf turns a Config into the layer that sets all of it.
func layerOf(c Config) layer {
	l := layer{"enable": c.Enable, "flags": c.Flags, "code": c.Code, "git": c.Git, "integrations": c.Integrations}
	for _, name := range c.Off {
		l["integrations."+name] = false
	}
	return l
}

// ErrInvalidConfig is returned (wrapped) for a WANDB_MAGIC or WithMagic
// value magic cannot read.
var ErrInvalidConfig = errors.New("magic: invalid configuration")

// parseValue reads a WithMagic value: a bool, a string in WANDB_MAGIC's
// syntax, a map, or a Config.
func parseValue(v any) (layer, error) {
	switch t := v.(type) {
	case nil:
		return nil, nil
	case bool:
		return layer{"enable": t}, nil
	case string:
		return parseString(t)
	case map[string]any:
		return parseMap(t)
	case Config:
		return layerOf(t), nil
	case *Config:
		if t == nil {
			return nil, nil
		}
		return layerOf(*t), nil
	}
	return nil, fmt.Errorf("%w: WithMagic(%T): want a bool, a string, a map[string]any or a magic.Config", ErrInvalidConfig, v)
}

// parseString reads WANDB_MAGIC's syntax (W&B's, without Keras):
//
//	true, false (also 1/0, yes/no, on/off)   magic on or off
//	{"code": false, "integrations": {"tensorboard": false}}   JSON
//	code=false,git=false                     key=value pairs
//	magic.yaml, magic.json                   a file holding YAML or JSON
//
// Keys are enable, flags, code, git, integrations and
// integrations.<name>, nested or dotted; "<key>.enable" is "<key>", as in
// W&B's nested form. W&B's own keys are read where they mean something
// here (args and args.argparse are flags) and ignored where they do not
// (keras.*, args.absl, args.sys). A configuration other than a bare true or
// false turns magic on unless it sets enable.
func parseString(s string) (layer, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if b, ok := parseBool(s); ok {
		return layer{"enable": b}, nil
	}
	var m map[string]any
	switch {
	case strings.HasPrefix(s, "{"):
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			return nil, fmt.Errorf("%w: %q is not a JSON object: %w", ErrInvalidConfig, s, err)
		}
	case hasExt(s, ".yaml", ".yml", ".json"):
		data, err := os.ReadFile(s)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
		if err := yaml.Unmarshal(data, &m); err != nil { // YAML reads JSON too
			return nil, fmt.Errorf("%w: %s: %w", ErrInvalidConfig, s, err)
		}
	case strings.Contains(s, "="):
		m = map[string]any{}
		for _, kv := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || strings.TrimSpace(k) == "" {
				return nil, fmt.Errorf("%w: %q in %q is not key=value", ErrInvalidConfig, kv, s)
			}
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	default:
		return nil, fmt.Errorf("%w: %q: want true/false, a JSON object, key=value pairs or a .yaml/.json file", ErrInvalidConfig, s)
	}
	return parseMap(m)
}

func hasExt(s string, exts ...string) bool {
	return slices.Contains(exts, strings.ToLower(filepath.Ext(s)))
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes", "on":
		return true, true
	case "false", "0", "no", "off":
		return false, true
	}
	return false, false
}

// parseMap reads a nested or dotted map of settings.
func parseMap(m map[string]any) (layer, error) {
	l := layer{}
	var errs []error
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			key := strings.ToLower(strings.TrimSpace(k))
			if prefix != "" {
				key = prefix + "." + key
			}
			switch v := m[k].(type) {
			case map[string]any:
				walk(key, v)
				continue
			case bool:
				errs = append(errs, l.set(key, v))
			case string:
				b, ok := parseBool(v)
				if !ok {
					errs = append(errs, fmt.Errorf("%w: %s=%q is not true or false", ErrInvalidConfig, key, v))
					continue
				}
				errs = append(errs, l.set(key, b))
			case float64:
				errs = append(errs, l.set(key, v != 0))
			case int:
				errs = append(errs, l.set(key, v != 0))
			default:
				errs = append(errs, fmt.Errorf("%w: %s=%v is not true or false", ErrInvalidConfig, key, v))
			}
		}
	}
	walk("", m)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if _, ok := l["enable"]; !ok {
		l["enable"] = true // asking for a configuration asks for magic
	}
	return l, nil
}

func (l layer) set(key string, v bool) error {
	key = strings.TrimSuffix(key, ".enable")
	switch {
	case key == "keras" || strings.HasPrefix(key, "keras."), key == "args.absl", key == "args.sys":
		return nil // W&B's keys for what Go does not have: accepted, ignored
	case key == "args" || key == "args.argparse":
		key = "flags" // W&B's argparse capture is our flag capture
	}
	switch key {
	case "enable", "flags", "code", "git", "integrations":
		l[key] = v
		return nil
	}
	if name, ok := strings.CutPrefix(key, "integrations."); ok && name != "" && !strings.Contains(name, ".") {
		l[key] = v
		return nil
	}
	return fmt.Errorf("%w: unknown key %q (want enable, flags, code, git, integrations or integrations.<name>)", ErrInvalidConfig, key)
}

// resolve layers magic's sources for a run, low to high: the defaults,
// magic/auto (enable), WANDB_MAGIC, WithMagic. A source that cannot be
// read is left out and reported in the error; for WANDB_MAGIC it still
// turns magic on, since it was set.
func resolve(option any, env string, envSet, auto bool) (Config, error) {
	c := DefaultConfig()
	if auto {
		c.apply(layer{"enable": true})
	}
	var errs []error
	if envSet {
		l, err := parseString(env)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", EnvMagic, err))
			l = layer{"enable": true}
		}
		c.apply(l)
	}
	l, err := parseValue(option)
	if err != nil {
		errs = append(errs, err)
	}
	c.apply(l)
	return c, errors.Join(errs...)
}
