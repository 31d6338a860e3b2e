package postgres_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/store/postgres"
)

// Open a PostgreSQL store and append history to a run. The DSN names an
// existing database; the schema is created on first use.
func Example() {
	ctx := context.Background()
	st, err := postgres.Open(ctx, os.Getenv("WANDB_POSTGRES_DSN"))
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	if _, err := st.CreateUser(ctx, "alice", "alice@example.com", false); err != nil {
		log.Fatal(err)
	}
	run, err := st.UpsertRun(ctx, store.RunUpsert{Entity: "alice", Project: "mnist", Name: "abc123"})
	if err != nil {
		log.Fatal(err)
	}
	n, err := st.AppendHistory(ctx, run.ID, 0, []string{`{"_step":0,"loss":1.5}`, `{"_step":1,"loss":0.75}`})
	fmt.Println(n, err)
}
