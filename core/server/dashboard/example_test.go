package dashboard_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/gowandb/wandb/core/server/dashboard"
	"github.com/gowandb/wandb/core/store/localblob"
	"github.com/gowandb/wandb/core/store/sqlite"
)

// The tracking server serves the dashboard for every path its own routes
// do not take; mounted alone, it needs only the store and the blobs.
func ExampleNew() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "dashboard-example")
	defer os.RemoveAll(dir)
	st, _ := sqlite.Open(ctx, filepath.Join(dir, "wandb.db"))
	defer st.Close()
	blobs, _ := localblob.New(filepath.Join(dir, "blobs"))

	mux := http.NewServeMux()
	mux.Handle("/", dashboard.New(st, blobs))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	res, _ := http.Get(srv.URL + "/api/ui/me")
	res.Body.Close()
	fmt.Println("signed out:", res.StatusCode)
	// Output: signed out: 401
}
