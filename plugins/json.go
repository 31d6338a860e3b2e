package plugins

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"

	"github.com/gowandb/wandb/core/wjson"
)

// appendJSON appends v as JSON, writing non-finite floats as W&B's tokens,
// which encoding/json refuses.
func appendJSON(b []byte, v any) ([]byte, error) {
	return appendJSONDepth(b, v, 0)
}

const maxJSONDepth = 100

func appendJSONDepth(b []byte, v any, depth int) ([]byte, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("nested more than %d levels", maxJSONDepth)
	}
	switch t := v.(type) {
	case float64:
		return wjson.AppendFloat(b, t), nil
	case float32:
		return wjson.AppendFloat32(b, float64(t)), nil
	case map[string]any:
		b = append(b, '{')
		for i, k := range slices.Sorted(maps.Keys(t)) {
			if i > 0 {
				b = append(b, ',')
			}
			kb, err := json.Marshal(k)
			if err != nil {
				return nil, err
			}
			b = append(append(b, kb...), ':')
			if b, err = appendJSONDepth(b, t[k], depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	case []any:
		b = append(b, '[')
		for i, x := range t {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendJSONDepth(b, x, depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	}
	js, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, js...), nil
}

// decodeObject decodes a JSON object (W&B's tokens allowed); empty input is
// an empty map.
func decodeObject(b []byte) (map[string]any, error) {
	if len(b) == 0 {
		return map[string]any{}, nil
	}
	v, err := wjson.Decode(b)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not a JSON object")
	}
	return m, nil
}

// DecodeValue decodes one JSON value of an emission the way the host does:
// W&B's NaN, Infinity and -Infinity tokens are accepted, integers without a
// fraction or exponent come back as int64, other numbers as float64.
// Plain numbers and literals, the common case, skip the JSON decoder.
func DecodeValue(b []byte) (any, error) {
	switch string(b) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null":
		return nil, nil
	case "NaN":
		return math.NaN(), nil
	case "Infinity":
		return math.Inf(1), nil
	case "-Infinity":
		return math.Inf(-1), nil
	}
	if ok, integer := jsonNumber(b); ok {
		s := string(b)
		if integer {
			if i, err := strconv.ParseInt(s, 10, 64); err == nil {
				return i, nil
			}
		}
		f, _ := strconv.ParseFloat(s, 64) // out of range: ±Inf, as encoding/json's Number gives
		return f, nil
	}
	v, err := wjson.Decode(b)
	if err != nil {
		return nil, fmt.Errorf("plugins: %w", err)
	}
	return v, nil
}

// jsonNumber reports whether b is exactly one JSON number, and whether it
// has neither fraction nor exponent.
func jsonNumber(b []byte) (ok, integer bool) {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	digits := func() int {
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i - start
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case digits() == 0:
		return false, false
	}
	integer = true
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return false, false
		}
		integer = false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false, false
		}
		integer = false
	}
	return i == len(b), integer
}
