package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/store/sqlite"
)

// Versions, dedup by digest and aliases of store.Artifacts.
func ExampleStore_CreateArtifact() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "artifacts-example")
	defer os.RemoveAll(dir)
	st, err := sqlite.Open(ctx, filepath.Join(dir, "wandb.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	st.CreateUser(ctx, "alice", "", false)

	logVersion := func(content string, aliases ...string) store.Artifact {
		entries := []store.ArtifactEntry{{Path: "model.bin", Digest: content, Size: 1}}
		a, _, err := st.CreateArtifact(ctx, store.ArtifactInput{Entity: "alice", Project: "p", Type: "model",
			Collection: "net", Digest: store.ArtifactDigest(entries), Aliases: aliases})
		if err != nil {
			log.Fatal(err)
		}
		if a.State == store.ArtifactPending {
			a, err = st.CommitArtifact(ctx, a.ID, entries)
			if err != nil {
				log.Fatal(err)
			}
		}
		return a
	}
	v0 := logVersion("1B2M2Y8AsgTpgAmY7PhCfg==", "best")
	v1 := logVersion("XUFAKrxLKna5cZ2REBfFkg==")
	again := logVersion("XUFAKrxLKna5cZ2REBfFkg==")
	v0, _ = st.Artifact(ctx, v0.ID)
	fmt.Println(v0.VersionName(), v0.Aliases)
	fmt.Println(v1.VersionName(), v1.Aliases, again.ID == v1.ID)
	best, _ := st.ResolveArtifact(ctx, "alice", "p", "net", "best")
	fmt.Println("best is", best.VersionName())
	// Output:
	// v0 [best]
	// v1 [latest] true
	// best is v0
}
