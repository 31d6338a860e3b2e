package artifact

import (
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// RefRequest is what a ReferenceHandler expands into entries.
type RefRequest struct {
	// URI is the reference as given; URL is it parsed.
	URI string
	URL *url.URL
	// Name is the logical path (an object) or prefix (a directory); empty
	// means the handler's default (the object's base name, no prefix).
	Name string
	// Checksum false: do not contact the store, the digest is the hash of
	// the URI.
	Checksum bool
	// MaxObjects bounds a directory or prefix; more objects is an error.
	MaxObjects int
}

// ReferenceHandler turns references of some URI schemes into entries and
// fetches their bytes back. Handlers are chosen by scheme; the built-in
// ones handle file, http, https and s3, and any other scheme gets an entry
// whose digest is the hash of the URI (and cannot be downloaded).
type ReferenceHandler interface {
	// Schemes are the URI schemes handled ("s3").
	Schemes() []string
	// Entries returns the entries for a reference: one for an object,
	// one per object for a directory or prefix. Entries carry Ref and no
	// LocalPath.
	Entries(ctx context.Context, req RefRequest) ([]Entry, error)
	// Open streams the bytes of an entry this handler made.
	Open(ctx context.Context, e Entry) (io.ReadCloser, error)
}

// URIDigest is the digest of a reference that is not checksummed: the
// base64 MD5 of its URI.
func URIDigest(uri string) string {
	s := md5.Sum([]byte(uri))
	return B64MD5(s[:])
}

// AddReference adds entries that point at content outside the artifact
// (W&B's add_reference): nothing is copied or uploaded. See the handlers
// for each scheme's digest.
func (a *Artifact) AddReference(ctx context.Context, uri string, opts ...AddOption) ([]Entry, error) {
	o := newAddOptions(opts)
	if err := o.validate(); err != nil {
		return nil, err
	}
	if a.Finalized() {
		return nil, ErrFinalized
	}
	u, err := url.Parse(uri)
	if err != nil {
		return nil, fmt.Errorf("%w reference %q: %w", ErrInvalid, uri, err)
	}
	if u.Scheme == "" {
		return nil, fmt.Errorf("%w reference %q: no scheme (want file://, http(s)://, s3://, …)", ErrInvalid, uri)
	}
	name := strings.Trim(filepath.ToSlash(o.name), "/")
	if name != "" {
		if err := ValidateEntryPath(name); err != nil {
			return nil, err
		}
	}
	req := RefRequest{URI: uri, URL: u, Name: name, Checksum: o.checksum, MaxObjects: o.maxObjects}
	h := a.refHandler(u.Scheme)
	ents, err := h.Entries(ctx, req)
	if err != nil {
		return nil, err
	}
	for i := range ents {
		ents[i].SkipCache = o.skipCache
		if err := a.put(ents[i], false, o.overwrite); err != nil {
			return ents[:i], err
		}
	}
	return ents, nil
}

// refHandler picks the handler of a scheme.
func (a *Artifact) refHandler(scheme string) ReferenceHandler {
	scheme = strings.ToLower(scheme)
	a.mu.Lock()
	h, ok := a.cfg.refs[scheme]
	client := a.cfg.httpClient
	a.mu.Unlock()
	if ok {
		return h
	}
	switch scheme {
	case "file":
		return fileRefs{}
	case "http", "https":
		return httpRefs{client: client}
	case "s3":
		return defaultS3()
	}
	return uriRefs{}
}

// defaultName is the entry name of a single-object reference.
func defaultName(req RefRequest, objectPath string) string {
	if req.Name != "" {
		return req.Name
	}
	b := path.Base(objectPath)
	if b == "/" || b == "." || b == "" {
		return req.URL.Host
	}
	return b
}

// uriRefs is the fallback: digest is the hash of the URI.
type uriRefs struct{}

func (uriRefs) Schemes() []string { return nil }

func (uriRefs) Entries(_ context.Context, req RefRequest) ([]Entry, error) {
	name := defaultName(req, req.URL.Path)
	if err := ValidateEntryPath(name); err != nil {
		return nil, err
	}
	return []Entry{{Path: name, Ref: req.URI, Digest: URIDigest(req.URI)}}, nil
}

func (uriRefs) Open(_ context.Context, e Entry) (io.ReadCloser, error) {
	return nil, fmt.Errorf("artifact: reference %s: no handler can download this scheme", e.Ref)
}

// fileRefs handles file:// references: the local file (or every file of a
// directory) is hashed in place.
type fileRefs struct{}

func (fileRefs) Schemes() []string { return []string{"file"} }

func (fileRefs) Entries(ctx context.Context, req RefRequest) ([]Entry, error) {
	local := filepath.FromSlash(req.URL.Path)
	if req.URL.Host != "" && req.URL.Host != "localhost" {
		return nil, fmt.Errorf("%w reference %q: file:// with a host other than localhost", ErrInvalid, req.URI)
	}
	st, err := os.Stat(local)
	if err != nil {
		return nil, fmt.Errorf("artifact: reference %s: %w", req.URI, err)
	}
	if !st.IsDir() {
		name := defaultName(req, req.URL.Path)
		if err := ValidateEntryPath(name); err != nil {
			return nil, err
		}
		if !req.Checksum {
			return []Entry{{Path: name, Ref: req.URI, Digest: URIDigest(req.URI), Size: st.Size()}}, nil
		}
		d, n, err := HashFile(ctx, local)
		if err != nil {
			return nil, err
		}
		return []Entry{{Path: name, Ref: req.URI, Digest: d, Size: n}}, nil
	}
	files, err := walkFollow(ctx, local)
	if err != nil {
		return nil, err
	}
	if len(files) > req.MaxObjects {
		return nil, fmt.Errorf("%w reference %s: %d files, more than the %d allowed (MaxObjects)", ErrInvalid, req.URI, len(files), req.MaxObjects)
	}
	base := strings.TrimSuffix(req.URI, "/")
	out := make([]Entry, len(files))
	err = parallel(ctx, len(files), 8, func(ctx context.Context, i int) error {
		f := files[i]
		e := Entry{Path: f.rel, Ref: base + "/" + (&url.URL{Path: f.rel}).EscapedPath()}
		if req.Name != "" {
			e.Path = req.Name + "/" + f.rel
		}
		if req.Checksum {
			d, n, err := HashFile(ctx, f.abs)
			if err != nil {
				return err
			}
			e.Digest, e.Size = d, n
		} else {
			st, err := os.Stat(f.abs)
			if err != nil {
				return fmt.Errorf("artifact: %w", err)
			}
			e.Digest, e.Size = URIDigest(e.Ref), st.Size()
		}
		out[i] = e
		return ValidateEntryPath(e.Path)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (fileRefs) Open(_ context.Context, e Entry) (io.ReadCloser, error) {
	u, err := url.Parse(e.Ref)
	if err != nil {
		return nil, fmt.Errorf("artifact: reference %s: %w", e.Ref, err)
	}
	f, err := os.Open(filepath.FromSlash(u.Path))
	if err != nil {
		return nil, fmt.Errorf("artifact: reference %s: %w", e.Ref, err)
	}
	return f, nil
}

// httpRefs handles http(s) references: a HEAD request gives the ETag (the
// digest, W&B keeps it with its quotes, and in extra.etag) and
// Content-Length (the size). Without an ETag the digest is the URI's.
type httpRefs struct{ client *http.Client }

func (httpRefs) Schemes() []string { return []string{"http", "https"} }

func (h httpRefs) Entries(ctx context.Context, req RefRequest) ([]Entry, error) {
	name := defaultName(req, req.URL.Path)
	if err := ValidateEntryPath(name); err != nil {
		return nil, err
	}
	e := Entry{Path: name, Ref: req.URI, Digest: URIDigest(req.URI)}
	if !req.Checksum {
		return []Entry{e}, nil
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodHead, req.URI, nil)
	if err != nil {
		return nil, fmt.Errorf("artifact: reference %s: %w", req.URI, err)
	}
	resp, err := h.client.Do(hreq)
	if err == nil && (resp.StatusCode == http.StatusMethodNotAllowed || resp.StatusCode == http.StatusNotImplemented) {
		// No HEAD: the headers of a GET, without reading its body.
		resp.Body.Close()
		hreq.Method = http.MethodGet
		resp, err = h.client.Do(hreq)
	}
	if err != nil {
		return nil, fmt.Errorf("artifact: reference %s: %w", req.URI, err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("artifact: reference %s: HEAD: %s", req.URI, resp.Status)
	}
	if etag := resp.Header.Get("ETag"); etag != "" {
		e.Digest = etag
		e.Extra = map[string]any{"etag": etag}
	}
	if cl := resp.Header.Get("Content-Length"); cl != "" {
		if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n >= 0 {
			e.Size = n
		}
	}
	return []Entry{e}, nil
}

func (h httpRefs) Open(ctx context.Context, e Entry) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.Ref, nil)
	if err != nil {
		return nil, fmt.Errorf("artifact: reference %s: %w", e.Ref, err)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("artifact: reference %s: %w", e.Ref, err)
	}
	if resp.StatusCode/100 != 2 {
		resp.Body.Close()
		return nil, fmt.Errorf("artifact: reference %s: GET: %s", e.Ref, resp.Status)
	}
	if etag, _ := e.Extra["etag"].(string); etag != "" && resp.Header.Get("ETag") != "" && resp.Header.Get("ETag") != etag {
		resp.Body.Close()
		return nil, fmt.Errorf("%w: reference %s changed: ETag %s, want %s", ErrDigestMismatch, e.Ref, resp.Header.Get("ETag"), etag)
	}
	return resp.Body, nil
}
