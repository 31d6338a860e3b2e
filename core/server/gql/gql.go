// Package gql is the tracking server's GraphQL executor: schema first.
// Every request is parsed and validated against the schema (with
// github.com/vektah/gqlparser/v2), so a query that names a field, argument
// or variable type the schema lacks is refused with the parser's message
// before any resolver runs; the schema files are the documentation of what
// the server answers.
//
// Resolvers are plain functions registered per root field (Query and
// Mutation). They return plain Go values that the executor projects onto
// the query's selection set, writing JSON directly in selection order:
//
//   - nil, bool, string, the integer kinds, float32/64, time.Time
//     (DateTime), json.RawMessage (emitted as is for a JSON scalar, as a
//     string for JSONString)
//   - slices of any element type, for list types
//   - map[string]any for object types, keyed by field name, whose values
//     may themselves be a [Resolver] (called with the field's arguments)
//   - an [Object], for objects whose fields are computed on demand
//
// Errors follow the GraphQL spec: a failing field is null with an entry in
// "errors" carrying its path, and a null in a non-null position propagates
// to the nearest nullable parent.
package gql

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"reflect"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator"
)

// Resolver computes a root field, or a field of a map value, from the
// field's arguments (coerced: strings, int64, float64, bool, []any,
// map[string]any; custom scalars as sent).
type Resolver func(ctx context.Context, args map[string]any) (any, error)

// Object is a value whose fields are computed on demand.
type Object interface {
	Field(ctx context.Context, name string, args map[string]any) (any, error)
}

// Typed is implemented by values of interface or union types to say which
// object type they are. A map can instead carry the name under
// "__typename".
type Typed interface {
	TypeName() string
}

// Schema is a parsed, validated schema.
type Schema struct {
	ast *ast.Schema
}

// LoadSchema parses every file matching pattern in fsys (in name order)
// as one schema.
func LoadSchema(fsys fs.FS, pattern string) (*Schema, error) {
	names, err := fs.Glob(fsys, pattern)
	if err != nil {
		return nil, fmt.Errorf("gql: schema files %q: %w", pattern, err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("gql: no schema files match %q", pattern)
	}
	sort.Strings(names)
	srcs := make([]*ast.Source, 0, len(names))
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("gql: reading schema %s: %w", n, err)
		}
		srcs = append(srcs, &ast.Source{Name: n, Input: string(b)})
	}
	s, err := gqlparser.LoadSchema(srcs...)
	if err != nil {
		return nil, fmt.Errorf("gql: schema: %w", err)
	}
	return &Schema{ast: s}, nil
}

// Executor runs requests against a schema with registered resolvers. It
// is safe for concurrent use once registration is done.
type Executor struct {
	schema   *ast.Schema
	query    map[string]Resolver
	mutation map[string]Resolver

	mu    sync.Mutex
	cache map[string]*ast.QueryDocument // validated documents by query text
}

// maxCachedDocs bounds the validated-document cache; clients send a small
// fixed set of query texts.
const maxCachedDocs = 512

// NewExecutor returns an executor for s with no resolvers.
func NewExecutor(s *Schema) *Executor {
	return &Executor{schema: s.ast, query: map[string]Resolver{}, mutation: map[string]Resolver{},
		cache: map[string]*ast.QueryDocument{}}
}

// Query registers the resolver of a field of type Query. It panics when
// the schema has no such field: a registration mistake is a bug.
func (e *Executor) Query(field string, r Resolver) { e.register(e.schema.Query, e.query, field, r) }

// Mutation registers the resolver of a field of type Mutation.
func (e *Executor) Mutation(field string, r Resolver) {
	e.register(e.schema.Mutation, e.mutation, field, r)
}

func (e *Executor) register(root *ast.Definition, m map[string]Resolver, field string, r Resolver) {
	if root == nil || root.Fields.ForName(field) == nil {
		panic(fmt.Sprintf("gql: the schema has no root field %q", field))
	}
	if _, dup := m[field]; dup {
		panic(fmt.Sprintf("gql: root field %q registered twice", field))
	}
	m[field] = r
}

// Unresolved lists the root fields of the schema with no resolver, so a
// test can check that everything documented is served.
func (e *Executor) Unresolved() []string {
	var out []string
	for _, p := range []struct {
		def *ast.Definition
		m   map[string]Resolver
	}{{e.schema.Query, e.query}, {e.schema.Mutation, e.mutation}} {
		if p.def == nil {
			continue
		}
		for _, f := range p.def.Fields {
			if _, ok := p.m[f.Name]; !ok && f.Name[0] != '_' {
				out = append(out, p.def.Name+"."+f.Name)
			}
		}
	}
	return out
}

// Request is a GraphQL request body.
type Request struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
}

// Error is one entry of the response's "errors". Err is the resolver's
// error (nil for parse and validation errors), for status mapping.
type Error struct {
	Message string `json:"message"`
	Path    []any  `json:"path,omitempty"`
	Err     error  `json:"-"`
	Rule    string `json:"-"` // the validation rule that refused the request
}

// Response is the result of Execute. Data is nil when the request was
// refused before execution (Invalid is then true).
type Response struct {
	Data    json.RawMessage `json:"data,omitempty"`
	Errors  []Error         `json:"errors,omitempty"`
	Invalid bool            `json:"-"`
}

// Execute parses, validates and runs req.
func (e *Executor) Execute(ctx context.Context, req Request) *Response {
	doc, errs := e.document(req.Query)
	if len(errs) > 0 {
		return invalid(errs...)
	}
	var op *ast.OperationDefinition
	switch {
	case req.OperationName != "":
		op = doc.Operations.ForName(req.OperationName)
		if op == nil {
			return invalid(gqlerror.Errorf("the document has no operation named %q", req.OperationName))
		}
	case len(doc.Operations) == 1:
		op = doc.Operations[0]
	default:
		return invalid(gqlerror.Errorf("the document has %d operations: operationName is required", len(doc.Operations)))
	}
	vars, err := validator.VariableValues(e.schema, op, req.Variables)
	if err != nil {
		var ge *gqlerror.Error
		if errors.As(err, &ge) {
			return invalid(ge)
		}
		return invalid(gqlerror.Wrap(err))
	}
	for k, v := range vars {
		vars[k] = normalize(v)
	}
	x := &execution{ctx: ctx, schema: e.schema, doc: doc, vars: vars}
	var root *ast.Definition
	var resolvers map[string]Resolver
	switch op.Operation {
	case ast.Query:
		root, resolvers = e.schema.Query, e.query
	case ast.Mutation:
		root, resolvers = e.schema.Mutation, e.mutation
	default:
		return invalid(gqlerror.Errorf("%s operations are not served", op.Operation))
	}
	x.buf.Grow(256)
	if err := x.rootObject(root, op.SelectionSet, resolvers); err != nil {
		x.buf.Reset()
		x.buf.WriteString("null")
	}
	return &Response{Data: x.buf.Bytes(), Errors: x.errs}
}

func invalid(errs ...*gqlerror.Error) *Response {
	r := &Response{Invalid: true}
	for _, e := range errs {
		msg := e.Message
		if len(e.Locations) > 0 {
			msg = fmt.Sprintf("%s (line %d, column %d)", msg, e.Locations[0].Line, e.Locations[0].Column)
		}
		r.Errors = append(r.Errors, Error{Message: msg, Rule: e.Rule})
	}
	return r
}

func (e *Executor) document(q string) (*ast.QueryDocument, gqlerror.List) {
	e.mu.Lock()
	doc := e.cache[q]
	e.mu.Unlock()
	if doc != nil {
		return doc, nil
	}
	doc, errs := gqlparser.LoadQuery(e.schema, q)
	if len(errs) > 0 {
		return nil, errs
	}
	e.mu.Lock()
	if len(e.cache) >= maxCachedDocs {
		clear(e.cache)
	}
	e.cache[q] = doc
	e.mu.Unlock()
	return doc, nil
}

// normalize turns json.Number into int64 (when integral) or float64,
// recursively.
func normalize(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = normalize(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = normalize(x[k])
		}
	}
	return v
}

// errNull says a non-null field resolved to null: the parent must become
// null in turn.
var errNull = errors.New("null in a non-null position")

type execution struct {
	ctx    context.Context
	schema *ast.Schema
	doc    *ast.QueryDocument
	vars   map[string]any
	buf    bytes.Buffer
	errs   []Error
	path   []any
}

func (x *execution) fail(err error) {
	x.errs = append(x.errs, Error{Message: err.Error(), Path: append([]any(nil), x.path...), Err: err})
}

// collect returns the fields of sel that apply to an object of type typ,
// merged by response key, in order.
func (x *execution) collect(typ *ast.Definition, sel ast.SelectionSet, out []*ast.Field, seen map[string]bool) []*ast.Field {
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			if !x.included(s.Directives) {
				continue
			}
			key := s.Alias
			if key == "" {
				key = s.Name
			}
			if seen[key] {
				// Same response key: merge sub-selections into the first.
				for _, f := range out {
					k := f.Alias
					if k == "" {
						k = f.Name
					}
					if k == key && len(s.SelectionSet) > 0 {
						merged := *f
						merged.SelectionSet = append(append(ast.SelectionSet{}, f.SelectionSet...), s.SelectionSet...)
						*f = merged
					}
				}
				continue
			}
			seen[key] = true
			cp := *s
			out = append(out, &cp)
		case *ast.InlineFragment:
			if x.included(s.Directives) && x.applies(typ, s.TypeCondition) {
				out = x.collect(typ, s.SelectionSet, out, seen)
			}
		case *ast.FragmentSpread:
			if !x.included(s.Directives) {
				continue
			}
			def := x.doc.Fragments.ForName(s.Name)
			if def != nil && x.applies(typ, def.TypeCondition) {
				out = x.collect(typ, def.SelectionSet, out, seen)
			}
		}
	}
	return out
}

func (x *execution) included(ds ast.DirectiveList) bool {
	if d := ds.ForName("skip"); d != nil {
		if b, _ := d.ArgumentMap(x.vars)["if"].(bool); b {
			return false
		}
	}
	if d := ds.ForName("include"); d != nil {
		if b, _ := d.ArgumentMap(x.vars)["if"].(bool); !b {
			return false
		}
	}
	return true
}

func (x *execution) applies(typ *ast.Definition, cond string) bool {
	if cond == "" || cond == typ.Name {
		return true
	}
	c := x.schema.Types[cond]
	if c == nil || !c.IsAbstractType() {
		return false
	}
	for _, p := range x.schema.GetPossibleTypes(c) {
		if p.Name == typ.Name {
			return true
		}
	}
	return false
}

func (x *execution) rootObject(root *ast.Definition, sel ast.SelectionSet, resolvers map[string]Resolver) error {
	fields := x.collect(root, sel, nil, map[string]bool{})
	x.buf.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			x.buf.WriteByte(',')
		}
		key := responseKey(f)
		writeString(&x.buf, key)
		x.buf.WriteByte(':')
		x.path = append(x.path[:0], key)
		if f.Name == "__typename" {
			writeString(&x.buf, root.Name)
			continue
		}
		if f.Name == "__schema" || f.Name == "__type" {
			x.fail(fmt.Errorf("gql: introspection is not served; the schema files are the documentation"))
			x.buf.WriteString("null")
			continue
		}
		r := resolvers[f.Name]
		if r == nil {
			err := fmt.Errorf("gql: %s.%s is in the schema but not served yet", root.Name, f.Name)
			x.fail(err)
			if f.Definition.Type.NonNull {
				return errNull
			}
			x.buf.WriteString("null")
			continue
		}
		v, err := r(x.ctx, f.ArgumentMap(x.vars))
		if err != nil {
			x.fail(err)
			if f.Definition.Type.NonNull {
				return errNull
			}
			x.buf.WriteString("null")
			continue
		}
		if err := x.complete(f.Definition.Type, f, v); err != nil {
			return err
		}
	}
	x.buf.WriteByte('}')
	return nil
}

func responseKey(f *ast.Field) string {
	if f.Alias != "" {
		return f.Alias
	}
	return f.Name
}

// complete writes v as a value of type t, with f's selection set for
// objects. A returned error means "write nothing more: my parent is null".
func (x *execution) complete(t *ast.Type, f *ast.Field, v any) error {
	if isNil(v) {
		if t.NonNull {
			x.fail(fmt.Errorf("gql: %s is null but its type %s is non-null", f.Name, t.String()))
			return errNull
		}
		x.buf.WriteString("null")
		return nil
	}
	if t.Elem != nil {
		return x.completeList(t, f, v)
	}
	def := x.schema.Types[t.NamedType]
	if def == nil {
		return x.failNull(t, fmt.Errorf("gql: unknown type %s", t.NamedType))
	}
	switch def.Kind {
	case ast.Scalar, ast.Enum:
		if err := writeScalar(&x.buf, def.Name, v); err != nil {
			return x.failNull(t, fmt.Errorf("gql: field %s: %w", f.Name, err))
		}
		return nil
	}
	return x.completeObject(t, def, f, v)
}

func (x *execution) failNull(t *ast.Type, err error) error {
	x.fail(err)
	if t.NonNull {
		return errNull
	}
	x.buf.WriteString("null")
	return nil
}

func (x *execution) completeList(t *ast.Type, f *ast.Field, v any) error {
	start := x.buf.Len()
	var n int
	var at func(i int) any
	switch l := v.(type) {
	case []any:
		n, at = len(l), func(i int) any { return l[i] }
	case []map[string]any:
		n, at = len(l), func(i int) any { return l[i] }
	case []string:
		n, at = len(l), func(i int) any { return l[i] }
	default:
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
			return x.failNull(t, fmt.Errorf("gql: field %s: %T is not a list", f.Name, v))
		}
		n, at = rv.Len(), func(i int) any { return rv.Index(i).Interface() }
	}
	x.buf.WriteByte('[')
	depth := len(x.path)
	for i := 0; i < n; i++ {
		if i > 0 {
			x.buf.WriteByte(',')
		}
		x.path = append(x.path[:depth], i)
		if err := x.complete(t.Elem, f, at(i)); err != nil {
			x.path = x.path[:depth]
			x.buf.Truncate(start)
			if t.NonNull {
				return errNull
			}
			x.buf.WriteString("null")
			return nil
		}
	}
	x.path = x.path[:depth]
	x.buf.WriteByte(']')
	return nil
}

func (x *execution) completeObject(t *ast.Type, def *ast.Definition, f *ast.Field, v any) error {
	typ := def
	if def.IsAbstractType() {
		name := typeName(v)
		if name == "" {
			return x.failNull(t, fmt.Errorf("gql: field %s: a %s value must say its concrete type", f.Name, def.Name))
		}
		typ = x.schema.Types[name]
		if typ == nil {
			return x.failNull(t, fmt.Errorf("gql: field %s: unknown concrete type %q", f.Name, name))
		}
	}
	get, err := getter(v, x.vars)
	if err != nil {
		return x.failNull(t, fmt.Errorf("gql: field %s: %w", f.Name, err))
	}
	start := x.buf.Len()
	depth := len(x.path)
	x.buf.WriteByte('{')
	for i, sf := range x.collect(typ, f.SelectionSet, nil, map[string]bool{}) {
		if i > 0 {
			x.buf.WriteByte(',')
		}
		key := responseKey(sf)
		writeString(&x.buf, key)
		x.buf.WriteByte(':')
		x.path = append(x.path[:depth], key)
		if sf.Name == "__typename" {
			writeString(&x.buf, typ.Name)
			continue
		}
		fv, err := get(x.ctx, sf)
		if err == nil {
			err = x.complete(sf.Definition.Type, sf, fv)
		} else {
			x.fail(err)
			if sf.Definition.Type.NonNull {
				err = errNull
			} else {
				x.buf.WriteString("null")
			}
		}
		if err != nil {
			x.path = x.path[:depth]
			x.buf.Truncate(start)
			if t.NonNull {
				return errNull
			}
			x.buf.WriteString("null")
			return nil
		}
	}
	x.path = x.path[:depth]
	x.buf.WriteByte('}')
	return nil
}

// getter returns a function reading fields of v.
func getter(v any, vars map[string]any) (func(ctx context.Context, f *ast.Field) (any, error), error) {
	switch o := v.(type) {
	case map[string]any:
		return func(ctx context.Context, f *ast.Field) (any, error) {
			fv := o[f.Name]
			if r, ok := fv.(Resolver); ok {
				return r(ctx, f.ArgumentMap(vars))
			}
			if r, ok := fv.(func(context.Context, map[string]any) (any, error)); ok {
				return r(ctx, f.ArgumentMap(vars))
			}
			return fv, nil
		}, nil
	case Object:
		return func(ctx context.Context, f *ast.Field) (any, error) {
			return o.Field(ctx, f.Name, f.ArgumentMap(vars))
		}, nil
	}
	return nil, fmt.Errorf("%T is not an object value", v)
}

func typeName(v any) string {
	switch o := v.(type) {
	case Typed:
		return o.TypeName()
	case map[string]any:
		s, _ := o["__typename"].(string)
		return s
	}
	return ""
}

func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface, reflect.Func:
		return rv.IsNil()
	}
	return false
}

// writeScalar writes v as the scalar type name.
func writeScalar(b *bytes.Buffer, name string, v any) error {
	if p := reflect.ValueOf(v); p.Kind() == reflect.Pointer {
		v = p.Elem().Interface()
	}
	switch name {
	case "JSON":
		switch x := v.(type) {
		case json.RawMessage:
			b.Write(x)
			return nil
		case string:
			if json.Valid([]byte(x)) {
				b.WriteString(x)
				return nil
			}
		}
		return writeJSON(b, v)
	case "JSONString":
		switch x := v.(type) {
		case string:
			writeString(b, x)
			return nil
		case json.RawMessage:
			writeString(b, string(x))
			return nil
		}
		raw, err := json.Marshal(v)
		if err != nil {
			return err
		}
		writeString(b, string(raw))
		return nil
	case "DateTime":
		if t, ok := v.(time.Time); ok {
			writeString(b, t.UTC().Format(time.RFC3339Nano))
			return nil
		}
	case "Boolean":
		if x, ok := v.(bool); ok {
			b.WriteString(strconv.FormatBool(x))
			return nil
		}
		return fmt.Errorf("%T is not a Boolean", v)
	case "Int", "Int64":
		switch x := v.(type) {
		case int:
			b.WriteString(strconv.FormatInt(int64(x), 10))
		case int32:
			b.WriteString(strconv.FormatInt(int64(x), 10))
		case int64:
			b.WriteString(strconv.FormatInt(x, 10))
		case uint32:
			b.WriteString(strconv.FormatUint(uint64(x), 10))
		case uint64:
			b.WriteString(strconv.FormatUint(x, 10))
		case float64:
			if x != math.Trunc(x) || math.IsInf(x, 0) {
				return fmt.Errorf("%v is not an integer", x)
			}
			b.WriteString(strconv.FormatFloat(x, 'f', -1, 64))
		default:
			return fmt.Errorf("%T is not an %s", v, name)
		}
		return nil
	case "Float":
		var f float64
		switch x := v.(type) {
		case float64:
			f = x
		case float32:
			f = float64(x)
		case int:
			f = float64(x)
		case int64:
			f = float64(x)
		default:
			return fmt.Errorf("%T is not a Float", v)
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			b.WriteString("null")
			return nil
		}
		b.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
		return nil
	case "String", "ID":
		switch x := v.(type) {
		case string:
			writeString(b, x)
			return nil
		case int64:
			writeString(b, strconv.FormatInt(x, 10))
			return nil
		case int:
			writeString(b, strconv.Itoa(x))
			return nil
		case json.RawMessage:
			writeString(b, string(x))
			return nil
		}
		return fmt.Errorf("%T is not a %s", v, name)
	}
	if s, ok := v.(string); ok {
		writeString(b, s)
		return nil
	}
	return writeJSON(b, v)
}

func writeJSON(b *bytes.Buffer, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b.Write(raw)
	return nil
}

// writeString writes s as a JSON string (invalid UTF-8 replaced).
func writeString(b *bytes.Buffer, s string) {
	simple := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			simple = false
			break
		}
	}
	if simple {
		b.WriteByte('"')
		b.WriteString(s)
		b.WriteByte('"')
		return
	}
	raw, _ := json.Marshal(s)
	b.Write(raw)
}
