package s3blob_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/store/blobtest"
	"github.com/gowandb/wandb/core/store/s3blob"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// fakeS3 serves an in-memory S3 on loopback; handler wraps its handler.
func fakeS3(t testing.TB, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	h := gofakes3.New(s3mem.New()).Server()
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func env(endpoint string) func(string) string {
	return func(k string) string {
		return map[string]string{"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "test-key",
			"AWS_SECRET_ACCESS_KEY": "test-secret", "AWS_REGION": "us-east-1"}[k]
	}
}

func newBucket(t testing.TB, endpoint, url string, opts ...s3blob.Option) *s3blob.Bucket {
	t.Helper()
	opts = append([]s3blob.Option{s3blob.WithGetenv(env(endpoint)), s3blob.WithCreateBucket(), s3blob.WithPartSize(5 << 20)}, opts...)
	b, err := s3blob.New(context.Background(), url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func randomName() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func TestConformance(t *testing.T) {
	endpoint := fakeS3(t, nil)
	for _, prefix := range []string{"", "/some/prefix"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			blobtest.Run(t, func(t *testing.T) store.Blobs {
				return newBucket(t, endpoint, "s3://bucket-"+randomName()+prefix)
			}, blobtest.WithLargeSize(12<<20))
		})
	}
}

// gatedReader yields n bytes of 'x'; after 'after' bytes it waits for gate
// (closed by the server when a first part has arrived), so a Put that
// buffered the whole stream before sending would never finish.
type gatedReader struct {
	n, after, off int
	gate          <-chan struct{}
	t             *testing.T
}

func (r *gatedReader) Read(p []byte) (int, error) {
	if r.off >= r.n {
		return 0, io.EOF
	}
	if r.off >= r.after && r.gate != nil {
		select {
		case <-r.gate:
			r.gate = nil
		case <-time.After(time.Minute):
			r.t.Error("no part reached the server while the body was still being read: Put buffers the whole blob")
			return 0, errors.New("gate timeout")
		}
	}
	p = p[:min(len(p), r.n-r.off)]
	for i := range p {
		p[i] = 'x'
	}
	r.off += len(p)
	return len(p), nil
}

func TestPutStreamsParts(t *testing.T) {
	firstPart := make(chan struct{})
	var once sync.Once
	endpoint := fakeS3(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, r)
			if r.Method == http.MethodPut && r.URL.Query().Get("partNumber") == "1" {
				once.Do(func() { close(firstPart) })
			}
		})
	})
	b := newBucket(t, endpoint, "s3://stream")
	const size = 20 << 20 // four 5 MiB parts
	n, _, err := b.Put(context.Background(), "big", &gatedReader{n: size, after: 11 << 20, gate: firstPart, t: t})
	if err != nil || n != size {
		t.Fatalf("Put = %d, %v", n, err)
	}
	if st, err := b.Stat(context.Background(), "big"); err != nil || st.Size != size {
		t.Fatalf("Stat = %+v, %v", st, err)
	}
}

func TestNewErrors(t *testing.T) {
	endpoint := fakeS3(t, nil)
	ctx := context.Background()
	for _, c := range []struct {
		url  string
		opts []s3blob.Option
		want string
	}{
		{"http://bucket/x", nil, "not an s3://bucket[/prefix] URL"},
		{"s3:///x", nil, "not an s3://bucket[/prefix] URL"},
		{"s3://b/a/../c", nil, "prefix"},
		{"s3://missing", nil, `bucket "missing" does not exist`},
		{"s3://b", []s3blob.Option{s3blob.WithPartSize(1 << 20)}, "part size"},
		{"s3://b", []s3blob.Option{s3blob.WithEndpoint("ftp://host")}, "is not http(s)://host[:port]"},
	} {
		opts := append([]s3blob.Option{s3blob.WithGetenv(env(endpoint))}, c.opts...)
		_, err := s3blob.New(ctx, c.url, opts...)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "store: s3blob: ") {
			t.Errorf("New(%q) = %v, want an error containing %q", c.url, err, c.want)
		}
	}
}

func TestOptionsOverrideEnvironment(t *testing.T) {
	endpoint := fakeS3(t, nil)
	// The environment names an endpoint nothing listens on; the option wins.
	getenv := env("http://127.0.0.1:1")
	b, err := s3blob.New(context.Background(), "s3://opt/p", s3blob.WithGetenv(getenv), s3blob.WithEndpoint(endpoint),
		s3blob.WithCredentials("k", "s"), s3blob.WithCreateBucket())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Put(context.Background(), "x", strings.NewReader("y")); err != nil {
		t.Fatal(err)
	}
}

func TestParseURL(t *testing.T) {
	for in, want := range map[string][2]string{
		"s3://b":          {"b", ""},
		"s3://b/":         {"b", ""},
		"s3://b/p/q/":     {"b", "p/q"},
		"s3://my.bucket/": {"my.bucket", ""},
	} {
		b, p, err := s3blob.ParseURL(in)
		if err != nil || b != want[0] || p != want[1] {
			t.Errorf("ParseURL(%q) = %q, %q, %v", in, b, p, err)
		}
	}
}
