package runconfig

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// FuzzReadYAML checks that ReadYAML never panics and that whatever it
// accepts survives WriteYAML → ReadYAML unchanged.
func FuzzReadYAML(f *testing.F) {
	seeds := []string{
		"",
		"lr: 0.1\nepochs: 5\n",
		"wandb_version: 1\n\n_wandb:\n  desc: null\n  value:\n    cli_version: 0.10.20.dev1\n    t:\n      4: 3.7.5\n",
		"lr:\n    value: 0.1\nopt:\n    value:\n        name: adam\n",
		"a: [1, 2.5, .nan, -.inf, null, true, \"x\"]\n",
		"base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n",
		"s: |\n  multi\n  line\n",
		"d: 2021-02-16\nbin: !!binary aGVsbG8=\n",
		"? [1, 2]\n: x\n",
		"wandb_version: 2\n",
		"- 1\n",
		"k: \"\\t\\u0085\\x00\"\n",
	}
	if data, err := os.ReadFile(realRunConfig); err == nil {
		seeds = append(seeds, string(data))
	}
	var buf bytes.Buffer
	if err := WriteYAML(&buf, sampleConfig()); err == nil {
		seeds = append(seeds, buf.String())
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ReadYAML(bytes.NewReader(data))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "runconfig: ") {
				t.Errorf("error without prefix: %v", err)
			}
			return
		}
		var out bytes.Buffer
		if err := WriteYAML(&out, m); err != nil {
			t.Fatalf("WriteYAML of a parsed config: %v\nconfig: %#v", err, m)
		}
		again, err := ReadYAML(bytes.NewReader(out.Bytes()))
		if err != nil {
			t.Fatalf("ReadYAML of our own output: %v\noutput:\n%s", err, out.String())
		}
		if !equalValues(m, again) || !sameTypes(m, again) {
			t.Fatalf("round trip changed the config:\nbefore %#v\nafter  %#v\noutput:\n%s", m, again, out.String())
		}
	})
}
