package gomlx

import (
	"fmt"
	"math"
	"reflect"
	"strings"

	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
)

// maxParamDepth bounds the nesting of a param value put into the config.
const maxParamDepth = 8

// contextParams returns the context's hyperparameters, every scope, as
// config values: root-scope params by key, the others as "<scope>/<key>"
// with the scope's leading "/" dropped. Params whose values are not
// numbers, strings, bools or lists and string-keyed maps of them are left
// out (GoMLX also keeps non-hyperparameters there, such as a NaN logger).
func contextParams(ctx *mlctx.Context) map[string]any {
	out := map[string]any{}
	ctx.EnumerateParams(func(scope, key string, value any) {
		v, ok := configValue(reflect.ValueOf(value), 0)
		if !ok {
			return
		}
		name := key
		if scope != mlctx.RootScope && scope != "" {
			name = strings.TrimPrefix(scope, mlctx.ScopeSeparator) + mlctx.ScopeSeparator + key
		}
		out[name] = v
	})
	return out
}

var stringerType = reflect.TypeFor[fmt.Stringer]()

// configValue converts a param value into a plain config value.
func configValue(rv reflect.Value, depth int) (any, bool) {
	if !rv.IsValid() || depth > maxParamDepth {
		return nil, false
	}
	t := rv.Type()
	// Named enums such as dtypes.DType or activation types read better by
	// name than by number.
	if t.PkgPath() != "" && t.Kind() != reflect.String && t.Implements(stringerType) && isBasic(t.Kind()) {
		return rv.Interface().(fmt.Stringer).String(), true
	}
	switch t.Kind() {
	case reflect.Bool:
		return rv.Bool(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		u := rv.Uint()
		if u > math.MaxInt64 {
			return float64(u), true
		}
		return int64(u), true
	case reflect.Float32, reflect.Float64:
		return rv.Float(), true
	case reflect.String:
		return rv.String(), true
	case reflect.Interface, reflect.Pointer:
		if rv.IsNil() {
			return nil, false
		}
		if t.Kind() == reflect.Pointer {
			return nil, false // a live object, not a hyperparameter
		}
		return configValue(rv.Elem(), depth+1)
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && rv.IsNil() {
			return nil, false
		}
		out := make([]any, 0, rv.Len())
		for i := range rv.Len() {
			v, ok := configValue(rv.Index(i), depth+1)
			if !ok {
				return nil, false
			}
			out = append(out, v)
		}
		return out, true
	case reflect.Map:
		if t.Key().Kind() != reflect.String || rv.IsNil() {
			return nil, false
		}
		out := make(map[string]any, rv.Len())
		iter := rv.MapRange()
		for iter.Next() {
			v, ok := configValue(iter.Value(), depth+1)
			if !ok {
				continue
			}
			out[iter.Key().String()] = v
		}
		return out, true
	}
	return nil, false
}

func isBasic(k reflect.Kind) bool {
	switch k {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}
