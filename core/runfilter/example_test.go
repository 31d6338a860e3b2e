package runfilter_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/gowandb/wandb/core/runfilter"
	"github.com/gowandb/wandb/core/store"
)

func ExampleParseExpr() {
	runs := []store.Run{
		{ID: 1, Name: "r1", State: store.StateFinished, Config: json.RawMessage(`{"lr":{"value":0.1}}`), Summary: json.RawMessage(`{"loss":0.2}`)},
		{ID: 2, Name: "r2", State: store.StateFinished, Config: json.RawMessage(`{"lr":{"value":0.001}}`), Summary: json.RawMessage(`{"loss":0.4}`)},
		{ID: 3, Name: "r3", State: store.StateCrashed, Config: json.RawMessage(`{"lr":{"value":0.1}}`), Summary: json.RawMessage(`{}`)},
	}
	f, err := runfilter.ParseExpr("config.lr > 0.01 and state = finished")
	if err != nil {
		panic(err)
	}
	for _, r := range f.Apply(runs) {
		fmt.Println(r.Name)
	}
	fmt.Println(f) // the W&B wire form
	// Output:
	// r1
	// {"$and":[{"config.lr":{"$gt":0.01}},{"state":"finished"}]}
}

func ExampleParseMongo() {
	f, err := runfilter.ParseMongo([]byte(`{"$or":[{"tags":"baseline"},{"summary_metrics.acc":{"$gte":0.9}}]}`))
	if err != nil {
		panic(err)
	}
	fmt.Println(f.Match(&store.Run{Tags: []string{"baseline"}}))
	fmt.Println(f.Match(&store.Run{Summary: json.RawMessage(`{"acc":0.5}`)}))
	// Output:
	// true
	// false
}

func ExampleParseOrder() {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	runs := []store.Run{
		{ID: 1, Name: "a", CreatedAt: t0, Summary: json.RawMessage(`{"loss":0.5}`)},
		{ID: 2, Name: "b", CreatedAt: t0.Add(time.Hour), Summary: json.RawMessage(`{}`)},
		{ID: 3, Name: "c", CreatedAt: t0.Add(2 * time.Hour), Summary: json.RawMessage(`{"loss":0.1}`)},
	}
	o, err := runfilter.ParseOrder("+summary_metrics.loss")
	if err != nil {
		panic(err)
	}
	o.Sort(runs)
	for _, r := range runs {
		fmt.Print(r.Name, " ")
	}
	fmt.Println()
	// Output: c a b
}

func ExampleError() {
	_, err := runfilter.ParseExpr("config.lr > and state = finished")
	fmt.Println(err)
	// Output: runfilter: column 13: expected a value after ">", got the keyword "and" (quote it to mean the word)
}
