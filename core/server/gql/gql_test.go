package gql_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gowandb/wandb/core/server/gql"
)

const testSchema = `
scalar JSONString
scalar JSON
scalar Int64
scalar DateTime

type Query {
  run(name: String!): Run
  runs(first: Int): [Run!]!
  mustRun(name: String!): Run!
  node(id: ID!): Node
  big: Int64
  missing: String
}

type Mutation {
  rename(input: RenameInput!): Run
}

input RenameInput { name: String! displayName: String tags: [String!] step: Int64 }

interface Node { id: ID! }

type Run implements Node {
  id: ID!
  name: String!
  displayName: String
  config: JSONString
  summary: JSON
  createdAt: DateTime
  tags: [String!]
  history(samples: Int!): [Int!]!
  required: String!
}

type File implements Node { id: ID! size: Int }
`

var (
	created = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	runs    = map[string]map[string]any{}
)

func run(name string) map[string]any {
	return map[string]any{
		"__typename": "Run",
		"id":         "UnVuOjE=", "name": name, "displayName": "Run " + name,
		"config":    json.RawMessage(`{"lr":{"value":0.1}}`),
		"summary":   json.RawMessage(`{"loss":0.5,"nested":{"a":[1,2]}}`),
		"createdAt": created, "tags": []string{"a", "b"},
		"history": gql.Resolver(func(_ context.Context, args map[string]any) (any, error) {
			n := max(0, min(args["samples"].(int64), 100))
			out := make([]int, n)
			for i := range out {
				out[i] = i * 10
			}
			return out, nil
		}),
		"required": nil,
	}
}

type file struct{ id string }

func (f file) TypeName() string { return "File" }
func (f file) Field(_ context.Context, name string, _ map[string]any) (any, error) {
	switch name {
	case "id":
		return f.id, nil
	case "size":
		return 42, nil
	}
	return nil, fmt.Errorf("no field %s", name)
}

func newExec(t testing.TB) *gql.Executor {
	t.Helper()
	s, err := gql.LoadSchema(fstest.MapFS{"s/a.graphql": {Data: []byte(testSchema)}}, "s/*.graphql")
	if err != nil {
		t.Fatal(err)
	}
	e := gql.NewExecutor(s)
	e.Query("run", func(_ context.Context, args map[string]any) (any, error) {
		if args["name"] == "boom" {
			return nil, errors.New("store exploded")
		}
		if args["name"] == "none" {
			return nil, nil
		}
		return run(args["name"].(string)), nil
	})
	e.Query("mustRun", func(_ context.Context, args map[string]any) (any, error) {
		return nil, nil
	})
	e.Query("runs", func(_ context.Context, args map[string]any) (any, error) {
		n, _ := args["first"].(int64)
		n = min(n, 50)
		out := []map[string]any{}
		for i := range n {
			out = append(out, run(fmt.Sprint("r", i)))
		}
		return out, nil
	})
	e.Query("node", func(_ context.Context, args map[string]any) (any, error) {
		if strings.HasPrefix(args["id"].(string), "f") {
			return file{args["id"].(string)}, nil
		}
		return run("n1"), nil
	})
	e.Query("big", func(context.Context, map[string]any) (any, error) { return int64(1) << 60, nil })
	e.Mutation("rename", func(_ context.Context, args map[string]any) (any, error) {
		in := args["input"].(map[string]any)
		r := run(in["name"].(string))
		if d, ok := in["displayName"]; ok {
			r["displayName"] = d
		}
		if tags, ok := in["tags"].([]any); ok {
			r["tags"] = tags
		}
		if st, ok := in["step"].(int64); ok {
			r["displayName"] = fmt.Sprint(r["displayName"], " step ", st)
		}
		return r, nil
	})
	return e
}

func exec(t *testing.T, e *gql.Executor, q string, vars map[string]any) *gql.Response {
	t.Helper()
	if vars != nil {
		// Variables arrive through JSON with numbers as json.Number.
		raw, _ := json.Marshal(vars)
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.UseNumber()
		vars = nil
		if err := dec.Decode(&vars); err != nil {
			t.Fatal(err)
		}
	}
	return e.Execute(context.Background(), gql.Request{Query: q, Variables: vars})
}

func TestExecute(t *testing.T) {
	e := newExec(t)
	for _, tc := range []struct {
		name, query string
		vars        map[string]any
		want        string // data
		errs        []string
	}{
		{name: "selection order, aliases, scalars",
			query: `{ run(name: "x") { name display: displayName config summary createdAt tags } }`,
			want: `{"run":{"name":"x","display":"Run x","config":"{\"lr\":{\"value\":0.1}}",` +
				`"summary":{"loss":0.5,"nested":{"a":[1,2]}},"createdAt":"2026-11-26T12:00:00Z","tags":["a","b"]}}`},
		{name: "variables and field arguments",
			query: `query Q($n: String!, $s: Int!) { run(name: $n) { name history(samples: $s) } }`,
			vars:  map[string]any{"n": "v", "s": 3},
			want:  `{"run":{"name":"v","history":[0,10,20]}}`},
		{name: "fragments, inline fragments and __typename",
			query: `query { a: node(id: "r") { __typename ...R } b: node(id: "f1") { __typename id ... on File { size } ... on Run { name } } }
			        fragment R on Run { name id }`,
			want: `{"a":{"__typename":"Run","name":"n1","id":"UnVuOjE="},"b":{"__typename":"File","id":"f1","size":42}}`},
		{name: "skip and include",
			query: `query Q($yes: Boolean!) { run(name: "x") { name @include(if: $yes) displayName @skip(if: $yes) } }`,
			vars:  map[string]any{"yes": true},
			want:  `{"run":{"name":"x"}}`},
		{name: "lists of objects",
			query: `{ runs(first: 2) { name } }`,
			want:  `{"runs":[{"name":"r0"},{"name":"r1"}]}`},
		{name: "null object",
			query: `{ run(name: "none") { name } }`,
			want:  `{"run":null}`},
		{name: "resolver error becomes a field error with a path",
			query: `{ run(name: "boom") { name } big }`,
			want:  `{"run":null,"big":1152921504606846976}`,
			errs:  []string{"store exploded @ [run]"}},
		{name: "null in non-null field propagates to the nullable parent",
			query: `{ run(name: "x") { name required } }`,
			want:  `{"run":null}`,
			errs:  []string{"gql: required is null but its type String! is non-null @ [run required]"}},
		{name: "null root in non-null position nulls data",
			query: `{ mustRun(name: "x") { name } }`,
			want:  `null`,
			errs:  []string{"gql: mustRun is null but its type Run! is non-null @ [mustRun]"}},
		{name: "unserved root field",
			query: `{ missing }`,
			want:  `{"missing":null}`,
			errs:  []string{"gql: Query.missing is in the schema but not served yet @ [missing]"}},
		{name: "mutation with input object, Int64 and list variables",
			query: `mutation M($name: String!, $tags: [String!], $step: Int64) { rename(input: {name: $name, tags: $tags, step: $step, displayName: "d"}) { name displayName tags } }`,
			vars:  map[string]any{"name": "m", "tags": []string{"t1"}, "step": 9007199254740993},
			want:  `{"rename":{"name":"m","displayName":"d step 9007199254740993","tags":["t1"]}}`},
		{name: "an unset optional variable is absent from the input",
			query: `mutation M($name: String!, $d: String) { rename(input: {name: $name, displayName: $d}) { displayName } }`,
			vars:  map[string]any{"name": "m"},
			want:  `{"rename":{"displayName":"Run m"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := exec(t, e, tc.query, tc.vars)
			if r.Invalid {
				t.Fatalf("refused: %+v", r.Errors)
			}
			if string(r.Data) != tc.want {
				t.Errorf("data\n got %s\nwant %s", r.Data, tc.want)
			}
			var got []string
			for _, e := range r.Errors {
				s := e.Message
				if len(e.Path) > 0 {
					s += " @ " + strings.Trim(fmt.Sprint(e.Path), "")
				}
				got = append(got, s)
			}
			if strings.Join(got, "\n") != strings.Join(tc.errs, "\n") {
				t.Errorf("errors\n got %q\nwant %q", got, tc.errs)
			}
			if !json.Valid(r.Data) {
				t.Errorf("data is not valid JSON: %s", r.Data)
			}
		})
	}
}

func TestValidationErrors(t *testing.T) {
	e := newExec(t)
	for _, tc := range []struct{ query, opName, want string }{
		{`{ run(name: "x") { nope } }`, "", `Cannot query field "nope" on type "Run". Did you mean "name"? (line 1, column 20)`},
		{`{ run(nam: "x") { name } }`, "", `Unknown argument "nam" on field "Query.run".`},
		{`query Q($n: JSONString!) { run(name: $n) { name } }`, "", `Variable "$n" of type "JSONString!" used in position expecting type "String!".`},
		{`{ run(name: "x") { name }`, "", `Expected Name, found <EOF>`},
		{`query A { big } query B { big }`, "", `operationName is required`},
		{`query A { big }`, "B", `no operation named "B"`},
		{`query Q($n: String!) { run(name: $n) { name } }`, "", `must be defined`},
		{`subscription S { big }`, "", `Schema does not support operation type "subscription"`},
	} {
		r := e.Execute(context.Background(), gql.Request{Query: tc.query, OperationName: tc.opName})
		if !r.Invalid || len(r.Errors) == 0 || !strings.Contains(r.Errors[0].Message, tc.want) {
			t.Errorf("%s: got invalid=%v %+v, want an error containing %q", tc.query, r.Invalid, r.Errors, tc.want)
		}
		if r.Data != nil {
			t.Errorf("%s: data %s on a refused request", tc.query, r.Data)
		}
	}
}

func TestRegistration(t *testing.T) {
	e := newExec(t)
	if got := strings.Join(e.Unresolved(), ","); got != "Query.missing" {
		t.Errorf("Unresolved = %q, want Query.missing", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("registering a field the schema lacks did not panic")
		}
	}()
	e.Query("nope", nil)
}

func TestLoadSchemaErrors(t *testing.T) {
	if _, err := gql.LoadSchema(fstest.MapFS{}, "*.graphql"); err == nil || !strings.Contains(err.Error(), "no schema files") {
		t.Errorf("empty: %v", err)
	}
	_, err := gql.LoadSchema(fstest.MapFS{"a.graphql": {Data: []byte("type Query { x: Nope }")}}, "*.graphql")
	if err == nil || !strings.Contains(err.Error(), "Nope") {
		t.Errorf("bad type: %v", err)
	}
}

// The executor is shared by all requests: run it concurrently under -race.
func TestConcurrent(t *testing.T) {
	e := newExec(t)
	done := make(chan string)
	for i := range 8 {
		go func() {
			r := e.Execute(context.Background(), gql.Request{Query: fmt.Sprintf(`{ run(name: "c%d") { name } }`, i%3)})
			done <- string(r.Data)
		}()
	}
	for range 8 {
		if d := <-done; !strings.HasPrefix(d, `{"run":{"name":"c`) {
			t.Errorf("got %s", d)
		}
	}
}

func FuzzExecute(f *testing.F) {
	e := newExec(f)
	for _, s := range []string{
		`{ run(name: "x") { name history(samples: 2) } }`,
		`query Q($n: String!) { run(name: $n) { ...F } } fragment F on Run { id tags }`,
		`{ node(id: "f") { ... on File { size } } }`,
		`mutation { rename(input: {name: "a"}) { name } }`,
		`{ runs(first: 3) { name config summary } }`,
		`{ a: big b: big`, `{ __typename }`, `{ __schema { types { name } } }`,
	} {
		f.Add(s, `{"n":"x"}`)
	}
	f.Fuzz(func(t *testing.T, q, vars string) {
		var v map[string]any
		dec := json.NewDecoder(strings.NewReader(vars))
		dec.UseNumber()
		_ = dec.Decode(&v)
		r := e.Execute(context.Background(), gql.Request{Query: q, Variables: v})
		if !r.Invalid && !json.Valid(r.Data) {
			t.Fatalf("invalid JSON data %q for %q", r.Data, q)
		}
	})
}
