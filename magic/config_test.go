package magic

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestParseString(t *testing.T) {
	dir := t.TempDir()
	yamlFile := filepath.Join(dir, "magic.yaml")
	os.WriteFile(yamlFile, []byte("code: false\nintegrations:\n  tensorboard: false\n"), 0o644)
	jsonFile := filepath.Join(dir, "magic.json")
	os.WriteFile(jsonFile, []byte(`{"enable": false}`), 0o644)
	tests := []struct {
		name, in string
		want     layer
		err      bool
	}{
		{"empty", "", nil, false},
		{"true", "true", layer{"enable": true}, false},
		{"False", "False", layer{"enable": false}, false},
		{"1", "1", layer{"enable": true}, false},
		{"off", "off", layer{"enable": false}, false},
		{"json", `{"code": false, "git": true}`, layer{"enable": true, "code": false, "git": true}, false},
		{"json nested enable", `{"flags": {"enable": false}, "integrations": {"tensorboard": false}}`,
			layer{"enable": true, "flags": false, "integrations.tensorboard": false}, false},
		{"json enable false", `{"enable": false, "code": true}`, layer{"enable": false, "code": true}, false},
		{"k=v", "code=false,git=0 flags=yes", layer{"enable": true, "code": false, "git": false, "flags": true}, false},
		{"dotted", "integrations.tensorboard=false,flags.enable=false", layer{"enable": true, "integrations.tensorboard": false, "flags": false}, false},
		{"yaml file", yamlFile, layer{"enable": true, "code": false, "integrations.tensorboard": false}, false},
		{"json file", jsonFile, layer{"enable": false}, false},
		{"missing file", filepath.Join(dir, "none.yaml"), nil, true},
		{"bad json", `{"code": `, nil, true},
		{"unknown key", "tensorflow=true", nil, true},
		{"W&B keys", `{"keras": {"fit": {"callbacks": {"tensorboard": {"enable": false}}}}, "args": {"argparse": {"enable": false}, "sys": {"enable": true}}}`,
			layer{"enable": true, "flags": false}, false},
		{"not a bool", "code=maybe", nil, true},
		{"no key", "=true", nil, true},
		{"garbage", "please", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseString(tt.in)
			if (err != nil) != tt.err {
				t.Fatalf("error %v, want error %v", err, tt.err)
			}
			if err != nil && !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("error %v does not wrap ErrInvalidConfig", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestResolvePrecedence(t *testing.T) {
	on := DefaultConfig()
	on.Enable = true
	tests := []struct {
		name   string
		option any
		env    string
		envSet bool
		auto   bool
		want   Config
		err    bool
	}{
		{"nothing", nil, "", false, false, DefaultConfig(), false},
		{"auto", nil, "", false, true, on, false},
		{"env on", nil, "true", true, false, on, false},
		{"env off beats auto", nil, "false", true, true, DefaultConfig(), false},
		{"option off beats env", false, "true", true, true, DefaultConfig(), false},
		{"option on beats env off", true, "false", true, false, on, false},
		{"env config, option on", true, "code=false", true, false, Config{Enable: true, Flags: true, Git: true, Integrations: true}, false},
		{"option map", map[string]any{"git": false, "integrations": map[string]any{"tensorboard": false}}, "", false, false,
			Config{Enable: true, Flags: true, Code: true, Integrations: true, Off: []string{"tensorboard"}}, false},
		{"option string", "flags=false", "", false, false, Config{Enable: true, Code: true, Git: true, Integrations: true}, false},
		{"option Config", Config{Enable: true}, "code=false", true, false, Config{Enable: true}, false},
		{"unreadable env still turns magic on", nil, "please", true, false, on, true},
		{"unreadable option is left out", 42, "", false, true, on, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := resolve(tt.option, tt.env, tt.envSet, tt.auto)
			if (err != nil) != tt.err {
				t.Fatalf("error %v, want error %v", err, tt.err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestFuncPackage(t *testing.T) {
	for in, want := range map[string]string{
		"main.main": "main",
		"github.com/gowandb/wandb.(*Run).runInitHooks": "github.com/gowandb/wandb",
		"github.com/gowandb/wandb/magic.onInit.func1":  "github.com/gowandb/wandb/magic",
		"example.com/a.b/c.F":                          "example.com/a.b/c",
	} {
		if got := funcPackage(in); got != want {
			t.Errorf("funcPackage(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseString(f *testing.F) {
	for _, s := range []string{"true", `{"code": false}`, "code=false,git=true", "integrations.x=0", "{", "=", "a=b=c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := parseString(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("error %v does not wrap ErrInvalidConfig", err)
			}
			return
		}
		if l == nil {
			return
		}
		if _, ok := l["enable"]; !ok {
			t.Fatalf("%q: a configuration without enable: %v", s, l)
		}
		var c Config
		c.apply(l) // never panics
	})
}
