// Package wire implements artifact.Remote over W&B's wire protocol: the
// GraphQL operations of wandb-core's artifact saver and downloader
// (wandb-behaviour.md §6.4, §6.6) through core/sender (auth scoped to the
// base URL, W&B's retry policies), and uploads and downloads on the
// server's pre-signed URLs, streamed from and to files so that no file is
// held in memory.
//
// The same Remote talks to W&B and to gowandb's server (core/server).
// Importing the package sets artifact.DialRemote, the hook the CLI and the
// root package use to reach a server.
//
// Uploads resume: files of at least the multipart threshold (2 GiB by
// default, W&B's) go in parts (100 MiB). A server that already has a part
// answers it with a null URL, so logging the same artifact again after an
// interruption uploads only what is missing (gowandb's server does; W&B's
// answers every part).
package wire

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gowandb/wandb/core/artifact"
	"github.com/gowandb/wandb/core/sender"
)

func init() {
	artifact.DialRemote = func(ctx context.Context, baseURL, apiKey string) (artifact.Remote, error) {
		return New(baseURL, apiKey)
	}
}

// Defaults, as wandb-core uses them.
const (
	DefaultMultipartThreshold = 2 << 30   // files of at least this size go in parts
	DefaultPartSize           = 100 << 20 // bytes per part
	DefaultWorkers            = 16        // concurrent transfers
	maxParts                  = 10000
	filesBatch                = 1000 // files per CreateArtifactFiles
	urlBatch                  = 5000 // entries per ArtifactFileURLsByManifestEntries
	urlCacheTTL               = 10 * time.Minute
	maxManifestBytes          = 256 << 20
)

// ErrUnsupported reports an entry Open cannot serve (a reference: the
// caller fetches it from its URI).
var ErrUnsupported = errors.New("wire: unsupported")

// Option configures New.
type Option func(*config)

type config struct {
	hc                  *http.Client
	gqlRetry, xferRetry sender.Retrier
	threshold, partSize int64
	workers             int
	userAgent           string
}

// WithHTTPClient sets the HTTP client whose transport carries requests
// (default http.DefaultTransport). Credentials are added only for the base
// URL's GraphQL endpoint, never to upload or download URLs.
func WithHTTPClient(c *http.Client) Option { return func(cfg *config) { cfg.hc = c } }

// WithRetriers sets the retry settings of GraphQL requests and of file
// transfers (defaults: sender.GraphQLRetrier, sender.TransferRetrier).
func WithRetriers(graphql, transfer sender.Retrier) Option {
	return func(c *config) { c.gqlRetry, c.xferRetry = graphql, transfer }
}

// WithMultipart sets the size from which files are uploaded in parts and
// the part size (defaults 2 GiB and 100 MiB).
func WithMultipart(threshold, partSize int64) Option {
	return func(c *config) { c.threshold, c.partSize = threshold, partSize }
}

// WithWorkers sets how many transfers run at once (default 16).
func WithWorkers(n int) Option { return func(c *config) { c.workers = n } }

// WithUserAgent sets the User-Agent of GraphQL requests.
func WithUserAgent(ua string) Option { return func(c *config) { c.userAgent = ua } }

// Remote is an artifact.Remote on a W&B-compatible server. Safe for
// concurrent use.
type Remote struct {
	gql  *sender.Client
	xfer *sender.Uploader
	cfg  config

	mu     sync.Mutex
	entity string                 // the viewer's default entity, once asked
	urls   map[string]versionURLs // download URLs by version id
}

type versionURLs struct {
	at   time.Time
	urls map[string]string
}

var (
	_ artifact.Remote = (*Remote)(nil)
	_ artifact.Lister = (*Remote)(nil)
)

// New returns a Remote for the server at baseURL (e.g.
// "https://api.wandb.ai" or "http://127.0.0.1:8080") with apiKey.
func New(baseURL, apiKey string, opts ...Option) (*Remote, error) {
	cfg := config{gqlRetry: sender.GraphQLRetrier(), xferRetry: sender.TransferRetrier(),
		threshold: DefaultMultipartThreshold, partSize: DefaultPartSize, workers: DefaultWorkers}
	for _, o := range opts {
		o(&cfg)
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("wire: base URL %q: want http(s)://host[:port]", baseURL)
	}
	if apiKey == "" {
		return nil, fmt.Errorf("wire: no API key")
	}
	if cfg.threshold <= 0 || cfg.partSize <= 0 || cfg.workers < 1 {
		return nil, fmt.Errorf("wire: multipart threshold %d, part size %d, workers %d: want all positive", cfg.threshold, cfg.partSize, cfg.workers)
	}
	var next http.RoundTripper = http.DefaultTransport
	if cfg.hc != nil && cfg.hc.Transport != nil {
		next = cfg.hc.Transport
	}
	authed := &http.Client{Transport: sender.NewAuthTransport(u, apiKey, cfg.userAgent, next)}
	plain := &http.Client{Transport: transferTransport(next)}
	return &Remote{
		gql:  &sender.Client{BaseURL: baseURL, HTTP: authed, Retrier: cfg.gqlRetry},
		xfer: &sender.Uploader{HTTP: plain, Retrier: cfg.xferRetry},
		cfg:  cfg,
		urls: map[string]versionURLs{},
	}, nil
}

// FromClient returns a Remote that sends GraphQL through c (its base URL,
// credentials and retries) and transfers files with c's HTTP client,
// whose auth transport adds credentials only under the base URL. For
// core/syncer, which holds a client already.
func FromClient(c *sender.Client, opts ...Option) *Remote {
	cfg := config{gqlRetry: c.Retrier, xferRetry: sender.TransferRetrier(),
		threshold: DefaultMultipartThreshold, partSize: DefaultPartSize, workers: DefaultWorkers}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.threshold <= 0 || cfg.partSize <= 0 || cfg.workers < 1 {
		cfg.threshold, cfg.partSize, cfg.workers = DefaultMultipartThreshold, DefaultPartSize, DefaultWorkers
	}
	return &Remote{gql: c, xfer: &sender.Uploader{HTTP: c.HTTP, Retrier: cfg.xferRetry}, cfg: cfg,
		urls: map[string]versionURLs{}}
}

// transferTransport is t with larger socket buffers for file transfers
// (4 KiB writes cost a syscall each); other transports are used as given.
func transferTransport(t http.RoundTripper) http.RoundTripper {
	ht, ok := t.(*http.Transport)
	if !ok {
		return t
	}
	ht = ht.Clone()
	ht.WriteBufferSize, ht.ReadBufferSize = 256<<10, 256<<10
	return ht
}

// defaultEntity is the viewer's entity, asked once.
func (r *Remote) defaultEntity(ctx context.Context) (string, error) {
	r.mu.Lock()
	e := r.entity
	r.mu.Unlock()
	if e != "" {
		return e, nil
	}
	v, err := r.gql.Viewer(ctx)
	if err != nil {
		return "", fmt.Errorf("wire: default entity: %w", err)
	}
	r.mu.Lock()
	r.entity = v.Entity
	r.mu.Unlock()
	return v.Entity, nil
}

func (r *Remote) scope(ctx context.Context, s artifact.Scope) (artifact.Scope, error) {
	if s.Entity == "" {
		e, err := r.defaultEntity(ctx)
		if err != nil {
			return s, err
		}
		s.Entity = e
	}
	if s.Project == "" {
		return s, fmt.Errorf("wire: %w project: empty", artifact.ErrInvalid)
	}
	return s, nil
}

// Log implements artifact.Remote.
func (r *Remote) Log(ctx context.Context, req artifact.LogRequest) (artifact.LogResult, error) {
	if req.Manifest == nil {
		return artifact.LogResult{}, fmt.Errorf("wire: log %s: no manifest", req.Name)
	}
	digest := req.Manifest.Digest()
	if req.Digest != "" && req.Digest != digest {
		return artifact.LogResult{}, fmt.Errorf("wire: log %s: %w digest %s does not match the manifest's %s", req.Name, artifact.ErrInvalid, req.Digest, digest)
	}
	sc, err := r.scope(ctx, req.Scope)
	if err != nil {
		return artifact.LogResult{}, err
	}
	in := sender.ArtifactInput{Entity: sc.Entity, Project: sc.Project, Type: req.Type, Name: req.Name, RunName: sc.Run,
		Digest: digest, Description: req.Description, Aliases: req.Aliases, Tags: req.Tags, ClientID: req.ClientID}
	if len(req.Metadata) > 0 {
		b, err := json.Marshal(req.Metadata)
		if err != nil {
			return artifact.LogResult{}, fmt.Errorf("wire: log %s: metadata: %w", req.Name, err)
		}
		in.Metadata = string(b)
	}
	if req.HistoryStep >= 0 && sc.Run != "" {
		step := req.HistoryStep
		in.HistoryStep = &step
	}
	created, err := r.gql.CreateArtifact(ctx, in)
	if err != nil {
		return artifact.LogResult{}, fmt.Errorf("wire: log %s: %w", req.Name, err)
	}
	if created.State == "COMMITTED" {
		v, err := r.versionByID(ctx, created.ID, req.Manifest)
		return artifact.LogResult{Version: v, Existing: true}, err
	}
	m := req.Manifest.Clone()
	if err := r.uploadFiles(ctx, created.ID, m, req.Progress); err != nil {
		return artifact.LogResult{}, fmt.Errorf("wire: log %s: %w", req.Name, err)
	}
	b64, data, err := m.ManifestFileDigest()
	if err != nil {
		return artifact.LogResult{}, fmt.Errorf("wire: log %s: %w", req.Name, err)
	}
	mu, err := r.gql.CreateArtifactManifest(ctx, created.ID, created.LatestID, sc.Entity, sc.Project, sc.Run, artifact.ManifestFileName, b64)
	if err != nil {
		return artifact.LogResult{}, fmt.Errorf("wire: log %s: %w", req.Name, err)
	}
	if mu.UploadURL != "" {
		err := r.xfer.PutStream(ctx, mu.UploadURL, sender.ParseUploadHeaders(mu.UploadHeaders), int64(len(data)),
			func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
		if err != nil {
			return artifact.LogResult{}, fmt.Errorf("wire: log %s: manifest upload: %w", req.Name, err)
		}
	}
	if err := r.gql.CommitArtifact(ctx, created.ID); err != nil {
		return artifact.LogResult{}, fmt.Errorf("wire: log %s: %w", req.Name, err)
	}
	v, err := r.versionByID(ctx, created.ID, m)
	return artifact.LogResult{Version: v}, err
}

// job is one transfer: a whole file or one part.
type job struct {
	url      string
	header   http.Header
	path     string
	off, n   int64
	progress int64
}

// multipart is a file uploaded in parts, completed after its parts.
type multipart struct {
	storagePath, uploadID string
	parts                 []sender.PartSpec
}

// uploadFiles asks the server which entries' contents it lacks and
// uploads those, recording each entry's birth artifact id in m.
func (r *Remote) uploadFiles(ctx context.Context, artifactID string, m *artifact.Manifest, progress func(done, total int64)) error {
	var local []artifact.Entry
	for _, e := range m.Entries() {
		if !e.IsReference() && e.LocalPath != "" {
			local = append(local, e)
		}
	}
	var jobs []job
	var mps []multipart
	for start := 0; start < len(local); start += filesBatch {
		batch := local[start:min(start+filesBatch, len(local))]
		specs := make([]sender.ArtifactFileSpec, len(batch))
		parts := make([][]sender.PartSpec, len(batch))
		for i, e := range batch {
			specs[i] = sender.ArtifactFileSpec{ArtifactID: artifactID, Name: e.Path, MD5: e.Digest}
			if e.Size >= r.cfg.threshold {
				ps, err := r.partDigests(ctx, e)
				if err != nil {
					return err
				}
				specs[i].Parts, parts[i] = ps, ps
			}
		}
		ups, err := r.gql.CreateArtifactFiles(ctx, specs)
		if err != nil {
			return err
		}
		for i, u := range ups {
			e := batch[i]
			if u.BirthArtifactID != "" && e.BirthArtifactID == "" {
				e.BirthArtifactID = u.BirthArtifactID
				m.Contents[e.Path] = e
			}
			h := sender.ParseUploadHeaders(u.UploadHeaders)
			switch {
			case u.Multipart != nil:
				if len(u.Multipart.Parts) != len(parts[i]) {
					return fmt.Errorf("file %q: the server answered %d part URLs for %d parts", e.Path, len(u.Multipart.Parts), len(parts[i]))
				}
				for _, p := range u.Multipart.Parts {
					if p.Number < 1 || int(p.Number) > len(parts[i]) {
						return fmt.Errorf("file %q: the server answered part %d of %d", e.Path, p.Number, len(parts[i]))
					}
					if p.URL == "" {
						continue // the server has this part: a resumed upload
					}
					off := (p.Number - 1) * r.cfg.partSize
					jobs = append(jobs, job{url: p.URL, header: h, path: e.LocalPath, off: off, n: min(r.cfg.partSize, e.Size-off)})
				}
				mps = append(mps, multipart{storagePath: u.StoragePath, uploadID: u.Multipart.UploadID, parts: parts[i]})
			case u.UploadURL != "":
				jobs = append(jobs, job{url: u.UploadURL, header: h, path: e.LocalPath, n: e.Size})
			}
		}
	}
	if err := r.transfer(ctx, jobs, progress); err != nil {
		return err
	}
	for _, mp := range mps {
		if err := r.gql.CompleteMultipartUpload(ctx, artifactID, mp.storagePath, mp.uploadID, mp.parts); err != nil {
			return err
		}
	}
	return nil
}

// partDigests reads e's file once and returns the hex MD5 of each part.
func (r *Remote) partDigests(ctx context.Context, e artifact.Entry) ([]sender.PartSpec, error) {
	n := (e.Size + r.cfg.partSize - 1) / r.cfg.partSize
	if n > maxParts {
		return nil, fmt.Errorf("file %q: %d bytes make %d parts of %d, more than %d", e.Path, e.Size, n, r.cfg.partSize, maxParts)
	}
	f, err := os.Open(e.LocalPath)
	if err != nil {
		return nil, fmt.Errorf("file %q: %w", e.Path, err)
	}
	defer f.Close()
	out := make([]sender.PartSpec, 0, n)
	buf := make([]byte, 1<<20)
	for i := int64(0); i < n; i++ {
		h := md5.New()
		want := min(r.cfg.partSize, e.Size-i*r.cfg.partSize)
		got, err := io.CopyBuffer(h, ctxReader{ctx, io.LimitReader(f, want)}, buf)
		if err != nil {
			return nil, fmt.Errorf("file %q: %w", e.Path, err)
		}
		if got != want {
			return nil, fmt.Errorf("file %q changed: %d bytes, the manifest says %d", e.Path, i*r.cfg.partSize+got, e.Size)
		}
		out = append(out, sender.PartSpec{Number: i + 1, HexMD5: hex.EncodeToString(h.Sum(nil))})
	}
	return out, nil
}

// transfer runs the jobs on the workers; the first error stops the rest.
func (r *Remote) transfer(ctx context.Context, jobs []job, progress func(done, total int64)) error {
	if len(jobs) == 0 {
		return nil
	}
	var total, done atomic.Int64
	for _, j := range jobs {
		total.Add(j.n)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	ch := make(chan job)
	var wg sync.WaitGroup
	for range min(r.cfg.workers, len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ch {
				open := func() (io.ReadCloser, error) {
					f, err := os.Open(j.path)
					if err != nil {
						return nil, err
					}
					return struct {
						io.Reader
						io.Closer
					}{io.NewSectionReader(f, j.off, j.n), f}, nil
				}
				if err := r.xfer.PutStream(ctx, j.url, j.header, j.n, open); err != nil {
					cancel(err)
					continue
				}
				d := done.Add(j.n)
				if progress != nil {
					progress(d, total.Load())
				}
			}
		}()
	}
	for _, j := range jobs {
		select {
		case ch <- j:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(ch)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}

// versionByID reads a version; m, when not nil, is its manifest (no
// download needed).
func (r *Remote) versionByID(ctx context.Context, id string, m *artifact.Manifest) (artifact.Version, error) {
	info, err := r.gql.ArtifactByID(ctx, id)
	if err != nil {
		return artifact.Version{}, fmt.Errorf("wire: artifact %s: %w", id, err)
	}
	if info == nil {
		return artifact.Version{}, fmt.Errorf("wire: %w: artifact %s", artifact.ErrNotFound, id)
	}
	return r.toVersion(ctx, info, m, true)
}

// toVersion converts info; the manifest is m, or downloaded when fetch.
func (r *Remote) toVersion(ctx context.Context, info *sender.ArtifactInfo, m *artifact.Manifest, fetch bool) (artifact.Version, error) {
	v := artifact.Version{ID: info.ID, Entity: info.Entity, Project: info.Project, Name: info.Collection, Type: info.Type,
		Index: -1, Aliases: info.Aliases, Digest: info.Digest, Description: info.Description, HistoryStep: -1, Manifest: m}
	if info.VersionIndex != nil {
		v.Index = *info.VersionIndex
	}
	if info.HistoryStep != nil {
		v.HistoryStep = *info.HistoryStep
	}
	if info.Metadata != "" && info.Metadata != "{}" {
		if err := json.Unmarshal([]byte(info.Metadata), &v.Metadata); err != nil {
			return artifact.Version{}, fmt.Errorf("wire: artifact %s: metadata: %w", info.ID, err)
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, info.CreatedAt); err == nil {
		v.CreatedAt = t
	}
	if c := info.CreatedBy; c != nil {
		v.LoggedBy = artifact.Scope{Entity: c.Entity, Project: c.Project, Run: c.Name}
	}
	if v.Manifest == nil && fetch && info.ManifestURL != "" {
		mf, err := r.fetchManifest(ctx, info.ManifestURL)
		if err != nil {
			return artifact.Version{}, fmt.Errorf("wire: artifact %s: %w", info.ID, err)
		}
		v.Manifest = mf
	}
	return v, nil
}

func (r *Remote) fetchManifest(ctx context.Context, u string) (*artifact.Manifest, error) {
	rc, err := r.xfer.GetStream(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxManifestBytes+1))
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if len(data) > maxManifestBytes {
		return nil, fmt.Errorf("manifest over %d bytes", maxManifestBytes)
	}
	return artifact.ParseManifest(data)
}

// resolve finds the version p names.
func (r *Remote) resolve(ctx context.Context, p artifact.Path, defaults artifact.Scope) (*sender.ArtifactInfo, error) {
	p = p.WithDefaults(defaults)
	sc, err := r.scope(ctx, artifact.Scope{Entity: p.Entity, Project: p.Project})
	if err != nil {
		return nil, err
	}
	info, err := r.gql.ArtifactByName(ctx, sc.Entity, sc.Project, p.Name+":"+p.Alias())
	if err != nil {
		return nil, fmt.Errorf("wire: resolve %s: %w", p, err)
	}
	if info == nil {
		p.Entity, p.Project = sc.Entity, sc.Project
		return nil, fmt.Errorf("wire: %w: artifact %s", artifact.ErrNotFound, p)
	}
	return info, nil
}

// Resolve implements artifact.Remote.
func (r *Remote) Resolve(ctx context.Context, p artifact.Path, defaults artifact.Scope) (artifact.Version, error) {
	info, err := r.resolve(ctx, p, defaults)
	if err != nil {
		return artifact.Version{}, err
	}
	return r.toVersion(ctx, info, nil, true)
}

// Lineage is a version with the runs that used it.
type Lineage struct {
	Version artifact.Version // LoggedBy is the run that logged it
	UsedBy  []artifact.Scope // in order of use
}

// Lineage resolves p like Resolve (without the manifest) and returns the
// runs that used the version.
func (r *Remote) Lineage(ctx context.Context, p artifact.Path, defaults artifact.Scope) (Lineage, error) {
	info, err := r.resolve(ctx, p, defaults)
	if err != nil {
		return Lineage{}, err
	}
	v, err := r.toVersion(ctx, info, nil, false)
	if err != nil {
		return Lineage{}, err
	}
	l := Lineage{Version: v}
	for _, u := range info.UsedBy {
		l.UsedBy = append(l.UsedBy, artifact.Scope{Entity: u.Entity, Project: u.Project, Run: u.Name})
	}
	return l, nil
}

// Use implements artifact.Remote.
func (r *Remote) Use(ctx context.Context, v artifact.Version, run artifact.Scope) error {
	sc, err := r.scope(ctx, run)
	if err != nil {
		return err
	}
	if sc.Run == "" {
		return fmt.Errorf("wire: use %s: %w run: empty", v.QualifiedName(), artifact.ErrInvalid)
	}
	if err := r.gql.UseArtifact(ctx, v.ID, sc.Entity, sc.Project, sc.Run); err != nil {
		return fmt.Errorf("wire: use %s: %w", v.QualifiedName(), err)
	}
	return nil
}

// Open implements artifact.Remote: it streams the entry's content from
// its download URL.
func (r *Remote) Open(ctx context.Context, v artifact.Version, e artifact.Entry) (io.ReadCloser, error) {
	if e.IsReference() {
		return nil, fmt.Errorf("%w: entry %q is a reference to %s", ErrUnsupported, e.Path, e.Ref)
	}
	for attempt := 0; ; attempt++ {
		u, err := r.fileURL(ctx, v, e, attempt > 0)
		if err != nil {
			return nil, err
		}
		rc, err := r.xfer.GetStream(ctx, u)
		var he *sender.HTTPError
		if errors.As(err, &he) && he.StatusCode == http.StatusForbidden && attempt == 0 {
			continue // an expired URL: ask for a new one
		}
		if err != nil {
			return nil, fmt.Errorf("wire: open %s of %s: %w", e.Path, v.QualifiedName(), err)
		}
		return rc, nil
	}
}

// fileURL returns the download URL of e, asking for the URLs of every
// entry of v at once and keeping them for a while.
func (r *Remote) fileURL(ctx context.Context, v artifact.Version, e artifact.Entry, fresh bool) (string, error) {
	r.mu.Lock()
	c, ok := r.urls[v.ID]
	r.mu.Unlock()
	if ok && !fresh && time.Since(c.at) < urlCacheTTL {
		if u := c.urls[e.Path]; u != "" {
			return u, nil
		}
	}
	entries := []artifact.Entry{e}
	if v.Manifest != nil {
		if _, in := v.Manifest.Get(e.Path); in {
			entries = v.Manifest.Entries()
		}
	}
	urls := map[string]string{}
	for start := 0; start < len(entries); start += urlBatch {
		var refs []sender.EntryRef
		for _, x := range entries[start:min(start+urlBatch, len(entries))] {
			if !x.IsReference() {
				refs = append(refs, sender.EntryRef{Name: x.Path, Digest: x.Digest, Size: x.Size, BirthArtifactID: x.BirthArtifactID})
			}
		}
		got, err := r.gql.ArtifactFileURLs(ctx, v.ID, refs)
		if err != nil {
			return "", fmt.Errorf("wire: open %s of %s: %w", e.Path, v.QualifiedName(), err)
		}
		for k, u := range got {
			urls[k] = u
		}
	}
	r.mu.Lock()
	if len(r.urls) > 256 {
		clear(r.urls)
	}
	r.urls[v.ID] = versionURLs{at: time.Now(), urls: urls}
	r.mu.Unlock()
	u := urls[e.Path]
	if u == "" {
		return "", fmt.Errorf("wire: %w: entry %q of %s", artifact.ErrNotFound, e.Path, v.QualifiedName())
	}
	return u, nil
}

// List implements artifact.Lister.
func (r *Remote) List(ctx context.Context, scope artifact.Scope, typ string) ([]artifact.Version, error) {
	sc, err := r.scope(ctx, scope)
	if err != nil {
		return nil, err
	}
	infos, err := r.gql.ProjectArtifacts(ctx, sc.Entity, sc.Project)
	if err != nil {
		return nil, fmt.Errorf("wire: list %s/%s: %w", sc.Entity, sc.Project, err)
	}
	var out []artifact.Version
	for _, info := range infos {
		if typ != "" && info.Type != typ {
			continue
		}
		v, err := r.toVersion(ctx, info, nil, false)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Type != out[j].Type {
			return out[i].Type < out[j].Type
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// ctxReader stops a read loop when ctx ends.
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
