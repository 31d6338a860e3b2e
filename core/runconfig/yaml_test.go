package runconfig

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// realRunConfig is a config.yaml written by the Python client (legacy form).
const realRunConfig = "../../../shared/testdata/wandb-offline-run/offline-run-20210216_154407-g9dvvkua/files/config.yaml"

// sampleConfig exercises every value kind the writer handles.
func sampleConfig() map[string]any {
	return map[string]any{
		"lr":         0.001,
		"epochs":     20,
		"dropout":    0.5,
		"whole":      5.0,
		"big":        1e21,
		"tiny":       1e-7,
		"amp":        true,
		"model":      "resnet50",
		"looks_bool": "true",
		"looks_int":  "42",
		"looks_date": "2021-02-16",
		"merge_key":  map[string]any{"<<": 1},
		"empty_str":  "",
		"nothing":    nil,
		"notes":      "line one\nline two\n",
		"control":    "bell\a and tab\tend ",
		"unicode":    "héllo, 世界",
		"nan":        math.NaN(),
		"inf":        math.Inf(1),
		"neg_inf":    math.Inf(-1),
		"layers":     []int{64, 128, 256},
		"no_layers":  []int{},
		"optimizer": map[string]any{
			"name":  "adam",
			"betas": []float64{0.9, 0.999},
			"sched": map[string]any{"kind": "cosine", "warmup": 100},
		},
		"empty_map": map[string]any{},
		"_wandb": map[string]any{
			"cli_version": "0.28.3",
			"t":           map[int]any{1: []int{1, 55}, 4: "3.12.1"},
		},
	}
}

func TestWriteYAMLGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteYAML(&buf, sampleConfig()); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "config.golden.yaml")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("WriteYAML output differs from %s (run with -update to accept):\n%s", golden, buf.String())
	}
}

func TestWriteYAMLShape(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteYAML(&buf, map[string]any{"b": 1, "a": map[string]any{"x": "adam"}}); err != nil {
		t.Fatal(err)
	}
	want := "a:\n    value:\n        x: adam\nb:\n    value: 1\n"
	if buf.String() != want {
		t.Errorf("WriteYAML =\n%s\nwant\n%s", buf.String(), want)
	}
	buf.Reset()
	if err := WriteYAML(&buf, nil); err != nil || buf.String() != "{}\n" {
		t.Errorf("empty config = %q, %v", buf.String(), err)
	}
	if err := WriteYAML(&buf, map[string]any{"f": func() {}}); !errors.Is(err, ErrInvalidValue) {
		t.Errorf("invalid value error = %v", err)
	}
}

func TestYAMLRoundTrip(t *testing.T) {
	in := sampleConfig()
	var buf bytes.Buffer
	if err := WriteYAML(&buf, in); err != nil {
		t.Fatal(err)
	}
	got, err := ReadYAML(&buf)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Normalize(in)
	if !equalValues(got, want) || !sameTypes(got, want) {
		t.Errorf("round trip:\n got %#v\nwant %#v", got, want)
	}
}

func TestReadYAMLForms(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want map[string]any
	}{
		{"empty", "", map[string]any{}},
		{"comment only", "# nothing\n", map[string]any{}},
		{"plain", "lr: 0.1\nepochs: 5\nopt:\n  name: adam\n", map[string]any{"lr": 0.1, "epochs": int64(5), "opt": map[string]any{"name": "adam"}}},
		{"core wrapped", "lr:\n    value: 0.1\nopt:\n    value:\n        name: adam\n", map[string]any{"lr": 0.1, "opt": map[string]any{"name": "adam"}}},
		{"legacy wrapped", "wandb_version: 1\n\nlr:\n  desc: null\n  value: 0.1\nepochs:\n  desc: how long\n  value: 5\n", map[string]any{"lr": 0.1, "epochs": int64(5)}},
		{"legacy version only", "wandb_version: 1\n", map[string]any{}},
		{"legacy extra keys tolerated", "wandb_version: 1\nlr:\n  value: 0.1\n  extra: 1\n", map[string]any{"lr": 0.1}},
		{"mixed is plain", "lr: 0.1\nopt:\n  value: 3\n", map[string]any{"lr": 0.1, "opt": map[string]any{"value": int64(3)}}},
		{"wrapped needs only value and desc", "opt:\n  value: 3\n  other: 4\n", map[string]any{"opt": map[string]any{"value": int64(3), "other": int64(4)}}},
		{"int keys become strings", "t:\n  value:\n    4: 3.7.5\n", map[string]any{"t": map[string]any{"4": "3.7.5"}}},
		{"timestamps stay strings", "d: 2021-02-16\nt: 2001-12-14t21:59:43.10-05:00\n", map[string]any{"d": "2021-02-16", "t": "2001-12-14t21:59:43.10-05:00"}},
		{"special floats", "a: .nan\nb: -.inf\n", map[string]any{"a": math.NaN(), "b": math.Inf(-1)}},
		{"anchors", "base: &b {x: 1}\nother: *b\n", map[string]any{"base": map[string]any{"x": int64(1)}, "other": map[string]any{"x": int64(1)}}},
		{"_wandb kept", "_wandb:\n    value:\n        cli_version: 1.0\n", map[string]any{"_wandb": map[string]any{"cli_version": 1.0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadYAML(strings.NewReader(tt.doc))
			if err != nil {
				t.Fatalf("ReadYAML: %v", err)
			}
			if !equalValues(got, tt.want) || !sameTypes(got, tt.want) {
				t.Errorf("ReadYAML = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestReadYAMLErrors(t *testing.T) {
	tests := []struct {
		name, doc, wantMsg string
	}{
		{"syntax", "a: [1, 2\n", "yaml:"},
		{"duplicate key", "a: 1\na: 2\n", "already defined"},
		{"not a mapping", "- 1\n- 2\n", "top level must be a mapping of config keys, not a list"},
		{"scalar document", "42\n", "not a number"},
		{"version 2", "wandb_version: 2\nlr:\n  value: 1\n", "unknown wandb_version 2"},
		{"version string", "wandb_version: \"1\"\n", `unknown wandb_version "1"`},
		{"versioned but plain", "wandb_version: 1\nlr: 0.1\n", `key "lr": want {value: ...}`},
		{"versioned without value", "wandb_version: 1\nlr:\n  desc: x\n", `key "lr": no "value" entry`},
		{"too deep", "a: " + strings.Repeat("[", 70) + strings.Repeat("]", 70), `at "a[0][0][0][0][0]…[0][0][0][0][0][0]": nested deeper than 64 levels`},
		{"colliding keys", "t:\n  1.0: a\n  \"1\": b\n", `two keys that both convert to "1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadYAML(strings.NewReader(tt.doc))
			if !errors.Is(err, ErrInvalidFormat) {
				t.Fatalf("error = %v, want ErrInvalidFormat", err)
			}
			if !strings.HasPrefix(err.Error(), "runconfig: ") || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not contain %q", err, tt.wantMsg)
			}
			if strings.Count(err.Error(), "runconfig:") != 1 {
				t.Errorf("error %q repeats the package prefix", err)
			}
		})
	}
}

func TestReadRealWandbConfig(t *testing.T) {
	data, err := os.ReadFile(realRunConfig)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("shared W&B test data not available (%s); skipping", realRunConfig)
	}
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadYAML(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"_wandb": map[string]any{
			"cli_version":      "0.10.20.dev1",
			"code_path":        "code/standalone_tests/code-toad.py",
			"is_jupyter_run":   false,
			"is_kaggle_kernel": false,
			"python_version":   "3.7.5",
			"t":                map[string]any{"4": "3.7.5", "5": "0.10.20.dev1"},
		},
	}
	if !equalValues(got, want) {
		t.Errorf("ReadYAML = %#v\nwant %#v", got, want)
	}

	// FromYAMLFile drops _wandb: it belongs to the run that wrote the file.
	m, err := FromYAMLFile(realRunConfig)
	if err != nil || len(m) != 0 {
		t.Errorf("FromYAMLFile = %v, %v; want empty map", m, err)
	}

	// Re-written in core's format, it reads back the same.
	var buf bytes.Buffer
	if err := WriteYAML(&buf, got); err != nil {
		t.Fatal(err)
	}
	again, err := ReadYAML(&buf)
	if err != nil || !equalValues(again, got) {
		t.Errorf("re-read = %v, %v", again, err)
	}
}

func TestFromYAMLFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	plain := write("plain.yaml", "lr: 0.1\n_wandb: {x: 1}\nlayers: [1, 2]\n")
	m, err := FromYAMLFile(plain)
	if err != nil || !equalValues(m, map[string]any{"lr": 0.1, "layers": []any{int64(1), int64(2)}}) {
		t.Errorf("plain = %v, %v", m, err)
	}
	legacy := write("legacy.yaml", "wandb_version: 1\n\n_wandb:\n  desc: null\n  value: {t: 1}\nlr:\n  desc: null\n  value: 0.1\n")
	m, err = FromYAMLFile(legacy)
	if err != nil || !equalValues(m, map[string]any{"lr": 0.1}) {
		t.Errorf("legacy = %v, %v", m, err)
	}
	bad := write("bad.yaml", "wandb_version: 3\n")
	want := "runconfig: invalid config file " + bad + ": unknown wandb_version 3 (only 1 is supported)"
	if _, err := FromYAMLFile(bad); !errors.Is(err, ErrInvalidFormat) || err.Error() != want {
		t.Errorf("bad version error = %v", err)
	}
	if _, err := FromYAMLFile(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file error = %v", err)
	}
}

func TestWriteYAMLFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteYAMLFile(path, map[string]any{"lr": 0.1}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil || string(data) != "lr:\n    value: 0.1\n" {
		t.Errorf("file = %q, %v", data, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, %v", fi.Mode(), err)
	}
	// A failed write leaves the old file and no temporary files.
	if err := WriteYAMLFile(path, map[string]any{"f": func() {}}); err == nil {
		t.Error("want error for invalid value")
	}
	if err := WriteYAMLFile(filepath.Join(dir, "missing", "config.yaml"), nil); err == nil {
		t.Error("want error for a missing directory")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only config.yaml", len(entries))
	}
	if data, _ := os.ReadFile(path); string(data) != "lr:\n    value: 0.1\n" {
		t.Errorf("file changed by a failed write: %q", data)
	}
}

func TestYAMLRoundTripTrickyStrings(t *testing.T) {
	strs := []string{
		"", " ", "  lead", "trail ", "\n", " \n", "\n\n", "a\n", "a\n ", "a \nb", "a\n\tb", "\ta", "a\r\nb", "a\rb",
		"\u0085", "a\u0085b", "\ufeffbom", "\u2028", "\x00", "\x7f", "\u00a0nbsp",
		"#x", "- x", ": x", "x:", "x: y", "? x", "null", "Null", "~", "0x1F", "0o17", "017", "1_000", ".5", "+1", "1e3",
		"yes", "no", "on", "off", "y", "n", "=", "!tag", "&a", "*a", "%x", "@x", "`x", "'", "\"", "'a'", "\"a\"",
		"<<", "[a]", "{a: b}", ".inf", ".nan", "-", "---", "...", "a # b", "|", ">", "line\n  indented\n", "  indented\nline",
	}
	cfg := map[string]any{}
	for i, s := range strs {
		cfg[fmt.Sprintf("s%02d", i)] = s
		cfg[s+"_key"] = i
	}
	cfg["as_keys"] = func() map[string]any {
		m := map[string]any{}
		for i, s := range strs {
			m[s] = i
		}
		return m
	}()
	var buf bytes.Buffer
	if err := WriteYAML(&buf, cfg); err != nil {
		t.Fatal(err)
	}
	got, err := ReadYAML(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("ReadYAML: %v\n%s", err, buf.String())
	}
	want, _ := Normalize(cfg)
	for k, w := range want.(map[string]any) {
		if g := got[k]; !equalValues(g, w) || !sameTypes(g, w) {
			t.Errorf("key %q: got %#v, want %#v", k, g, w)
		}
	}
	if len(got) != len(want.(map[string]any)) {
		t.Errorf("got %d keys, want %d", len(got), len(want.(map[string]any)))
	}
}
