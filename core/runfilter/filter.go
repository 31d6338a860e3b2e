package runfilter

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/gowandb/wandb/core/store"
)

// ErrInvalid is wrapped by every parse error of this package.
var ErrInvalid = errors.New("runfilter: invalid filter")

// Error is a filter, expression or order that cannot be compiled. Pos is
// the 1-based column (byte offset + 1) of the problem in the input, 0 when
// it has none; Path names the place in a JSON filter ("$and[1].config.lr").
type Error struct {
	Pos  int
	Path string
	Msg  string
}

func (e *Error) Error() string {
	switch {
	case e.Pos > 0:
		return fmt.Sprintf("runfilter: column %d: %s", e.Pos, e.Msg)
	case e.Path != "":
		return fmt.Sprintf("runfilter: %s: %s", e.Path, e.Msg)
	}
	return "runfilter: " + e.Msg
}

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e *Error) Unwrap() error { return ErrInvalid }

// Option configures parsing.
type Option func(*options)

type options struct{ cache *Cache }

// WithCache makes the filter or order read parsed config and summary
// through c (default: a cache private to the filter or order).
func WithCache(c *Cache) Option { return func(o *options) { o.cache = c } }

func buildOptions(opts []Option) options {
	var o options
	for _, f := range opts {
		f(&o)
	}
	if o.cache == nil {
		o.cache = NewCache(0)
	}
	return o
}

// Filter is a compiled filter. Safe for concurrent use.
type Filter struct {
	root  node
	cache *Cache
}

// Match reports whether r passes the filter.
func (f *Filter) Match(r *store.Run) bool {
	if f == nil || f.root == nil {
		return true
	}
	d := doc{run: r, cache: f.cache}
	return f.root.match(&d)
}

// Apply returns the runs of rs that pass the filter, in order (rs itself
// is not changed).
func (f *Filter) Apply(rs []store.Run) []store.Run {
	out := make([]store.Run, 0, len(rs))
	for i := range rs {
		if f.Match(&rs[i]) {
			out = append(out, rs[i])
		}
	}
	return out
}

// MatchAll reports whether the filter passes every run (an empty filter).
func (f *Filter) MatchAll() bool {
	if f == nil || f.root == nil {
		return true
	}
	a, ok := f.root.(andNode)
	return ok && len(a) == 0
}

// MarshalJSON writes the filter as Mongo-style JSON that [ParseMongo]
// compiles back to the same filter.
func (f *Filter) MarshalJSON() ([]byte, error) {
	if f == nil || f.root == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(f.root.mongo())
}

// String is the filter as Mongo-style JSON.
func (f *Filter) String() string {
	b, _ := f.MarshalJSON()
	return string(b)
}

// node is one part of a compiled filter.
type node interface {
	match(d *doc) bool
	mongo() any // its Mongo-style JSON value
}

type andNode []node

func (n andNode) match(d *doc) bool {
	for _, c := range n {
		if !c.match(d) {
			return false
		}
	}
	return true
}

func (n andNode) mongo() any {
	if len(n) == 0 {
		return map[string]any{}
	}
	return map[string]any{"$and": mongoList(n)}
}

type orNode []node

func (n orNode) match(d *doc) bool {
	for _, c := range n {
		if c.match(d) {
			return true
		}
	}
	return len(n) == 0
}

func (n orNode) mongo() any { return map[string]any{"$or": mongoList(n)} }

// norNode matches when none of its parts does; "not x" is a one-part nor.
type norNode []node

func (n norNode) match(d *doc) bool {
	for _, c := range n {
		if c.match(d) {
			return false
		}
	}
	return true
}

func (n norNode) mongo() any { return map[string]any{"$nor": mongoList(n)} }

func mongoList(ns []node) []any {
	out := make([]any, len(ns))
	for i, c := range ns {
		out[i] = c.mongo()
	}
	return out
}

// op is a comparison operator.
type op int

const (
	opEq op = iota
	opNe
	opGt
	opGte
	opLt
	opLte
	opIn
	opNin
	opAll
	opRegex
	opContains
	opExists
)

var opNames = map[op]string{opEq: "$eq", opNe: "$ne", opGt: "$gt", opGte: "$gte", opLt: "$lt",
	opLte: "$lte", opIn: "$in", opNin: "$nin", opAll: "$all", opRegex: "$regex",
	opContains: "$contains", opExists: "$exists"}

// cmpNode compares one field with an operand.
type cmpNode struct {
	f     field
	op    op
	val   any            // operand as given: string, int64, float64, bool, nil, []any, map
	list  []any          // $in, $nin, $all
	re    *regexp.Regexp // $regex
	reSrc string
	reOpt string
	t     time.Time // val read as a time, when it is one
	hasT  bool
}

func newCmp(f field, o op, val any) *cmpNode {
	c := &cmpNode{f: f, op: o, val: val}
	if s, ok := val.(string); ok {
		c.t, c.hasT = parseTime(s)
	}
	return c
}

func (c *cmpNode) operand() any {
	if c.hasT {
		return c.t
	}
	return c.val
}

func (c *cmpNode) match(d *doc) bool {
	v, ok := d.get(c.f)
	switch c.op {
	case opExists:
		return ok == c.val.(bool)
	case opNe:
		return !ok || !anyElem(v, func(x any) bool { return c.eq(x) })
	case opNin:
		return !ok || !anyElem(v, c.in)
	}
	if !ok {
		return false
	}
	switch c.op {
	case opEq:
		return anyElem(v, c.eq)
	case opIn:
		return anyElem(v, c.in)
	case opAll:
		for _, want := range c.list {
			if !anyElem(v, func(x any) bool { return equal(x, want) }) {
				return false
			}
		}
		return true
	case opRegex:
		return anyElem(v, func(x any) bool {
			s, ok := text(x)
			return ok && c.re.MatchString(s)
		})
	case opContains:
		if s, ok := v.(string); ok {
			sub, ok := text(c.val)
			return ok && strings.Contains(s, sub)
		}
		if l, ok := v.([]any); ok {
			for _, x := range l {
				if c.eq(x) {
					return true
				}
			}
		}
		return false
	}
	return anyElem(v, func(x any) bool {
		r, ok := compare(x, c.operand())
		if !ok {
			return false
		}
		switch c.op {
		case opGt:
			return r > 0
		case opGte:
			return r >= 0
		case opLt:
			return r < 0
		}
		return r <= 0
	})
}

func (c *cmpNode) eq(x any) bool {
	if _, isTime := x.(time.Time); isTime && c.hasT {
		return equal(x, c.t)
	}
	return equal(x, c.val)
}

func (c *cmpNode) in(x any) bool {
	for _, w := range c.list {
		if equal(x, w) {
			return true
		}
		if t, ok := x.(time.Time); ok {
			if s, ok := w.(string); ok {
				if wt, ok := parseTime(s); ok && t.Equal(wt) {
					return true
				}
			}
		}
	}
	return false
}

// anyElem applies pred to v, and to each element when v is a list (a
// list matches when it or any element does, as in MongoDB).
func anyElem(v any, pred func(any) bool) bool {
	if pred(v) {
		return true
	}
	if l, ok := v.([]any); ok {
		for _, x := range l {
			if pred(x) {
				return true
			}
		}
	}
	return false
}

func (c *cmpNode) mongo() any {
	var cond any
	switch c.op {
	case opEq:
		if _, isObj := c.val.(map[string]any); isObj {
			cond = map[string]any{"$eq": c.val}
		} else {
			cond = c.val
		}
	case opIn, opNin, opAll:
		cond = map[string]any{opNames[c.op]: c.list}
	case opRegex:
		m := map[string]any{"$regex": c.reSrc}
		if c.reOpt != "" {
			m["$options"] = c.reOpt
		}
		cond = m
	default:
		cond = map[string]any{opNames[c.op]: c.val}
	}
	return map[string]any{c.f.mongoName(): cond}
}
