package wandb_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/core/server"
	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/store/localblob"
	"github.com/gowandb/wandb/core/store/sqlite"
)

// exampleServer starts a tracking server with user "alice" and three runs
// of project "mnist", each with 100 history rows, and returns its URL, the
// key and a stop function.
func exampleServer() (url, key string, stop func()) {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "api-example")
	st, err := sqlite.Open(ctx, filepath.Join(dir, "wandb.db"))
	if err != nil {
		panic(err)
	}
	blobs, _ := localblob.New(filepath.Join(dir, "blobs"))
	u, _ := st.CreateUser(ctx, "alice", "alice@example.com", false)
	key = "alice-example-key-0123456789abcdef"
	st.CreateAPIKey(ctx, u.ID, key, "example")
	for i, lr := range []float64{0.1, 0.01, 0.001} {
		cfg, _ := json.Marshal(map[string]any{"lr": map[string]any{"value": lr}})
		sum, _ := json.Marshal(map[string]any{"loss": 1 / (10 * lr)})
		state := store.StateFinished
		r, _ := st.UpsertRun(ctx, store.RunUpsert{Entity: "alice", Project: "mnist", Name: fmt.Sprintf("run%d", i),
			Config: cfg, Summary: sum, State: &state})
		lines := make([]string, 100)
		for s := range lines {
			lines[s] = fmt.Sprintf(`{"_step":%d,"loss":%g}`, s, float64(100-s)*lr)
		}
		st.AppendHistory(ctx, r.ID, 0, lines)
	}
	srv := httptest.NewServer(server.New(st, blobs).Handler())
	return srv.URL, key, func() { srv.Close(); st.Close(); os.RemoveAll(dir) }
}

func ExampleNewAPI() {
	url, key, stop := exampleServer()
	defer stop()
	ctx := context.Background()

	// Without options: WANDB_BASE_URL, WANDB_API_KEY, netrc.
	api, err := wandb.NewAPI(wandb.WithAPIBaseURL(url), wandb.WithAPIKey(key))
	if err != nil {
		panic(err)
	}
	q := wandb.RunsQuery{Filters: "config.lr >= 0.01 and state = finished", Order: "+summary_metrics.loss"}
	for run, err := range api.Runs(ctx, "alice/mnist", q) {
		if err != nil {
			panic(err)
		}
		fmt.Println(run.Path(), run.Config["lr"], run.Summary["loss"])
	}
	// Output:
	// alice/mnist/run0 0.1 1
	// alice/mnist/run1 0.01 10
}

func ExampleAPI_Run() {
	url, key, stop := exampleServer()
	defer stop()
	ctx := context.Background()
	api, err := wandb.NewAPI(wandb.WithAPIBaseURL(url), wandb.WithAPIKey(key))
	if err != nil {
		panic(err)
	}
	run, err := api.Run(ctx, "alice/mnist/run1")
	if err != nil {
		panic(err)
	}
	// Five rows spread over the run (the last of each fifth), with loss only.
	rows, err := run.History(ctx, wandb.HistoryQuery{Keys: []string{"loss"}, Samples: 5})
	if err != nil {
		panic(err)
	}
	for _, row := range rows {
		fmt.Printf("step %d loss %.2f\n", row.Step(), row["loss"])
	}
	// Min, max and last loss in 2 step buckets, for a chart.
	buckets, err := run.Buckets(ctx, "loss", wandb.BucketQuery{Buckets: 2})
	if err != nil {
		panic(err)
	}
	for _, b := range buckets {
		fmt.Printf("steps %d-%d: min %.2f max %.2f last %.2f\n", b.Start, b.End, b.Min, b.Max, b.Last)
	}
	// Output:
	// step 19 loss 0.81
	// step 39 loss 0.61
	// step 59 loss 0.41
	// step 79 loss 0.21
	// step 99 loss 0.01
	// steps 0-49: min 0.51 max 1.00 last 0.51
	// steps 50-99: min 0.01 max 0.50 last 0.01
}
