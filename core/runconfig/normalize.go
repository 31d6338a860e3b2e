package runconfig

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxDepth bounds how deep Normalize descends (containers and pointers), so
// that cyclic values fail instead of hanging.
const maxDepth = 64

// mediaValue is implemented by W&B media objects (images, tables, ...), which
// may be logged but not stored in config.
type mediaValue interface{ WandbMediaType() string }

var (
	mediaType    = reflect.TypeFor[mediaValue]()
	stringerType = reflect.TypeFor[fmt.Stringer]()
	timeType     = reflect.TypeFor[time.Time]()
	durationType = reflect.TypeFor[time.Duration]()
	numberType   = reflect.TypeFor[json.Number]()
)

// Normalize converts a Go value into the JSON-friendly tree a config stores:
// nil, bool, int64, float64, string, []any and map[string]any. It is the Go
// counterpart of W&B's json_friendly_val and always returns fresh containers
// (never aliases v).
//
//   - Integers of every size become int64 (so 5 stays 5, not 5.0); unsigned
//     values above math.MaxInt64 become float64. float32 becomes the float64
//     with the same shortest decimal form (float32(0.1) → 0.1). NaN and ±Inf
//     are kept.
//   - Strings are kept (invalid UTF-8 is replaced with U+FFFD, as
//     encoding/json does); []byte becomes a string if it is valid UTF-8 and is
//     an error otherwise; json.Number becomes int64 or float64.
//   - Pointers and interfaces are dereferenced (nil → nil).
//   - time.Time → RFC 3339 string with nanoseconds; time.Duration → its
//     String() ("1m30s"); any other non-struct fmt.Stringer → String().
//   - Slices and arrays → []any (a nil slice becomes an empty list).
//   - Maps → map[string]any. Keys may be strings, integers, bools, floats or
//     fmt.Stringers (and interfaces holding those, as YAML decoders produce);
//     keys that collide after conversion are an error.
//   - Structs → map[string]any: the name comes from a `wandb:"name"` tag, else
//     a `json:"name"` tag, else the field name; "-" skips the field, and the
//     omitempty and omitzero options are honoured. Unexported fields are
//     skipped; fields of embedded structs are promoted like encoding/json
//     (a shallower field wins a name conflict). A struct without exported
//     fields that is a fmt.Stringer (*big.Int, ...) becomes String().
//
// Channels, functions, complex numbers, unsafe pointers and W&B media objects
// (anything with a WandbMediaType() string method) are rejected, as is
// nesting deeper than 64 levels (a cyclic value). The error wraps
// [ErrInvalidValue] and names the path to the value and its Go type.
func Normalize(v any) (any, error) {
	return normalizeAt(v, nil)
}

// normalizeAt normalises v, reporting errors relative to path.
func normalizeAt(v any, path []string) (any, error) {
	n := normalizer{path: append([]string(nil), path...)}
	return n.value(reflect.ValueOf(v), 0)
}

type normalizer struct {
	path []string // current position, for error messages
}

func (n *normalizer) errorf(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if len(n.path) == 0 {
		return fmt.Errorf("%w: %s", ErrInvalidValue, msg)
	}
	return fmt.Errorf("%w at %q: %s", ErrInvalidValue, pathString(n.path), msg)
}

func (n *normalizer) push(elem string) { n.path = append(n.path, elem) }
func (n *normalizer) pop()             { n.path = n.path[:len(n.path)-1] }

func (n *normalizer) value(rv reflect.Value, depth int) (any, error) {
	if !rv.IsValid() {
		return nil, nil
	}
	if depth > maxDepth {
		return nil, n.errorf("nested deeper than %d levels (is the value cyclic?)", maxDepth)
	}
	t := rv.Type()

	if t.Implements(mediaType) || (t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface && reflect.PointerTo(t).Implements(mediaType)) {
		return nil, n.errorf("media type %s cannot be stored in config (W&B raises TypeError); log it instead", t)
	}

	switch t {
	case timeType:
		return rv.Interface().(time.Time).Format(time.RFC3339Nano), nil
	case durationType:
		return time.Duration(rv.Int()).String(), nil
	case numberType:
		return numberValue(json.Number(rv.String()))
	}

	switch t.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil, nil
		}
	}

	// A non-struct Stringer (named ints/strings/byte arrays, net.IP, ...).
	// Pointers to structs are dereferenced first and then treated as structs.
	if t.Implements(stringerType) && t.Kind() != reflect.Struct && t.Kind() != reflect.Interface &&
		(t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct) {
		return normalizeString(rv.Interface().(fmt.Stringer).String()), nil
	}

	switch t.Kind() {
	case reflect.Pointer, reflect.Interface:
		return n.value(rv.Elem(), depth+1)
	case reflect.Bool:
		return rv.Bool(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := rv.Uint()
		if u > math.MaxInt64 {
			return float64(u), nil
		}
		return int64(u), nil
	case reflect.Float32:
		f, _ := strconv.ParseFloat(strconv.FormatFloat(rv.Float(), 'g', -1, 32), 64)
		if math.IsNaN(rv.Float()) || math.IsInf(rv.Float(), 0) {
			f = rv.Float()
		}
		return f, nil
	case reflect.Float64:
		return rv.Float(), nil
	case reflect.String:
		return normalizeString(rv.String()), nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			b := rv.Bytes()
			if !utf8.Valid(b) {
				return nil, n.errorf("%s is not valid UTF-8 text", t)
			}
			return string(b), nil
		}
		return n.list(rv, depth)
	case reflect.Array:
		return n.list(rv, depth)
	case reflect.Map:
		return n.mapValue(rv, depth)
	case reflect.Struct:
		// A struct with nothing to show but a String method (big.Int,
		// opaque handles) is better as its string, like Python's str().
		fields := structFields(t)
		if len(fields) == 0 {
			if t.Implements(stringerType) {
				return normalizeString(rv.Interface().(fmt.Stringer).String()), nil
			}
			if rv.CanAddr() && reflect.PointerTo(t).Implements(stringerType) {
				return normalizeString(rv.Addr().Interface().(fmt.Stringer).String()), nil
			}
		}
		return n.structValue(rv, fields, depth)
	}
	// Chan, Func, Complex64, Complex128, UnsafePointer.
	return nil, n.errorf("unsupported Go type %s", t)
}

func normalizeString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func numberValue(num json.Number) (any, error) {
	if i, err := num.Int64(); err == nil {
		return i, nil
	}
	f, err := num.Float64()
	if err != nil {
		return nil, fmt.Errorf("%w: json.Number %q is not a number", ErrInvalidValue, string(num))
	}
	return f, nil
}

func (n *normalizer) list(rv reflect.Value, depth int) (any, error) {
	out := make([]any, rv.Len())
	for i := range out {
		n.push(indexElem(i))
		v, err := n.value(rv.Index(i), depth+1)
		n.pop()
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (n *normalizer) mapValue(rv reflect.Value, depth int) (any, error) {
	out := make(map[string]any, rv.Len())
	iter := rv.MapRange()
	for iter.Next() {
		key, err := n.mapKey(iter.Key())
		if err != nil {
			return nil, err
		}
		if _, dup := out[key]; dup {
			return nil, n.errorf("map has two keys that both convert to %q", key)
		}
		n.push(key)
		v, err := n.value(iter.Value(), depth+1)
		n.pop()
		if err != nil {
			return nil, err
		}
		out[key] = v
	}
	return out, nil
}

// mapKey converts a map key to a string the way Python's json.dumps does for
// dict keys (ints, floats, bools and None become their JSON spelling).
func (n *normalizer) mapKey(k reflect.Value) (string, error) {
	for {
		kind := k.Kind()
		if (kind == reflect.Interface || kind == reflect.Pointer) && k.IsNil() {
			return "null", nil
		}
		if kind != reflect.Interface && k.Type().Implements(stringerType) {
			return normalizeString(k.Interface().(fmt.Stringer).String()), nil
		}
		if kind != reflect.Interface && kind != reflect.Pointer {
			break
		}
		k = k.Elem()
	}
	t := k.Type()
	switch t.Kind() {
	case reflect.String:
		return normalizeString(k.String()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(k.Uint(), 10), nil
	case reflect.Bool:
		return strconv.FormatBool(k.Bool()), nil
	case reflect.Float32, reflect.Float64:
		return formatFloatJSON(k.Float()), nil
	}
	return "", n.errorf("unsupported map key type %s", t)
}

func (n *normalizer) structValue(rv reflect.Value, fields []field, depth int) (any, error) {
	out := make(map[string]any, len(fields))
	for _, f := range fields {
		fv, ok := fieldByIndex(rv, f.index)
		if !ok {
			continue // promoted through a nil embedded pointer
		}
		if (f.omitEmpty && isEmptyValue(fv)) || (f.omitZero && fv.IsZero()) {
			continue
		}
		n.push(f.name)
		v, err := n.value(fv, depth+1)
		n.pop()
		if err != nil {
			return nil, err
		}
		out[f.name] = v
	}
	return out, nil
}

// fieldByIndex is reflect.Value.FieldByIndex that reports false instead of
// panicking on a nil embedded pointer.
func fieldByIndex(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}

func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64,
		reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}
