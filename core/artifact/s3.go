package artifact

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config says how to reach an S3-compatible store.
type S3Config struct {
	// Endpoint is a URL ("http://127.0.0.1:9000") or a host; empty means
	// AWS S3 (s3.amazonaws.com, HTTPS).
	Endpoint string
	// AccessKeyID, SecretAccessKey and SessionToken; all empty means
	// anonymous access.
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Region          string
}

// S3ConfigFromEnv reads AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_S3),
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and
// AWS_REGION (or AWS_DEFAULT_REGION).
func S3ConfigFromEnv() S3Config {
	c := S3Config{
		Endpoint:        os.Getenv("AWS_ENDPOINT_URL_S3"),
		AccessKeyID:     os.Getenv("AWS_ACCESS_KEY_ID"),
		SecretAccessKey: os.Getenv("AWS_SECRET_ACCESS_KEY"),
		SessionToken:    os.Getenv("AWS_SESSION_TOKEN"),
		Region:          os.Getenv("AWS_REGION"),
	}
	if c.Endpoint == "" {
		c.Endpoint = os.Getenv("AWS_ENDPOINT_URL")
	}
	if c.Region == "" {
		c.Region = os.Getenv("AWS_DEFAULT_REGION")
	}
	return c
}

// S3References handles s3://bucket/key references with the object's
// metadata (W&B's S3Handler): the digest is the ETag without quotes, extra
// holds "etag" and "versionID", and a key that is not an object is a
// prefix whose objects (at most MaxObjects) become entries.
type S3References struct {
	client *minio.Client
	err    error
}

// NewS3References connects (lazily: no request is made) to a store.
func NewS3References(cfg S3Config) *S3References {
	endpoint, secure := "s3.amazonaws.com", true
	lookup := minio.BucketLookupAuto
	if cfg.Endpoint != "" {
		u, err := url.Parse(cfg.Endpoint)
		if err != nil || (u.Scheme != "" && u.Host == "") {
			return &S3References{err: fmt.Errorf("%w S3 endpoint %q: not a URL", ErrInvalid, cfg.Endpoint)}
		}
		if u.Host != "" {
			endpoint, secure = u.Host, u.Scheme != "http"
		} else {
			endpoint = cfg.Endpoint
		}
		lookup = minio.BucketLookupPath // custom stores rarely have virtual hosts
	}
	var creds *credentials.Credentials
	if cfg.AccessKeyID != "" || cfg.SecretAccessKey != "" {
		creds = credentials.NewStaticV4(cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken)
	} else {
		creds = credentials.NewStatic("", "", "", credentials.SignatureAnonymous)
	}
	c, err := minio.New(endpoint, &minio.Options{Creds: creds, Secure: secure, Region: cfg.Region, BucketLookup: lookup})
	if err != nil {
		return &S3References{err: fmt.Errorf("artifact: s3: %w", err)}
	}
	return &S3References{client: c}
}

func defaultS3() ReferenceHandler { return NewS3References(S3ConfigFromEnv()) }

// Schemes is "s3".
func (*S3References) Schemes() []string { return []string{"s3"} }

func splitS3(u *url.URL) (bucket, key string, err error) {
	bucket, key = u.Host, strings.TrimPrefix(u.Path, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("%w reference %q: no bucket", ErrInvalid, u.String())
	}
	return bucket, key, nil
}

// Entries stats the object, or lists the prefix.
func (s *S3References) Entries(ctx context.Context, req RefRequest) ([]Entry, error) {
	bucket, key, err := splitS3(req.URL)
	if err != nil {
		return nil, err
	}
	if !req.Checksum {
		name := defaultName(req, key)
		if err := ValidateEntryPath(name); err != nil {
			return nil, err
		}
		return []Entry{{Path: name, Ref: req.URI, Digest: URIDigest(req.URI)}}, nil
	}
	if s.err != nil {
		return nil, s.err
	}
	if key != "" && !strings.HasSuffix(key, "/") {
		info, err := s.client.StatObject(ctx, bucket, key, minio.StatObjectOptions{VersionID: req.URL.Query().Get("versionId")})
		if err == nil {
			e := s3Entry(bucket, info)
			e.Path = defaultName(req, key)
			if err := ValidateEntryPath(e.Path); err != nil {
				return nil, err
			}
			return []Entry{e}, nil
		}
		if minio.ToErrorResponse(err).Code != "NoSuchKey" && minio.ToErrorResponse(err).StatusCode != 404 {
			return nil, fmt.Errorf("artifact: reference %s: %w", req.URI, err)
		}
	}
	prefix := key
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var out []Entry
	for info := range s.client.ListObjects(lctx, bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if info.Err != nil {
			return nil, fmt.Errorf("artifact: reference %s: list: %w", req.URI, info.Err)
		}
		if strings.HasSuffix(info.Key, "/") {
			continue // a "directory" marker
		}
		if len(out) == req.MaxObjects {
			return nil, fmt.Errorf("%w reference %s: more than the %d objects allowed (MaxObjects)", ErrInvalid, req.URI, req.MaxObjects)
		}
		e := s3Entry(bucket, info)
		rel := strings.TrimPrefix(info.Key, prefix)
		e.Path = rel
		if req.Name != "" {
			e.Path = req.Name + "/" + rel
		}
		if err := ValidateEntryPath(e.Path); err != nil {
			return nil, fmt.Errorf("artifact: reference %s: object %q: %w", req.URI, info.Key, err)
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("artifact: reference %s: %w: no object or prefix", req.URI, ErrNotFound)
	}
	return out, nil
}

func s3Entry(bucket string, info minio.ObjectInfo) Entry {
	etag := strings.Trim(info.ETag, `"`)
	e := Entry{
		Ref:    "s3://" + bucket + "/" + info.Key,
		Digest: etag,
		Size:   info.Size,
		Extra:  map[string]any{"etag": etag},
	}
	if info.VersionID != "" && info.VersionID != "null" {
		e.Extra["versionID"] = info.VersionID
	}
	return e
}

// Open gets the object (the version recorded, if any).
func (s *S3References) Open(ctx context.Context, e Entry) (io.ReadCloser, error) {
	if s.err != nil {
		return nil, s.err
	}
	u, err := url.Parse(e.Ref)
	if err != nil {
		return nil, fmt.Errorf("artifact: reference %s: %w", e.Ref, err)
	}
	bucket, key, err := splitS3(u)
	if err != nil {
		return nil, err
	}
	vid, _ := e.Extra["versionID"].(string)
	obj, err := s.client.GetObject(ctx, bucket, key, minio.GetObjectOptions{VersionID: vid})
	if err != nil {
		return nil, fmt.Errorf("artifact: reference %s: %w", e.Ref, err)
	}
	info, err := obj.Stat()
	if err != nil {
		obj.Close()
		var er minio.ErrorResponse
		if errors.As(err, &er) && er.StatusCode == 404 {
			return nil, fmt.Errorf("artifact: reference %s: %w", e.Ref, ErrNotFound)
		}
		return nil, fmt.Errorf("artifact: reference %s: %w", e.Ref, err)
	}
	if etag := strings.Trim(info.ETag, `"`); e.Digest != URIDigest(e.Ref) && etag != e.Digest {
		obj.Close()
		return nil, fmt.Errorf("%w: reference %s changed: ETag %s, want %s", ErrDigestMismatch, e.Ref, etag, e.Digest)
	}
	return obj, nil
}
