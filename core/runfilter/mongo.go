package runfilter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
)

// ParseMongo compiles a W&B Mongo-style JSON filter (see the package
// comment). Empty input, "null" and {} match every run. Errors are *Error:
// a JSON syntax error names its column, a bad condition its path.
func ParseMongo(data []byte, opts ...Option) (*Filter, error) {
	o := buildOptions(opts)
	if len(bytes.TrimSpace(data)) == 0 {
		return &Filter{root: andNode{}, cache: o.cache}, nil
	}
	v, err := decodeJSON(data)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return &Filter{root: andNode{}, cache: o.cache}, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &Error{Msg: fmt.Sprintf("a filter is a JSON object, not %s", kindOf(v))}
	}
	n, err := parseDoc(m, "")
	if err != nil {
		return nil, err
	}
	return &Filter{root: n, cache: o.cache}, nil
}

// decodeJSON decodes one JSON value with numbers as int64 or float64.
func decodeJSON(data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		if se, ok := errors.AsType[*json.SyntaxError](err); ok {
			return nil, &Error{Pos: int(se.Offset), Msg: "malformed JSON: " + se.Error()}
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, &Error{Pos: len(data) + 1, Msg: "malformed JSON: unexpected end of input"}
		}
		return nil, &Error{Msg: "malformed JSON: " + err.Error()}
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, &Error{Pos: int(d.InputOffset()) + 1, Msg: "malformed JSON: more after the filter object"}
	}
	return numbers(v), nil
}

// numbers turns json.Number into int64 (integers) or float64.
func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if !strings.ContainsAny(string(x), ".eE") {
			if i, err := x.Int64(); err == nil {
				return i
			}
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = numbers(x[i])
		}
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	}
	return v
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int64, float64:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// parseDoc compiles an object of conditions, all of which must hold.
func parseDoc(m map[string]any, path string) (node, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var and andNode
	for _, k := range keys {
		v := m[k]
		switch k {
		case "$and", "$or", "$nor":
			l, ok := v.([]any)
			if !ok {
				return nil, &Error{Path: join(path, k), Msg: fmt.Sprintf("%s takes a list of filter objects, not %s", k, kindOf(v))}
			}
			parts := make([]node, 0, len(l))
			for i, e := range l {
				p := fmt.Sprintf("%s[%d]", join(path, k), i)
				em, ok := e.(map[string]any)
				if !ok {
					return nil, &Error{Path: p, Msg: fmt.Sprintf("a filter is a JSON object, not %s", kindOf(e))}
				}
				n, err := parseDoc(em, p)
				if err != nil {
					return nil, err
				}
				parts = append(parts, n)
			}
			switch {
			case k == "$and":
				and = append(and, andNode(parts))
			case k == "$nor":
				and = append(and, norNode(parts))
			case len(parts) > 0: // an empty $or (sent by W&B's UI) adds nothing
				and = append(and, orNode(parts))
			}
		default:
			if strings.HasPrefix(k, "$") {
				return nil, &Error{Path: join(path, k), Msg: fmt.Sprintf("unknown operator %q here (want $and, $or, $nor or a key)", k)}
			}
			f, ok := resolveField(k, false)
			if !ok {
				return nil, &Error{Path: join(path, k), Msg: fmt.Sprintf("unknown key %q (want %s)", k, knownKeys)}
			}
			n, err := parseCond(f, v, join(path, k))
			if err != nil {
				return nil, err
			}
			and = append(and, n)
		}
	}
	if len(and) == 1 {
		return and[0], nil
	}
	return and, nil
}

// isOperatorObject reports whether v is an object of $-operators; an
// object mixing operators and plain keys is an error.
func isOperatorObject(v any, path string) (map[string]any, bool, error) {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		return nil, false, nil
	}
	ops := 0
	for k := range m {
		if strings.HasPrefix(k, "$") {
			ops++
		}
	}
	switch ops {
	case 0:
		return nil, false, nil
	case len(m):
		return m, true, nil
	}
	return nil, false, &Error{Path: path, Msg: "an object mixes $-operators and plain keys"}
}

// parseCond compiles the condition on one field: a value (equality) or an
// object of operators, all of which must hold.
func parseCond(f field, v any, path string) (node, error) {
	m, isOps, err := isOperatorObject(v, path)
	if err != nil {
		return nil, err
	}
	if !isOps {
		return newCmp(f, opEq, v), nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var and andNode
	for _, k := range keys {
		arg, p := m[k], path+"."+k
		var n node
		switch k {
		case "$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$contains":
			o := map[string]op{"$eq": opEq, "$ne": opNe, "$gt": opGt, "$gte": opGte, "$lt": opLt,
				"$lte": opLte, "$contains": opContains}[k]
			if o != opEq && o != opNe {
				if _, bad := arg.([]any); bad {
					return nil, &Error{Path: p, Msg: fmt.Sprintf("%s takes a single value, not a list", k)}
				}
				if _, bad := arg.(map[string]any); bad {
					return nil, &Error{Path: p, Msg: fmt.Sprintf("%s takes a single value, not an object", k)}
				}
			}
			n = newCmp(f, o, arg)
		case "$in", "$nin", "$all":
			l, ok := arg.([]any)
			if !ok {
				return nil, &Error{Path: p, Msg: fmt.Sprintf("%s takes a list, not %s", k, kindOf(arg))}
			}
			c := newCmp(f, map[string]op{"$in": opIn, "$nin": opNin, "$all": opAll}[k], nil)
			c.list = l
			n = c
		case "$regex":
			src, ok := arg.(string)
			if !ok {
				return nil, &Error{Path: p, Msg: fmt.Sprintf("$regex takes a string, not %s", kindOf(arg))}
			}
			opt, _ := m["$options"].(string)
			c, err := newRegex(f, src, opt)
			if err != nil {
				return nil, &Error{Path: p, Msg: err.Error()}
			}
			n = c
		case "$options":
			if _, ok := m["$regex"]; !ok {
				return nil, &Error{Path: p, Msg: "$options needs a $regex beside it"}
			}
			if _, ok := arg.(string); !ok {
				return nil, &Error{Path: p, Msg: fmt.Sprintf("$options takes a string, not %s", kindOf(arg))}
			}
			continue
		case "$exists":
			var want bool
			switch x := arg.(type) {
			case bool:
				want = x
			case int64:
				want = x != 0
			default:
				return nil, &Error{Path: p, Msg: fmt.Sprintf("$exists takes true or false, not %s", kindOf(arg))}
			}
			n = newCmp(f, opExists, want)
		case "$not":
			var inner node
			if s, ok := arg.(string); ok {
				c, err := newRegex(f, s, "")
				if err != nil {
					return nil, &Error{Path: p, Msg: err.Error()}
				}
				inner = c
			} else {
				if _, ok, err := isOperatorObject(arg, p); err != nil {
					return nil, err
				} else if !ok {
					return nil, &Error{Path: p, Msg: fmt.Sprintf("$not takes an object of operators, not %s", kindOf(arg))}
				}
				var err error
				if inner, err = parseCond(f, arg, p); err != nil {
					return nil, err
				}
			}
			n = norNode{inner}
		default:
			return nil, &Error{Path: p, Msg: fmt.Sprintf("unknown operator %q (want $eq, $ne, $gt, $gte, $lt, $lte, $in, $nin, $all, $regex, $exists, $not, $contains)", k)}
		}
		and = append(and, n)
	}
	if len(and) == 1 {
		return and[0], nil
	}
	return and, nil
}

// newRegex compiles a $regex condition. Options: "i" (case-insensitive),
// "m", "s"; the pattern is RE2 syntax.
func newRegex(f field, src, opt string) (*cmpNode, error) {
	flags := ""
	for _, r := range opt {
		switch r {
		case 'i', 'm', 's':
			if !strings.ContainsRune(flags, r) {
				flags += string(r)
			}
		default:
			return nil, fmt.Errorf("unknown regex option %q (want i, m or s)", r)
		}
	}
	pat := src
	if flags != "" {
		pat = "(?" + flags + ")" + src
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, fmt.Errorf("bad regular expression %q: %w", src, err)
	}
	c := newCmp(f, opRegex, src)
	c.hasT = false
	c.re, c.reSrc, c.reOpt = re, src, opt
	return c, nil
}
