package artifact

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

func TestFileReference(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "one.txt"), "hello")
	writeFile(t, filepath.Join(dir, "sub", "two words.txt"), "world")
	a := newTest(t)

	ents, err := a.AddReference(ctx, "file://"+filepath.ToSlash(dir)+"/one.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 || ents[0].Path != "one.txt" || ents[0].Digest != helloMD5 || ents[0].Size != 5 || ents[0].LocalPath != "" {
		t.Fatalf("file ref = %+v", ents)
	}
	ents, err = a.AddReference(ctx, "file://"+filepath.ToSlash(dir), Name("tree"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 2 || ents[1].Path != "tree/sub/two words.txt" || !strings.HasSuffix(ents[1].Ref, "/sub/two%20words.txt") {
		t.Fatalf("dir ref = %+v", ents)
	}
	if _, err := a.AddReference(ctx, "file://"+filepath.ToSlash(dir), Name("t2"), MaxObjects(1)); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "MaxObjects") {
		t.Errorf("over max objects: %v", err)
	}
	nc, err := a.AddReference(ctx, "file://"+filepath.ToSlash(dir)+"/one.txt", Name("nc"), Checksum(false))
	if err != nil || nc[0].Digest != URIDigest(nc[0].Ref) {
		t.Errorf("checksum=false: %+v %v", nc, err)
	}

	// Downloading a reference reads the referenced file.
	root := t.TempDir()
	if _, err := a.Download(ctx, root); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "tree", "sub", "two words.txt")); string(b) != "world" {
		t.Errorf("downloaded ref = %q", b)
	}
	if err := a.Verify(ctx, root); err != nil {
		t.Error(err)
	}
}

func TestHTTPReferenceUsesETagAndLength(t *testing.T) {
	ctx := context.Background()
	etag := `"v1"`
	heads := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			heads++
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Length", "5")
		io.WriteString(w, "hello")
	}))
	defer srv.Close()
	a := newTest(t)
	ents, err := a.AddReference(ctx, srv.URL+"/data/file.csv")
	if err != nil {
		t.Fatal(err)
	}
	e := ents[0]
	if e.Path != "file.csv" || e.Digest != `"v1"` || e.Size != 5 || e.Extra["etag"] != `"v1"` || heads != 1 {
		t.Fatalf("http ref = %+v (HEADs %d)", e, heads)
	}
	nc, _ := a.AddReference(ctx, srv.URL+"/x", Checksum(false))
	if nc[0].Digest != URIDigest(srv.URL+"/x") || heads != 1 {
		t.Errorf("checksum=false contacted the server or has digest %s", nc[0].Digest)
	}
	root := t.TempDir()
	if _, err := a.Download(ctx, root); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "file.csv")); string(b) != "hello" {
		t.Errorf("downloaded = %q", b)
	}
	// A changed ETag is noticed on download (a fresh cache, so it is fetched).
	etag = `"v2"`
	b := FromVersion(Version{Name: "x", Manifest: a.Manifest()}, testOpts(t)...)
	if _, err := b.Download(ctx, t.TempDir()); !errors.Is(err, ErrDigestMismatch) {
		t.Errorf("changed ETag: %v", err)
	}
}

func TestHTTPReferenceWithoutHEAD(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			http.Error(w, "no", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("ETag", `"g"`)
		io.WriteString(w, "hello")
	}))
	defer srv.Close()
	ents, err := newTest(t).AddReference(context.Background(), srv.URL+"/f")
	if err != nil || ents[0].Digest != `"g"` || ents[0].Size != 5 {
		t.Errorf("GET fallback: %+v %v", ents, err)
	}
	srv404 := httptest.NewServer(http.NotFoundHandler())
	defer srv404.Close()
	if _, err := newTest(t).AddReference(context.Background(), srv404.URL+"/f"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("404 reference: %v", err)
	}
}

func TestOtherSchemeDigestIsURIHash(t *testing.T) {
	a := newTest(t)
	ents, err := a.AddReference(context.Background(), "gs://bucket/path/model.pt")
	if err != nil {
		t.Fatal(err)
	}
	if ents[0].Path != "model.pt" || ents[0].Digest != URIDigest("gs://bucket/path/model.pt") {
		t.Errorf("gs ref = %+v", ents[0])
	}
	if _, err := a.AddReference(context.Background(), "no-scheme/path"); !errors.Is(err, ErrInvalid) {
		t.Errorf("no scheme: %v", err)
	}
}

// fakeS3 starts gofakes3 on loopback, points the AWS_* environment at it
// and returns a minio client for setting up objects.
func fakeS3(t *testing.T) *minio.Client {
	t.Helper()
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "key")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "us-east-1")
	c, err := minio.New(strings.TrimPrefix(srv.URL, "http://"), &minio.Options{
		Creds: credentials.NewStaticV4("key", "secret", ""), Region: "us-east-1", BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.MakeBucket(context.Background(), "bkt", minio.MakeBucketOptions{Region: "us-east-1"}); err != nil {
		t.Fatal(err)
	}
	return c
}

func putS3(t *testing.T, c *minio.Client, key, body string) {
	t.Helper()
	if _, err := c.PutObject(context.Background(), "bkt", key, strings.NewReader(body), int64(len(body)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestS3Reference(t *testing.T) {
	ctx := context.Background()
	c := fakeS3(t)
	putS3(t, c, "models/a.bin", "hello")
	putS3(t, c, "models/sub/b.bin", "world")
	putS3(t, c, "other/c.bin", "x")
	a := newTest(t)

	ents, err := a.AddReference(ctx, "s3://bkt/models/a.bin")
	if err != nil {
		t.Fatal(err)
	}
	e := ents[0]
	// S3's ETag of a single-part upload is the hex MD5.
	if e.Path != "a.bin" || e.Digest != "5d41402abc4b2a76b9719d911017c592" || e.Size != 5 || e.Extra["etag"] != e.Digest || e.Ref != "s3://bkt/models/a.bin" {
		t.Fatalf("s3 object = %+v", e)
	}
	ents, err = a.AddReference(ctx, "s3://bkt/models", Name("m"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 2 || ents[0].Path != "m/a.bin" || ents[1].Path != "m/sub/b.bin" {
		t.Fatalf("s3 prefix = %+v", ents)
	}
	if _, err := a.AddReference(ctx, "s3://bkt/models", Name("m2"), MaxObjects(1)); !errors.Is(err, ErrInvalid) {
		t.Errorf("prefix over MaxObjects: %v", err)
	}
	if _, err := a.AddReference(ctx, "s3://bkt/nothing-here"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing key: %v", err)
	}
	root := t.TempDir()
	if _, err := a.Download(ctx, root); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "m", "sub", "b.bin")); string(b) != "world" {
		t.Errorf("downloaded s3 object = %q", b)
	}
	// The object changed since it was referenced: download refuses it.
	putS3(t, c, "models/a.bin", "HELLO")
	b := FromVersion(Version{Name: "x", Manifest: a.Manifest()}, testOpts(t)...)
	if _, err := b.Download(ctx, t.TempDir()); !errors.Is(err, ErrDigestMismatch) {
		t.Errorf("changed object: %v", err)
	}
}
