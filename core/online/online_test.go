package online_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gowandb/wandb/core/online"
)

func TestNewClientNeedsKey(t *testing.T) {
	if _, err := online.NewClient("http://localhost:1", "", "test"); !errors.Is(err, online.ErrNoAPIKey) {
		t.Fatalf("err %v", err)
	}
}

func TestConnectFailsFast(t *testing.T) {
	// A server that never answers: Connect gives up within its timeout.
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(block)
	c, err := online.NewClient(srv.URL, "some-key-0123456789abcdef", "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := online.Connect(context.Background(), c, 300*time.Millisecond); err == nil {
		t.Fatal("Connect succeeded")
	}
}
