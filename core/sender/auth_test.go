package sender

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"testing"

	"github.com/gowandb/wandb/core/sender/sendertest"
)

func TestUnderBase(t *testing.T) {
	cases := []struct {
		base, u string
		want    bool
	}{
		{"https://api.wandb.ai", "https://api.wandb.ai/graphql", true},
		{"https://api.wandb.ai", "https://api.wandb.ai:443/files/e/p/r/file_stream", true},
		{"https://api.wandb.ai", "http://api.wandb.ai/graphql", false},
		{"https://api.wandb.ai", "https://api.wandb.ai:8443/graphql", false},
		{"https://api.wandb.ai", "https://storage.googleapis.com/bucket/x", false},
		{"https://h.example/wandb", "https://h.example/wandb/graphql", true},
		{"https://h.example/wandb/", "https://h.example/wandb", true},
		{"https://h.example/wandb", "https://h.example/wandbx/graphql", false},
		{"https://h.example/wandb", "https://h.example/upload/x", false},
	}
	for _, c := range cases {
		b, _ := url.Parse(c.base)
		u, _ := url.Parse(c.u)
		if got := underBase(b, u); got != c.want {
			t.Errorf("underBase(%s, %s) = %v", c.base, c.u, got)
		}
	}
}

// TestAuthScoping runs over real HTTP: credentials go on /graphql and
// file_stream, never on upload URLs (here on another host:port).
func TestAuthScoping(t *testing.T) {
	api := sendertest.New()
	apiTS := sendertest.NewHTTPServer(api)
	defer apiTS.Close()
	store := sendertest.New()
	storeTS := sendertest.NewHTTPServer(store)
	defer storeTS.Close()
	api.URL = storeTS.URL // upload URLs point at the storage host

	base, _ := url.Parse(apiTS.URL)
	hc := &http.Client{Transport: NewAuthTransport(base, "KEY", "", nil)}
	c := &Client{BaseURL: apiTS.URL, HTTP: hc, Retrier: GraphQLRetrier()}
	ctx := context.Background()
	if _, err := c.Viewer(ctx); err != nil {
		t.Fatal(err)
	}
	files, err := c.CreateRunFiles(ctx, "e", "p", "r", []string{"config.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	up := &Uploader{HTTP: hc, Retrier: TransferRetrier()}
	if ok, err := up.Upload(ctx, files.Targets[0], files.Header, []byte("a: 1\n")); err != nil || !ok {
		t.Fatal(ok, err)
	}
	fs := NewFileStream(FileStreamConfig{URL: FileStreamURL(apiTS.URL, "e", "p", "r"), HTTP: hc, Warnf: t.Logf})
	if err := fs.Finish(ctx, 0); err != nil {
		t.Fatal(err)
	}
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("api:KEY"))
	n := 0
	for _, r := range api.Requests() {
		n++
		if r.Header.Get("Authorization") != want || r.Header.Get("User-Agent") != "wandb-core" {
			t.Errorf("%s %s: Authorization %q, User-Agent %q", r.Method, r.Path, r.Header.Get("Authorization"), r.Header.Get("User-Agent"))
		}
	}
	if n != 3 {
		t.Errorf("api requests = %d, want 3", n)
	}
	ups := store.Requests()
	if len(ups) != 1 || ups[0].Header.Get("Authorization") != "" {
		t.Fatalf("upload requests %+v", ups)
	}
	if ups[0].Header.Get("X-Upload-Token") != "tok" || ups[0].Header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("upload headers %v", ups[0].Header)
	}
	if b, _ := store.Upload("config.yaml"); string(b) != "a: 1\n" {
		t.Errorf("uploaded %q", b)
	}
}
