package runconfig

import (
	"math"
	"strings"
)

// The helpers in this file work on normalised trees only: nil, bool, int64,
// float64, string, []any and map[string]any.

// sanitizeKey strips leading and trailing '-' from a top-level key, as W&B
// does for argparse-style names ("--lr" → "lr").
func sanitizeKey(k string) string { return strings.Trim(k, "-") }

// deepCopy copies the containers of a normalised tree; scalars are immutable.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return copyMap(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, e := range m {
		out[k] = deepCopy(e)
	}
	return out
}

// equalValues reports whether two normalised values are the same config
// value. Numbers compare by value across int64 and float64 (5 == 5.0, as in
// Python), and NaN equals NaN so that setting the same value twice is never a
// change.
func equalValues(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case int64:
		switch y := b.(type) {
		case int64:
			return x == y
		case float64:
			return intEqualsFloat(x, y)
		}
		return false
	case float64:
		switch y := b.(type) {
		case float64:
			return x == y || (math.IsNaN(x) && math.IsNaN(y))
		case int64:
			return intEqualsFloat(y, x)
		}
		return false
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalValues(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !equalValues(xv, yv) {
				return false
			}
		}
		return true
	}
	return false
}

// intEqualsFloat compares exactly, without rounding i to a float.
func intEqualsFloat(i int64, f float64) bool {
	if f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 {
		return false
	}
	return int64(f) == i
}

// merge computes the value at path after merging nv into old (present
// reports whether old exists). Maps merge key by key; anything else is a
// leaf that nv replaces. Replacing a present leaf with a different value
// fails with *ValueChangeError unless allow. merge never modifies old or nv;
// the result may share unchanged subtrees with old.
func merge(path []string, old any, present bool, nv any, allow bool) (result any, changed bool, err error) {
	if !present {
		return nv, true, nil
	}
	oldMap, oldIsMap := old.(map[string]any)
	newMap, newIsMap := nv.(map[string]any)
	if oldIsMap && newIsMap {
		var out map[string]any
		for _, k := range sortedKeys(newMap) {
			ov, ok := oldMap[k]
			r, ch, err := merge(append(path[:len(path):len(path)], k), ov, ok, newMap[k], allow)
			if err != nil {
				return nil, false, err
			}
			if !ch {
				continue
			}
			if out == nil {
				out = make(map[string]any, len(oldMap)+len(newMap))
				for ok, ov := range oldMap {
					out[ok] = ov
				}
			}
			out[k] = r
		}
		if out == nil {
			return old, false, nil
		}
		return out, true, nil
	}
	if equalValues(old, nv) {
		return old, false, nil
	}
	if !allow {
		return nil, false, &ValueChangeError{
			Key:  strings.Join(path, "."),
			Path: append([]string(nil), path...),
			Old:  deepCopy(old),
			New:  deepCopy(nv),
		}
	}
	return nv, true, nil
}

// getPath walks a tree; the empty path is not found.
func getPath(tree map[string]any, path []string) (any, bool) {
	if len(path) == 0 {
		return nil, false
	}
	var cur any = tree
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		cur, ok = m[k]
		if !ok {
			return nil, false
		}
	}
	return cur, true
}

// nest wraps value in maps along path[1:]: nest([a b c], v) = {b: {c: v}}.
func nest(path []string, value any) any {
	for i := len(path) - 1; i >= 1; i-- {
		value = map[string]any{path[i]: value}
	}
	return value
}
