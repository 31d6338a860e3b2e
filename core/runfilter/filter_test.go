package runfilter_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/runfilter"
	"github.com/gowandb/wandb/core/store"
)

func names(rs []store.Run) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}

// check compiles f's Mongo form back and asserts both select want.
func check(t *testing.T, label string, f *runfilter.Filter, want []string) {
	t.Helper()
	runs := fixture()
	if got := names(f.Apply(runs)); !slices.Equal(got, want) {
		t.Errorf("%s: got %v, want %v (as JSON %s)", label, got, want, f)
	}
	back, err := runfilter.ParseMongo([]byte(f.String()))
	if err != nil {
		t.Fatalf("%s: its JSON %s does not parse back: %v", label, f, err)
	}
	if got := names(back.Apply(runs)); !slices.Equal(got, want) {
		t.Errorf("%s: JSON %s selects %v, want %v", label, f, got, want)
	}
}

func TestMongoFilters(t *testing.T) {
	for _, tc := range []struct {
		filter string
		want   []string
	}{
		{``, []string{"a1", "b2", "c3"}},
		{`{}`, []string{"a1", "b2", "c3"}},
		{`null`, []string{"a1", "b2", "c3"}},
		{`{"$and":[{"config.lr.value":{"$gt":0.01}},{"state":"finished"}]}`, []string{"a1"}},
		{`{"config.lr.value":{"$gt":0.01}}`, []string{"a1", "c3"}}, // "0.05" is a numeric string
		{`{"config.lr":{"$lte":0.05}}`, []string{"b2", "c3"}},
		{`{"config.opt.name":"adam"}`, []string{"a1"}},
		{`{"config.opt.value.name":{"$in":["adam","sgd"]}}`, []string{"a1", "b2"}},
		{`{"config.a.b":3}`, []string{"a1"}},
		{`{"config.layers":2}`, []string{"a1"}},              // list membership
		{`{"config.layers":[1,2]}`, []string{"a1"}},          // whole list
		{`{"config.layers":{"$all":[2,1]}}`, []string{"a1"}}, // every element
		{`{"config.big":9007199254740993}`, []string{"a1"}},  // exact int64
		{`{"$or":[{"summary_metrics.loss":{"$lt":0.5}},{"state":"crashed"}]}`, []string{"a1", "c3"}},
		{`{"$or":[]}`, []string{"a1", "b2", "c3"}},
		{`{"$nor":[{"state":"running"}]}`, []string{"a1", "c3"}},
		{`{"summary_metrics.nested.x":{"$gte":1}}`, []string{"a1"}},
		{`{"summary_metrics.loss":{"$exists":false}}`, []string{"c3"}},
		{`{"summary_metrics.loss":{"$exists":true}}`, []string{"a1", "b2"}},
		{`{"summary_metrics.loss":{"$ne":0.3}}`, []string{"b2", "c3"}}, // missing matches $ne
		{`{"summary_metrics.acc":{"$gt":0}}`, []string{"a1"}},          // NaN never compares
		{`{"summary_metrics.label":{"$gt":0}}`, nil},                   // string vs number: no
		{`{"summary_metrics.flag":true}`, []string{"a1"}},
		{`{"tags":"baseline"}`, []string{"a1", "c3"}},
		{`{"tags":{"$in":["x","nope"]}}`, []string{"a1"}},
		{`{"tags":{"$nin":["baseline"]}}`, []string{"b2"}},
		{`{"tags":{"$contains":"x"}}`, []string{"a1"}},
		{`{"display_name":{"$regex":"^sweep-"}}`, []string{"a1", "c3"}},
		{`{"display_name":{"$regex":"^SWEEP","$options":"i"}}`, []string{"a1", "c3"}},
		{`{"display_name":{"$not":{"$regex":"^sweep"}}}`, []string{"b2"}},
		{`{"display_name":{"$contains":"eep-3"}}`, []string{"c3"}},
		{`{"name":"b2"}`, []string{"b2"}},
		{`{"group":"g1","job_type":"train"}`, []string{"a1", "c3"}},
		{`{"jobType":"eval"}`, []string{"b2"}},
		{`{"created_at":{"$gt":"2024-01-15"}}`, []string{"b2", "c3"}},
		{`{"created_at":{"$lt":"2024-02-01T00:00:00Z"}}`, []string{"a1"}},
		{`{"createdAt":{"$gte":"2024-02-01 00:00:00"}}`, []string{"b2", "c3"}},
		{`{"history_line_count":{"$gte":5}}`, []string{"a1", "b2"}},
		{`{"state":{"$in":["finished","crashed"]},"tags":"baseline"}`, []string{"a1", "c3"}},
		{`{"summary_metrics.loss":{"$gt":0.1,"$lt":0.5}}`, []string{"a1"}},
		{`{"config.missing":{"$eq":null}}`, nil},
		{`{"summary_metrics.nested":{"x":1}}`, []string{"a1"}}, // object equality
	} {
		f, err := runfilter.ParseMongo([]byte(tc.filter))
		if err != nil {
			t.Errorf("%s: %v", tc.filter, err)
			continue
		}
		check(t, tc.filter, f, tc.want)
	}
}

func TestExprFilters(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want []string
	}{
		{"", []string{"a1", "b2", "c3"}},
		{"config.lr > 0.01 and state = finished", []string{"a1"}},
		{"summary.loss < 0.5 or tags contains baseline", []string{"a1", "c3"}},
		{`name ~ "sweep-"`, []string{"a1", "c3"}},
		{`name !~ "sweep-"`, []string{"b2"}},
		{`not (name ~ "^sweep") `, []string{"b2"}},
		{`!(state == running) && group = g1`, []string{"a1", "c3"}},
		{"state = running || state = crashed", []string{"b2", "c3"}},
		{"state in (finished, 'crashed')", []string{"a1", "c3"}},
		{"state not in (finished)", []string{"b2", "c3"}},
		{"tags not contains baseline", []string{"b2"}},
		{"summary.loss exists", []string{"a1", "b2"}},
		{"summary.loss not exists", []string{"c3"}},
		{"summary_metrics.loss >= 0.8", []string{"b2"}},
		{"created_at >= 2024-02-01", []string{"b2", "c3"}},
		{"created_at < '2024-02-01T00:00:00Z'", []string{"a1"}},
		{"id = c3", []string{"c3"}},
		{"display_name = run-b", []string{"b2"}},
		{"config.opt.name = 'adam' OR config.opt.name = sgd", []string{"a1", "b2"}},
		{"(state = finished or state = running) and summary.loss > 0.5", []string{"b2"}},
		{"state = finished or state = running and summary.loss > 0.5", []string{"a1", "b2"}}, // and binds tighter
		{"summary.flag = true", []string{"a1"}},
		{"config.lr != 0.1", []string{"b2", "c3"}},
		{"config.lr = -1e9", nil},
		{"summary.label = s", []string{"a1"}},
		{`name ~ "\d$"`, []string{"a1", "c3"}},
		{"history_line_count > 6", []string{"a1"}},
	} {
		f, err := runfilter.ParseExpr(tc.expr)
		if err != nil {
			t.Errorf("%q: %v", tc.expr, err)
			continue
		}
		check(t, tc.expr, f, tc.want)
	}
}

func TestParseDetectsSyntax(t *testing.T) {
	f, err := runfilter.Parse(` {"state":"crashed"}`)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "json", f, []string{"c3"})
	f, err = runfilter.Parse(`state = crashed`)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "expr", f, []string{"c3"})
}

func TestErrorsNameThePlace(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{`state =`, "column 8: expected a value after \"=\", got end of input"},
		{`state = finished and`, "column 21: expected a key"},
		{`bogus > 1`, `column 1: unknown key "bogus"`},
		{`config. > 1`, `column 1: unknown key "config."`},
		{`(state = finished`, `column 18: expected ")" to close the "(" at column 1`},
		{`state finished`, `column 7: expected an operator`},
		{`name ~ "("`, `column 8: bad regular expression`},
		{`state = "finished`, `column 9: unterminated string`},
		{`state = finished)`, `column 17: unexpected ")" after a complete expression`},
		{`state = a & b`, `column 11: unexpected "&" (did you mean "&&"?)`},
		{`state # 1`, `column 7: unexpected character '#'`},
		{`state in finished`, `column 10: expected "(" to start the list`},
		{`state in (a b)`, `column 13: expected "," or ")"`},
		{`state not = a`, `column 11: expected in, contains or exists after "not"`},
		{`summary.loss < null`, `column 16: < needs a value that can be ordered`},
		{`state = and`, `column 9: expected a value after "=", got the keyword "and"`},
		{`and = 1`, `column 1: expected a key (config.X, summary.X, state, tags, ...), got the keyword "and"`},
		{`{"state":`, "column 10: malformed JSON"},
		{`{"state":1} x`, "malformed JSON: more after the filter object"},
		{`[1]`, "a filter is a JSON object, not a list"},
		{`{"$and":{}}`, "$and: $and takes a list of filter objects, not an object"},
		{`{"$and":[1]}`, "$and[0]: a filter is a JSON object, not a number"},
		{`{"$or":[{"config.lr":{"$gtt":1}}]}`, `$or[0].config.lr.$gtt: unknown operator "$gtt"`},
		{`{"$where":"x"}`, `$where: unknown operator "$where" here`},
		{`{"foo":1}`, `foo: unknown key "foo"`},
		{`{"state":{"$in":"x"}}`, "state.$in: $in takes a list, not a string"},
		{`{"state":{"$gt":[1]}}`, "state.$gt: $gt takes a single value, not a list"},
		{`{"state":{"$regex":1}}`, "state.$regex: $regex takes a string, not a number"},
		{`{"state":{"$regex":"a","$options":"q"}}`, `state.$regex: unknown regex option 'q'`},
		{`{"state":{"$options":"i"}}`, "state.$options: $options needs a $regex beside it"},
		{`{"state":{"$exists":"yes"}}`, "state.$exists: $exists takes true or false, not a string"},
		{`{"state":{"$not":1}}`, "state.$not: $not takes an object of operators, not a number"},
		{`{"state":{"$eq":1,"x":2}}`, "state: an object mixes $-operators and plain keys"},
	} {
		_, err := runfilter.Parse(tc.in)
		if err == nil {
			t.Errorf("%q: no error", tc.in)
			continue
		}
		if !errors.Is(err, runfilter.ErrInvalid) {
			t.Errorf("%q: %v does not wrap ErrInvalid", tc.in, err)
		}
		if _, ok := errors.AsType[*runfilter.Error](err); !ok {
			t.Errorf("%q: %T is not *runfilter.Error", tc.in, err)
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q:\n got %v\nwant %s", tc.in, err, tc.want)
		}
	}
}

func TestDeepNestingIsRefused(t *testing.T) {
	_, err := runfilter.ParseExpr(strings.Repeat("(", 500) + "state = x" + strings.Repeat(")", 500))
	if err == nil || !strings.Contains(err.Error(), "nested more than") {
		t.Fatalf("got %v", err)
	}
	_, err = runfilter.ParseExpr(strings.Repeat("not ", 500) + "state = x")
	if err == nil || !strings.Contains(err.Error(), "nested more than") {
		t.Fatalf("got %v", err)
	}
}

func TestCacheReparsesUpdatedRuns(t *testing.T) {
	c := runfilter.NewCache(0)
	f, err := runfilter.ParseExpr("summary.loss < 0.5", runfilter.WithCache(c))
	if err != nil {
		t.Fatal(err)
	}
	runs := fixture()
	if got := names(f.Apply(runs)); !slices.Equal(got, []string{"a1"}) {
		t.Fatalf("got %v", got)
	}
	if c.Len() != 3 {
		t.Fatalf("cache holds %d runs, want 3", c.Len())
	}
	// Same UpdatedAt: the cached (stale) summary is used.
	runs[1].Summary = []byte(`{"loss":0.1}`)
	if got := names(f.Apply(runs)); !slices.Equal(got, []string{"a1"}) {
		t.Fatalf("same version: got %v", got)
	}
	// A new UpdatedAt: parsed again.
	runs[1].UpdatedAt = runs[1].UpdatedAt.Add(1)
	if got := names(f.Apply(runs)); !slices.Equal(got, []string{"a1", "b2"}) {
		t.Fatalf("new version: got %v", got)
	}
	// A full cache empties itself and keeps working.
	small := runfilter.NewCache(2)
	g, _ := runfilter.ParseExpr("summary.loss < 0.5", runfilter.WithCache(small))
	if got := names(g.Apply(fixture())); !slices.Equal(got, []string{"a1"}) || small.Len() > 2 {
		t.Fatalf("small cache: got %v, len %d", got, small.Len())
	}
}
