package runfilter_test

import (
	"slices"
	"testing"

	"github.com/gowandb/wandb/core/runfilter"
)

// roundTrip asserts that f's Mongo-style JSON compiles back to a filter
// selecting the same fixture runs.
func roundTrip(t *testing.T, in string, f *runfilter.Filter) {
	b, err := f.MarshalJSON()
	if err != nil {
		t.Fatalf("%q compiled but does not marshal: %v", in, err)
	}
	back, err := runfilter.ParseMongo(b)
	if err != nil {
		t.Fatalf("%q → %s does not parse back: %v", in, b, err)
	}
	if a, b := names(f.Apply(fixture())), names(back.Apply(fixture())); !slices.Equal(a, b) {
		t.Fatalf("%q selects %v, its JSON %s selects %v", in, a, f, b)
	}
}

func FuzzParseExpr(f *testing.F) {
	for _, s := range []string{
		"config.lr > 0.01 and state = finished", "summary.loss < 0.5 or tags contains baseline",
		`name ~ "sweep-"`, "not (state in (a, 'b')) && !(x.y exists)", `id != "a\"b"`, "created_at >= 2024-01-01",
		"config.a.b.c <= -1e-3 || summary_metrics.x not exists", "tags not contains 'x'", `name !~ '\d+'`,
		"((((state = x))))", "summary.z = null", "state = +inf",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		flt, err := runfilter.ParseExpr(s)
		if err != nil {
			if _, ok := err.(*runfilter.Error); !ok {
				t.Fatalf("%q: error %T is not *runfilter.Error", s, err)
			}
			return
		}
		roundTrip(t, s, flt)
	})
}

func FuzzParseMongo(f *testing.F) {
	for _, s := range []string{
		`{"$and":[{"config.lr.value":{"$gt":0.01}},{"state":"finished"}]}`,
		`{"$or":[{"tags":{"$in":["a"]}},{"display_name":{"$regex":"^s","$options":"i"}}]}`,
		`{"summary_metrics.loss":{"$exists":false,"$ne":1}}`, `{"$nor":[{"name":{"$not":{"$lt":3}}}]}`,
		`{"config.x":{"$all":[1,2.5,"s",null,true]}}`, `{"created_at":{"$gte":"2024-01-01"}}`, `{}`, `null`,
		`{"summary.a":{"b":[1,{"c":2}]}}`, `{"state":{"$contains":"fin"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		flt, err := runfilter.ParseMongo(b)
		if err != nil {
			if _, ok := err.(*runfilter.Error); !ok {
				t.Fatalf("%q: error %T is not *runfilter.Error", b, err)
			}
			return
		}
		roundTrip(t, string(b), flt)
	})
}

func FuzzParseOrder(f *testing.F) {
	for _, s := range []string{"-created_at", "+summary_metrics.loss", "config.lr, -name", "", ",", "-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := runfilter.ParseOrder(s)
		if err != nil {
			return
		}
		runs := fixture()
		o.Sort(runs)
		if len(runs) != 3 {
			t.Fatal("sort lost runs")
		}
	})
}
