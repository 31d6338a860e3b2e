// Package s3blob is a store.Blobs on any S3-compatible object store (AWS
// S3, MinIO, Ceph RGW, Cloudflare R2, GCS in S3 mode...) through
// minio-go, for tracking servers whose file contents should not live on
// the server's disk.
//
// Blobs live in one bucket under an optional prefix: key K is the object
// PREFIX/K. Keys are validated exactly as package localblob validates them.
// A Put streams: a blob of up to 1 MiB goes up in a single PUT; a larger
// one is a multipart upload of part-size parts (16 MiB by default), so
// memory stays bounded by one part whatever the file size. S3 makes a PUT
// (and the completion of a multipart upload) atomic: readers see the old
// or the new object, never a part; an interrupted upload is aborted.
//
// Configuration follows the AWS conventions: the environment
// (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN, AWS_REGION) is read first, then the options override
// it.
package s3blob

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"

	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/store/localblob"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Bucket is a store.Blobs on an S3 bucket. Safe for concurrent use.
type Bucket struct {
	client   *minio.Client
	bucket   string
	prefix   string // "" or ending in "/"
	partSize uint64
}

var _ store.Blobs = (*Bucket)(nil)

// DefaultPartSize is the multipart upload part size.
const DefaultPartSize = 16 << 20

// singlePutMax is the largest blob sent in a single PUT.
const singlePutMax = 1 << 20

// Option configures New.
type Option func(*config)

type config struct {
	endpoint             string
	accessKey, secretKey string
	sessionToken         string
	region               string
	partSize             uint64
	create               bool
	transport            http.RoundTripper
	getenv               func(string) string
}

// WithEndpoint sets the S3 endpoint: a URL ("http://127.0.0.1:9000",
// "https://s3.example.com") or a host[:port], which means https. Default:
// $AWS_ENDPOINT_URL, else AWS S3 (s3.amazonaws.com).
func WithEndpoint(endpoint string) Option { return func(c *config) { c.endpoint = endpoint } }

// WithCredentials sets the access key and secret (default:
// $AWS_ACCESS_KEY_ID and $AWS_SECRET_ACCESS_KEY, with $AWS_SESSION_TOKEN).
func WithCredentials(accessKey, secretKey string) Option {
	return func(c *config) { c.accessKey, c.secretKey, c.sessionToken = accessKey, secretKey, "" }
}

// WithRegion sets the region (default $AWS_REGION, else
// $AWS_DEFAULT_REGION, else discovered from the bucket).
func WithRegion(region string) Option { return func(c *config) { c.region = region } }

// WithPartSize sets the multipart part size: at least 5 MiB (S3's minimum).
func WithPartSize(n uint64) Option { return func(c *config) { c.partSize = n } }

// WithCreateBucket makes New create the bucket when it does not exist
// (default: a missing bucket is an error).
func WithCreateBucket() Option { return func(c *config) { c.create = true } }

// WithTransport sets the HTTP transport (tests, proxies).
func WithTransport(rt http.RoundTripper) Option { return func(c *config) { c.transport = rt } }

// WithGetenv replaces os.Getenv for reading the AWS variables (tests).
func WithGetenv(getenv func(string) string) Option { return func(c *config) { c.getenv = getenv } }

// ParseURL splits "s3://bucket/prefix" into bucket and prefix (without
// leading or trailing slashes; "" when absent).
func ParseURL(s string) (bucket, prefix string, err error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "s3" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", "", fmt.Errorf("store: s3blob: %q is not an s3://bucket[/prefix] URL", s)
	}
	prefix = strings.Trim(u.Path, "/")
	if prefix != "" {
		if err := localblob.ValidKey(prefix); err != nil {
			return "", "", fmt.Errorf("store: s3blob: prefix of %q: %w", s, err)
		}
	}
	return u.Host, prefix, nil
}

// New opens the bucket named by an s3://bucket/prefix URL and checks that
// it exists (or creates it, see WithCreateBucket).
func New(ctx context.Context, rawURL string, opts ...Option) (*Bucket, error) {
	bucket, prefix, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	c := config{partSize: DefaultPartSize, getenv: os.Getenv}
	for _, o := range opts { // WithGetenv first, so that the environment comes before the other options
		o(&c)
	}
	env := config{partSize: c.partSize, getenv: c.getenv}
	env.endpoint = c.getenv("AWS_ENDPOINT_URL")
	env.accessKey, env.secretKey, env.sessionToken = c.getenv("AWS_ACCESS_KEY_ID"), c.getenv("AWS_SECRET_ACCESS_KEY"), c.getenv("AWS_SESSION_TOKEN")
	env.region = c.getenv("AWS_REGION")
	if env.region == "" {
		env.region = c.getenv("AWS_DEFAULT_REGION")
	}
	c = env
	for _, o := range opts {
		o(&c)
	}
	if c.partSize < 5<<20 || c.partSize > 5<<30 {
		return nil, fmt.Errorf("store: s3blob: part size %d out of range 5 MiB..5 GiB", c.partSize)
	}
	host, secure, err := parseEndpoint(c.endpoint)
	if err != nil {
		return nil, err
	}
	mo := &minio.Options{Secure: secure, Region: c.region, Transport: c.transport}
	if c.accessKey != "" || c.secretKey != "" {
		mo.Creds = credentials.NewStaticV4(c.accessKey, c.secretKey, c.sessionToken)
	} else {
		mo.Creds = credentials.NewStatic("", "", "", credentials.SignatureAnonymous)
	}
	client, err := minio.New(host, mo)
	if err != nil {
		return nil, fmt.Errorf("store: s3blob: %w", err)
	}
	b := &Bucket{client: client, bucket: bucket, partSize: c.partSize}
	if prefix != "" {
		b.prefix = prefix + "/"
	}
	ok, err := client.BucketExists(ctx, bucket)
	if err != nil {
		return nil, fmt.Errorf("store: s3blob: bucket %q at %s: %w", bucket, host, err)
	}
	if !ok {
		if !c.create {
			return nil, fmt.Errorf("store: s3blob: bucket %q does not exist at %s", bucket, host)
		}
		if err := client.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: c.region}); err != nil {
			return nil, fmt.Errorf("store: s3blob: creating bucket %q: %w", bucket, err)
		}
	}
	return b, nil
}

func parseEndpoint(e string) (host string, secure bool, err error) {
	if e == "" {
		return "s3.amazonaws.com", true, nil
	}
	if !strings.Contains(e, "://") {
		return e, true, nil
	}
	u, err := url.Parse(e)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return "", false, fmt.Errorf("store: s3blob: endpoint %q is not http(s)://host[:port]", e)
	}
	return u.Host, u.Scheme == "https", nil
}

func (b *Bucket) object(key string) (string, error) {
	if err := localblob.ValidKey(key); err != nil {
		return "", err
	}
	return b.prefix + key, nil
}

// isNotFound reports an S3 "no such key" answer (HEAD answers have no
// body, hence the status check).
func isNotFound(err error) bool {
	r := minio.ToErrorResponse(err)
	return r.Code == "NoSuchKey" || r.StatusCode == http.StatusNotFound
}

func notFound(key string, err error) error {
	if isNotFound(err) {
		return fmt.Errorf("%w: blob %q", store.ErrNotFound, key)
	}
	return fmt.Errorf("store: s3blob: blob %q: %w", key, err)
}

// Put implements store.Blobs. It streams r: up to 1 MiB is read ahead to
// send small blobs in one PUT; beyond, the upload is multipart with
// part-size buffers.
func (b *Bucket) Put(ctx context.Context, key string, r io.Reader) (int64, string, error) {
	obj, err := b.object(key)
	if err != nil {
		return 0, "", err
	}
	h := md5.New()
	head := make([]byte, singlePutMax)
	n, err := io.ReadFull(ctxReader{ctx, r}, head)
	// UNSIGNED-PAYLOAD with a Content-MD5 per request rather than
	// aws-chunked streaming signatures: the server still verifies each
	// body, and every S3-compatible store accepts it.
	opts := minio.PutObjectOptions{PartSize: b.partSize, ContentType: "application/octet-stream",
		DisableContentSha256: true, SendContentMd5: true}
	var info minio.UploadInfo
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF): // all of it
		h.Write(head[:n])
		info, err = b.client.PutObject(ctx, b.bucket, obj, bytes.NewReader(head[:n]), int64(n), opts)
	case err != nil:
		return 0, "", fmt.Errorf("store: s3blob: put %q: %w", key, err)
	default:
		body := io.MultiReader(bytes.NewReader(head), ctxReader{ctx, r})
		info, err = b.client.PutObject(ctx, b.bucket, obj, hashReader{body, h}, -1, opts)
	}
	if err != nil {
		return 0, "", fmt.Errorf("store: s3blob: put %q: %w", key, err)
	}
	return info.Size, base64.StdEncoding.EncodeToString(h.Sum(nil)), nil
}

// hashReader hashes what is read through it.
type hashReader struct {
	r io.Reader
	h hash.Hash
}

func (x hashReader) Read(p []byte) (int, error) {
	n, err := x.r.Read(p)
	x.h.Write(p[:n])
	return n, err
}

// ctxReader stops a copy when the context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Get implements store.Blobs. The object is checked first (one HEAD), so
// that a missing key is ErrNotFound here rather than at the first Read.
func (b *Bucket) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	obj, err := b.object(key)
	if err != nil {
		return nil, err
	}
	o, err := b.client.GetObject(ctx, b.bucket, obj, minio.GetObjectOptions{})
	if err != nil {
		return nil, notFound(key, err)
	}
	if _, err := o.Stat(); err != nil {
		o.Close()
		return nil, notFound(key, err)
	}
	return o, nil
}

// Stat implements store.Blobs.
func (b *Bucket) Stat(ctx context.Context, key string) (store.BlobInfo, error) {
	obj, err := b.object(key)
	if err != nil {
		return store.BlobInfo{}, err
	}
	st, err := b.client.StatObject(ctx, b.bucket, obj, minio.StatObjectOptions{})
	if err != nil {
		return store.BlobInfo{}, notFound(key, err)
	}
	return store.BlobInfo{Key: key, Size: st.Size, ModTime: st.LastModified}, nil
}

// Delete implements store.Blobs. S3 deletes are idempotent.
func (b *Bucket) Delete(ctx context.Context, key string) error {
	obj, err := b.object(key)
	if err != nil {
		return err
	}
	if err := b.client.RemoveObject(ctx, b.bucket, obj, minio.RemoveObjectOptions{}); err != nil && !isNotFound(err) {
		return fmt.Errorf("store: s3blob: delete %q: %w", key, err)
	}
	return nil
}

// List implements store.Blobs.
func (b *Bucket) List(ctx context.Context, prefix string) ([]string, error) {
	if i := strings.LastIndex(prefix, "/"); i > 0 { // as localblob checks it
		if err := localblob.ValidKey(prefix[:i]); err != nil {
			return nil, err
		}
	}
	var keys []string
	for o := range b.client.ListObjects(ctx, b.bucket, minio.ListObjectsOptions{Prefix: b.prefix + prefix, Recursive: true}) {
		if o.Err != nil {
			return nil, fmt.Errorf("store: s3blob: list %q: %w", prefix, o.Err)
		}
		keys = append(keys, strings.TrimPrefix(o.Key, b.prefix))
	}
	sort.Strings(keys)
	return keys, nil
}
