package runconfig

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// EncodeJSON normalises v and returns its JSON encoding with map keys
// sorted. Finite numbers and strings are encoded like encoding/json (without
// HTML escaping); NaN and ±Inf, which JSON lacks, are written as NaN,
// Infinity and -Infinity like Python's json.dumps, which is what the W&B
// client sends.
func EncodeJSON(v any) (string, error) {
	n, err := Normalize(v)
	if err != nil {
		return "", err
	}
	return string(appendJSON(nil, n)), nil
}

// WrappedJSON returns the config in the form the W&B backend stores and
// upsertBucket's config argument takes: every top-level key wrapped as
// {"<key>": {"value": <value>}}.
func WrappedJSON(cfg map[string]any) (string, error) {
	n, err := Normalize(cfg)
	if err != nil {
		return "", err
	}
	m, _ := n.(map[string]any)
	wrapped := make(map[string]any, len(m))
	for k, v := range m {
		wrapped[k] = map[string]any{"value": v}
	}
	return string(appendJSON(nil, wrapped)), nil
}

// appendJSON encodes a normalised value.
func appendJSON(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case float64:
		return append(b, formatFloatJSON(x)...)
	case string:
		return appendJSONString(b, x)
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, e)
		}
		return append(b, ']')
	case map[string]any:
		b = append(b, '{')
		for i, k := range sortedKeys(x) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSON(b, x[k])
		}
		return append(b, '}')
	}
	// Unreachable for normalised trees; keep the output valid JSON.
	return append(b, "null"...)
}

func appendJSONString(b []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // strings always encode
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}
