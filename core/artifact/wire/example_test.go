package wire_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/gowandb/wandb/core/artifact"
	"github.com/gowandb/wandb/core/artifact/wire"
	"github.com/gowandb/wandb/core/server"
	"github.com/gowandb/wandb/core/store/localblob"
	"github.com/gowandb/wandb/core/store/sqlite"
)

// Log a version to a tracking server, log the same content again (no new
// version) and resolve it by alias.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "wire-example")
	defer os.RemoveAll(dir)

	// A gowandb server on loopback with one user.
	st, err := sqlite.Open(ctx, filepath.Join(dir, "wandb.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	blobs, _ := localblob.New(filepath.Join(dir, "blobs"))
	u, _ := st.CreateUser(ctx, "alice", "", false)
	const key = "alice-key-0123456789abcdef"
	st.CreateAPIKey(ctx, u.ID, key, "example")
	srv := httptest.NewServer(server.New(st, blobs).Handler())
	defer srv.Close()

	// A manifest of one file.
	file := filepath.Join(dir, "data.csv")
	os.WriteFile(file, []byte("x,y\n1,2\n"), 0o644)
	digest, size, _ := artifact.HashFile(ctx, file)
	m := artifact.NewManifest()
	m.Put(artifact.Entry{Path: "data.csv", Digest: digest, Size: size, LocalPath: file})

	remote, err := wire.New(srv.URL, key)
	if err != nil {
		log.Fatal(err)
	}
	req := artifact.LogRequest{Scope: artifact.Scope{Entity: "alice", Project: "demo"}, Name: "table", Type: "dataset",
		Manifest: m, Aliases: []string{"best"}, HistoryStep: -1}
	for range 2 {
		res, err := remote.Log(ctx, req)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(res.Version.QualifiedName(), res.Existing)
	}
	v, err := remote.Resolve(ctx, artifact.Path{Name: "table", Version: "best"}, artifact.Scope{Project: "demo"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v.QualifiedName(), v.Aliases, len(v.Manifest.Entries()))
	// Output:
	// alice/demo/table:v0 false
	// alice/demo/table:v0 true
	// alice/demo/table:v0 [best latest] 1
}
