package wjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
)

// Sentinels that stand for W&B's bare NaN/Infinity tokens while decoding.
const (
	nanSentinel    = "\x00wandb:NaN\x00"
	posInfSentinel = "\x00wandb:+Inf\x00"
	negInfSentinel = "\x00wandb:-Inf\x00"
)

// newTokenFixer rewrites the bare tokens NaN, Infinity and -Infinity outside
// strings into sentinel strings that encoding/json accepts.
func newTokenFixer(b []byte) io.Reader {
	if !bytes.Contains(b, []byte("NaN")) && !bytes.Contains(b, []byte("Infinity")) {
		return bytes.NewReader(b)
	}
	out := make([]byte, 0, len(b)+32)
	inStr, esc := false, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inStr {
			out = append(out, c)
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		}
		switch {
		case c == '"':
			inStr = true
			out = append(out, c)
		case bytes.HasPrefix(b[i:], []byte("NaN")):
			out = AppendString(out, nanSentinel)
			i += len("NaN") - 1
		case bytes.HasPrefix(b[i:], []byte("-Infinity")):
			out = AppendString(out, negInfSentinel)
			i += len("-Infinity") - 1
		case bytes.HasPrefix(b[i:], []byte("Infinity")):
			out = AppendString(out, posInfSentinel)
			i += len("Infinity") - 1
		default:
			out = append(out, c)
		}
	}
	return bytes.NewReader(out)
}

// fixNumbers turns json.Number into int64/float64 and sentinels back into
// NaN and ±Inf.
func fixNumbers(x any) any {
	switch t := x.(type) {
	case json.Number:
		if !strings.ContainsAny(string(t), ".eE") {
			if i, err := t.Int64(); err == nil {
				return i
			}
		}
		f, _ := t.Float64()
		return f
	case string:
		switch t {
		case nanSentinel:
			return math.NaN()
		case posInfSentinel:
			return math.Inf(1)
		case negInfSentinel:
			return math.Inf(-1)
		}
		return t
	case []any:
		for i := range t {
			t[i] = fixNumbers(t[i])
		}
		return t
	case map[string]any:
		for k, v := range t {
			t[k] = fixNumbers(v)
		}
		return t
	}
	return x
}

// Decode decodes a JSON document that may contain W&B's NaN, Infinity and
// -Infinity tokens. Numbers come back as float64, or int64 when they are
// integers written without a fraction or exponent.
func Decode(b []byte) (any, error) {
	var x any
	d := json.NewDecoder(newTokenFixer(b))
	d.UseNumber()
	if err := d.Decode(&x); err != nil {
		return nil, fmt.Errorf("wjson: %w", err)
	}
	if d.More() {
		return nil, fmt.Errorf("wjson: more than one JSON value")
	}
	return fixNumbers(x), nil
}
