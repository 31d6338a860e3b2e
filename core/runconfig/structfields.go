package runconfig

import (
	"reflect"
	"strings"
)

// field is one config entry of a struct type.
type field struct {
	name      string
	index     []int
	depth     int // embedding depth; a shallower field wins a name conflict
	omitEmpty bool
	omitZero  bool
}

// structFields lists the config entries of struct type t in declaration
// order, with fields of embedded structs promoted.
func structFields(t reflect.Type) []field {
	var all []field
	collectFields(t, nil, 0, map[reflect.Type]bool{}, &all)

	// Keep the shallowest field per name; on a tie the first declared wins.
	best := map[string]int{}
	var out []field
	for _, f := range all {
		if i, ok := best[f.name]; ok {
			if f.depth < out[i].depth {
				out[i] = f
			}
			continue
		}
		best[f.name] = len(out)
		out = append(out, f)
	}
	return out
}

func collectFields(t reflect.Type, index []int, depth int, visiting map[reflect.Type]bool, out *[]field) {
	if visiting[t] {
		return // embedding cycle through pointers
	}
	visiting[t] = true
	defer delete(visiting, t)

	for i := range t.NumField() {
		sf := t.Field(i)
		idx := append(append([]int(nil), index...), i)
		name, opts, skip := fieldTag(sf)
		if skip {
			continue
		}
		if sf.Anonymous && name == "" {
			ft := sf.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct && ft != timeType {
				collectFields(ft, idx, depth+1, visiting, out)
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		f := field{name: name, index: idx, depth: depth}
		for o := range strings.SplitSeq(opts, ",") {
			switch o {
			case "omitempty":
				f.omitEmpty = true
			case "omitzero":
				f.omitZero = true
			}
		}
		*out = append(*out, f)
	}
}

// fieldTag returns the name and options of the `wandb` tag, or if there is
// none the `json` tag. skip reports a tag of exactly "-" (as in
// encoding/json, `json:"-,"` names the field "-").
func fieldTag(sf reflect.StructField) (name, opts string, skip bool) {
	tag, ok := sf.Tag.Lookup("wandb")
	if !ok {
		tag, ok = sf.Tag.Lookup("json")
	}
	if !ok {
		return "", "", false
	}
	if tag == "-" {
		return "", "", true
	}
	name, opts, _ = strings.Cut(tag, ",")
	return name, opts, false
}
