package runstate

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gowandb/wandb/core/wjson"
)

// Kind is the kind of a converted value.
type Kind uint8

// Value kinds.
const (
	KindNull Kind = iota
	KindBool
	KindInt
	KindUint
	KindFloat
	// KindFloat32 is a float32, written with the shortest float32 digits.
	KindFloat32
	KindString
	// KindJSON holds an already encoded JSON document in Str.
	KindJSON
	// KindMedia is a media value waiting to be bound to the run (its JSON
	// is made when its files are written, off the caller's goroutine).
	KindMedia
)

// MaxValueBytes is the largest JSON encoding of one value that is accepted:
// W&B's file_stream drops history lines above 10 MiB - 100 KiB.
const MaxValueBytes = 10*1024*1024 - 100*1024

// HistogramThreshold is the slice length above which a logged slice becomes a
// histogram (W&B's numpy rule, wandb-behaviour.md §3.2).
const HistogramThreshold = 32

// ErrUnsupportedType is wrapped by errors for values that cannot be logged.
var ErrUnsupportedType = errors.New("unsupported value type")

// ErrInvalidValue is wrapped by errors for values of a supported type that
// cannot be logged as they are (non-UTF-8 text, too large).
var ErrInvalidValue = errors.New("invalid value")

// Value is one logged value, converted without allocation for scalars.
type Value struct {
	Kind Kind
	I    int64
	U    uint64
	F    float64
	// Str holds a string value or, for KindJSON, its JSON encoding.
	Str string
}

// Float returns the value as a float64 and whether it is numeric.
func (v Value) Float() (float64, bool) {
	switch v.Kind {
	case KindInt:
		return float64(v.I), true
	case KindUint:
		return float64(v.U), true
	case KindFloat, KindFloat32:
		return v.F, true
	case KindBool:
		if v.I != 0 {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// AppendJSON appends the JSON encoding of v. NaN and ±Inf are written as the
// bare tokens NaN, Infinity and -Infinity, as W&B does.
func (v Value) AppendJSON(b []byte) []byte {
	switch v.Kind {
	case KindNull:
		return append(b, "null"...)
	case KindBool:
		if v.I != 0 {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case KindInt:
		return strconv.AppendInt(b, v.I, 10)
	case KindUint:
		return strconv.AppendUint(b, v.U, 10)
	case KindFloat:
		return wjson.AppendFloat(b, v.F)
	case KindFloat32:
		return wjson.AppendFloat32(b, v.F)
	case KindString:
		return wjson.AppendString(b, v.Str)
	case KindJSON:
		return append(b, v.Str...)
	}
	return append(b, "null"...)
}

// JSON returns the JSON encoding of v as a string.
func (v Value) JSON() string { return string(v.AppendJSON(nil)) }

// Any returns v as a plain Go value (float64, int64, uint64, bool, string,
// nil, or the decoded JSON tree).
func (v Value) Any() any {
	switch v.Kind {
	case KindBool:
		return v.I != 0
	case KindInt:
		return v.I
	case KindUint:
		return v.U
	case KindFloat, KindFloat32:
		return v.F
	case KindString:
		return v.Str
	case KindJSON:
		x, err := DecodeJSON([]byte(v.Str))
		if err != nil {
			return v.Str
		}
		return x
	}
	return nil
}

// JSONMarshaler is implemented by values that encode themselves for history
// and summary (histograms and other data types). The result must be one JSON
// document.
type JSONMarshaler interface {
	WandbJSON() ([]byte, error)
}

// Binding says where a media value is being logged.
type Binding struct {
	// FilesDir is the run's files directory.
	FilesDir string
	// Key is the history or summary key ("/"-separated path of nested keys).
	Key string
	// Step is the history step, or -1 for a summary value.
	Step int64
	// Warn reports a problem that does not stop the value from being
	// logged (a list cut to its limit). It may be nil.
	Warn func(msg string)
	// SetConfig sets a nested value of the run's config, for the entries
	// W&B keeps there about media (the class labels of boxes and masks
	// under _wandb). It may be nil.
	SetConfig func(path []string, value any)
}

// Binder is implemented by media values that write files into the run when
// they are logged. BindToRun writes the files and returns the JSON that
// stands for them in history or summary, plus the paths (relative to
// FilesDir, with "/") of the files written.
//
// Log does not call it: it runs later, on the run log's writer goroutine,
// with the step the row is committed at, so encoding and writing files
// never cost the caller. A value must therefore not change after it is
// logged, and should be validated when it is made. An error from BindToRun
// is reported as a warning and the key is left out of that row.
type Binder interface {
	BindToRun(b Binding) (json []byte, files []string, err error)
}

// ListBinder is implemented by media types that W&B logs as one value when
// a list of them is logged under one key (images/separated, videos, audio…).
// When a slice whose elements are all Binders is logged, the first
// element's BindListToRun binds them all.
type ListBinder interface {
	Binder
	BindListToRun(b Binding, items []Binder) (json []byte, files []string, err error)
}

// ConvertScalar converts the common scalar types without allocating. ok is
// false for anything else.
func ConvertScalar(x any) (v Value, ok bool) {
	switch t := x.(type) {
	case float64:
		return Value{Kind: KindFloat, F: t}, true
	case float32:
		return Value{Kind: KindFloat32, F: float64(t)}, true
	case int:
		return Value{Kind: KindInt, I: int64(t)}, true
	case int64:
		return Value{Kind: KindInt, I: t}, true
	case int32:
		return Value{Kind: KindInt, I: int64(t)}, true
	case int16:
		return Value{Kind: KindInt, I: int64(t)}, true
	case int8:
		return Value{Kind: KindInt, I: int64(t)}, true
	case uint:
		return uintValue(uint64(t)), true
	case uint64:
		return uintValue(t), true
	case uint32:
		return Value{Kind: KindInt, I: int64(t)}, true
	case uint16:
		return Value{Kind: KindInt, I: int64(t)}, true
	case uint8:
		return Value{Kind: KindInt, I: int64(t)}, true
	case bool:
		if t {
			return Value{Kind: KindBool, I: 1}, true
		}
		return Value{Kind: KindBool}, true
	case nil:
		return Value{Kind: KindNull}, true
	case time.Duration:
		return Value{Kind: KindFloat, F: t.Seconds()}, true
	}
	return Value{}, false
}

func uintValue(u uint64) Value {
	if u <= math.MaxInt64 {
		return Value{Kind: KindInt, I: int64(u)}
	}
	return Value{Kind: KindUint, U: u}
}

// Convert converts any supported Go value. key names the value in errors.
// Strings must be valid UTF-8. Slices of numbers longer than
// HistogramThreshold become a histogram with HistogramThreshold bins.
// Values implementing Binder are not handled here (see Binder).
func Convert(key string, x any) (Value, error) {
	if v, ok := ConvertScalar(x); ok {
		return v, nil
	}
	switch t := x.(type) {
	case string:
		if !utf8.ValidString(t) {
			return Value{}, fmt.Errorf("key %q: string is not valid UTF-8: %w", key, ErrInvalidValue)
		}
		if len(t) > MaxValueBytes {
			return Value{}, fmt.Errorf("key %q: string of %d bytes is over the %d-byte limit: %w", key, len(t), MaxValueBytes, ErrInvalidValue)
		}
		return Value{Kind: KindString, Str: t}, nil
	case time.Time:
		return Value{Kind: KindString, Str: t.UTC().Format(time.RFC3339Nano)}, nil
	case JSONMarshaler:
		b, err := t.WandbJSON()
		if err != nil {
			return Value{}, fmt.Errorf("key %q: %w", key, err)
		}
		return jsonValue(key, b)
	case []float64:
		return numberSlice(key, t)
	case []float32:
		return numberSlice(key, t)
	case []int:
		return numberSlice(key, t)
	case []int64:
		return numberSlice(key, t)
	case []int32:
		return numberSlice(key, t)
	}
	b, err := appendAny(nil, key, reflect.ValueOf(x), 0)
	if err != nil {
		return Value{}, err
	}
	return jsonValue(key, b)
}

func jsonValue(key string, b []byte) (Value, error) {
	if len(b) > MaxValueBytes {
		return Value{}, fmt.Errorf("key %q: value of %d bytes is over the %d-byte limit: %w", key, len(b), MaxValueBytes, ErrInvalidValue)
	}
	return Value{Kind: KindJSON, Str: string(b)}, nil
}

type number interface {
	~float64 | ~float32 | ~int | ~int64 | ~int32
}

func numberSlice[T number](key string, s []T) (Value, error) {
	if len(s) > HistogramThreshold {
		f := make([]float64, len(s))
		for i, x := range s {
			f[i] = float64(x)
		}
		h, err := NewHistogram(f, HistogramThreshold)
		if err != nil {
			return Value{}, fmt.Errorf("key %q: %w", key, err)
		}
		b, _ := h.WandbJSON()
		return Value{Kind: KindJSON, Str: string(b)}, nil
	}
	b := make([]byte, 0, 8*len(s)+2)
	b = append(b, '[')
	for i, x := range s {
		if i > 0 {
			b = append(b, ',')
		}
		switch any(x).(type) {
		case float32:
			b = wjson.AppendFloat32(b, float64(x))
		case float64:
			b = wjson.AppendFloat(b, float64(x))
		default:
			b = strconv.AppendInt(b, int64(x), 10)
		}
	}
	b = append(b, ']')
	return Value{Kind: KindJSON, Str: string(b)}, nil
}

const maxDepth = 64

// appendAny encodes arbitrary slices, arrays and maps by reflection.
func appendAny(b []byte, key string, rv reflect.Value, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("key %q: value nested deeper than %d levels (a cycle?): %w", key, maxDepth, ErrInvalidValue)
	}
	if !rv.IsValid() {
		return append(b, "null"...), nil
	}
	if rv.CanInterface() {
		x := rv.Interface()
		if v, ok := ConvertScalar(x); ok {
			return v.AppendJSON(b), nil
		}
		switch t := x.(type) {
		case string:
			if !utf8.ValidString(t) {
				return nil, fmt.Errorf("key %q: string is not valid UTF-8: %w", key, ErrInvalidValue)
			}
			return wjson.AppendString(b, t), nil
		case time.Time:
			return wjson.AppendString(b, t.UTC().Format(time.RFC3339Nano)), nil
		case JSONMarshaler:
			j, err := t.WandbJSON()
			if err != nil {
				return nil, fmt.Errorf("key %q: %w", key, err)
			}
			return append(b, j...), nil
		case Binder:
			return nil, fmt.Errorf("key %q: media inside a list or map is not supported here: %w", key, ErrUnsupportedType)
		}
	}
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return append(b, "null"...), nil
		}
		return appendAny(b, key, rv.Elem(), depth+1)
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i := 0; i < rv.Len(); i++ {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendAny(b, key, rv.Index(i), depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return nil, fmt.Errorf("key %q: map with %s keys: %w", key, rv.Type().Key(), ErrUnsupportedType)
		}
		keys := rv.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int {
			switch {
			case a.String() < b.String():
				return -1
			case a.String() > b.String():
				return 1
			}
			return 0
		})
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			ks := k.String()
			if !utf8.ValidString(ks) {
				return nil, fmt.Errorf("key %q: nested key is not valid UTF-8: %w", key, ErrInvalidValue)
			}
			b = wjson.AppendString(b, ks)
			b = append(b, ':')
			var err error
			if b, err = appendAny(b, key+"."+ks, rv.MapIndex(k), depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	case reflect.String:
		return appendAny(b, key, reflect.ValueOf(rv.String()), depth+1)
	case reflect.Bool:
		return appendAny(b, key, reflect.ValueOf(rv.Bool()), depth+1)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(b, rv.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.AppendUint(b, rv.Uint(), 10), nil
	case reflect.Float32:
		return wjson.AppendFloat32(b, rv.Float()), nil
	case reflect.Float64:
		return wjson.AppendFloat(b, rv.Float()), nil
	}
	return nil, fmt.Errorf("key %q: cannot log a value of type %s: %w", key, rv.Type(), ErrUnsupportedType)
}

// DecodeJSON decodes a JSON document that may contain W&B's NaN, Infinity
// and -Infinity tokens (see wjson.Decode).
func DecodeJSON(b []byte) (any, error) { return wjson.Decode(b) }

// AppendAnyJSON encodes a decoded JSON tree (as DecodeJSON returns it) with
// sorted keys and W&B's NaN/Infinity tokens.
func AppendAnyJSON(b []byte, x any) []byte {
	out, err := appendAny(b, "", reflect.ValueOf(x), 0)
	if err != nil {
		return append(b, "null"...)
	}
	return out
}

// AppendString appends s as a JSON string (wjson.AppendString).
func AppendString(b []byte, s string) []byte { return wjson.AppendString(b, s) }

// AppendFloat appends f as W&B's JSON writes it (wjson.AppendFloat).
func AppendFloat(b []byte, f float64) []byte { return wjson.AppendFloat(b, f) }
