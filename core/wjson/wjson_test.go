package wjson

import (
	"math"
	"reflect"
	"testing"
)

func TestAppendFloat(t *testing.T) {
	tests := []struct {
		f    float64
		want string
	}{
		{0.5, "0.5"}, {3, "3.0"}, {-2, "-2.0"}, {0, "0.0"}, {1e-7, "1e-7"}, {1.5e-9, "1.5e-9"},
		{1e21, "1e+21"}, {123456789, "123456789.0"}, {math.NaN(), "NaN"},
		{math.Inf(1), "Infinity"}, {math.Inf(-1), "-Infinity"},
	}
	for _, tc := range tests {
		if got := string(AppendFloat(nil, tc.f)); got != tc.want {
			t.Errorf("AppendFloat(%v) = %s, want %s", tc.f, got, tc.want)
		}
	}
	if got := string(AppendFloat32(nil, float64(float32(0.1)))); got != "0.1" {
		t.Errorf("AppendFloat32(0.1) = %s", got)
	}
}

func TestAppendString(t *testing.T) {
	tests := map[string]string{
		"plain":      `"plain"`,
		"q\"b\\":     `"q\"b\\"`,
		"\n\t\r\x01": `"\n\t\r\u0001"`,
		"é\u2028":    `"é\u2028"`,
	}
	for in, want := range tests {
		if got := string(AppendString(nil, in)); got != want {
			t.Errorf("AppendString(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestDecode(t *testing.T) {
	got, err := Decode([]byte(`{"a":NaN,"b":[Infinity,-Infinity,1,2.0,"NaN"],"c":{"d":null}}`))
	if err != nil {
		t.Fatal(err)
	}
	m := got.(map[string]any)
	if !math.IsNaN(m["a"].(float64)) {
		t.Fatalf("a = %v", m["a"])
	}
	b := m["b"].([]any)
	if !math.IsInf(b[0].(float64), 1) || !math.IsInf(b[1].(float64), -1) || b[2] != int64(1) || b[3] != 2.0 || b[4] != "NaN" {
		t.Fatalf("b = %#v", b)
	}
	if !reflect.DeepEqual(m["c"], map[string]any{"d": nil}) {
		t.Fatalf("c = %v", m["c"])
	}
	for _, bad := range []string{``, `{`, `[1,]`, `1 2`, `nan`} {
		if _, err := Decode([]byte(bad)); err == nil {
			t.Errorf("Decode(%q) succeeded", bad)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"x":NaN}`))
	f.Add([]byte(`["Infinity",Infinity]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		x, err := Decode(b)
		if err != nil {
			return
		}
		// Whatever decodes encodes and decodes to the same tree.
		var enc func(any) []byte
		enc = func(v any) []byte {
			switch t := v.(type) {
			case nil:
				return []byte("null")
			case bool:
				if t {
					return []byte("true")
				}
				return []byte("false")
			case int64:
				return AppendFloat(nil, float64(t))
			case float64:
				return AppendFloat(nil, t)
			case string:
				return AppendString(nil, t)
			case []any:
				out := []byte("[")
				for i, e := range t {
					if i > 0 {
						out = append(out, ',')
					}
					out = append(out, enc(e)...)
				}
				return append(out, ']')
			case map[string]any:
				out := []byte("{")
				i := 0
				for k, e := range t {
					if i > 0 {
						out = append(out, ',')
					}
					i++
					out = append(AppendString(out, k), ':')
					out = append(out, enc(e)...)
				}
				return append(out, '}')
			}
			return nil
		}
		if _, err := Decode(enc(x)); err != nil {
			t.Fatalf("re-encoding of %q does not decode: %v (%s)", b, err, enc(x))
		}
	})
}
