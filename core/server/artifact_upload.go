package server

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gowandb/wandb/core/store"
)

// Artifact contents travel on two routes that need no credentials: the
// token in the URL is the authorization (W&B clients send no W&B auth to
// upload and download URLs, §6.4, §6.6).
//
//   - PUT /artifacts/upload/{token}: a whole file, or one part of a
//     multipart upload. The body's MD5 must match the digest in the token,
//     else nothing is stored (the blob store installs the content only
//     when the copy ends without error).
//   - GET /artifacts/blob/{token}: the content, with Range support.
//
// Content is stored once by MD5 under "artifacts/md5/<hex>"; parts under
// "artifacts/uploads/<file hex>/<n>-<part hex>" until completed, so a
// second attempt at an interrupted upload is told which parts the server
// already has.

// maxArtifactPut is the largest single PUT (S3's limit): larger files go
// in parts.
const maxArtifactPut = 5 << 30

// Claim kinds.
const (
	claimPut  = "u" // a whole file; MD5 is its base64 MD5
	claimPart = "p" // one part; MD5 is the part's hex MD5
	claimGet  = "g" // a download
)

// artifactClaim is what an artifact URL's token authorizes, until Exp
// (Unix seconds).
type artifactClaim struct {
	Kind string `json:"a"`
	Key  string `json:"k"`
	MD5  string `json:"m,omitempty"`
	Exp  int64  `json:"e"`
}

// artifactMAC signs a claim payload. The "artifact:" prefix keeps these
// tokens apart from run-file upload tokens signed with the same secret.
func (s *Server) artifactMAC(payload string) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("artifact:"))
	m.Write([]byte(payload))
	return m.Sum(nil)
}

func (s *Server) artifactToken(c artifactClaim) string {
	b, _ := json.Marshal(c)
	p := base64.RawURLEncoding.EncodeToString(b)
	return p + "." + base64.RawURLEncoding.EncodeToString(s.artifactMAC(p))
}

var errBadToken = errors.New("invalid artifact URL token")

func (s *Server) artifactClaimOf(tok string) (artifactClaim, error) {
	p, sig, ok := strings.Cut(tok, ".")
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil || !hmac.Equal(got, s.artifactMAC(p)) {
		return artifactClaim{}, errBadToken
	}
	b, err := base64.RawURLEncoding.DecodeString(p)
	var c artifactClaim
	if err != nil || json.Unmarshal(b, &c) != nil {
		return artifactClaim{}, errBadToken
	}
	if s.now().Unix() > c.Exp {
		return artifactClaim{}, fmt.Errorf("artifact URL expired: ask for a new one")
	}
	return c, nil
}

// artifactURL is the signed URL for c, valid for the upload TTL.
func (s *Server) artifactURL(ctx context.Context, c artifactClaim) string {
	base := s.baseURL
	if base == "" {
		base = baseFrom(ctx)
	}
	c.Exp = s.now().Add(s.uploadTTL).Unix()
	route := "/artifacts/upload/"
	if c.Kind == claimGet {
		route = "/artifacts/blob/"
	}
	return strings.TrimSuffix(base, "/") + route + s.artifactToken(c)
}

// errDigestMismatch: the uploaded bytes are not the announced content.
var errDigestMismatch = errors.New("the uploaded bytes do not match the announced MD5")

// md5Check passes r through and, at EOF, fails with errDigestMismatch
// (wrapping store.ErrInvalid) unless the bytes' MD5 is want (base64 or
// hex) and, when size >= 0, their count is size.
type md5Check struct {
	r    io.Reader
	h    hash.Hash
	want []byte
	size int64
	n    int64
}

func newMD5Check(r io.Reader, want string, size int64) *md5Check {
	raw, err := base64.StdEncoding.DecodeString(want)
	if err != nil || len(raw) != md5.Size {
		raw, _ = hex.DecodeString(want)
	}
	return &md5Check{r: r, h: md5.New(), want: raw, size: size}
}

func (c *md5Check) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.h.Write(p[:n])
	c.n += int64(n)
	if err == io.EOF {
		if !bytes.Equal(c.h.Sum(nil), c.want) || (c.size >= 0 && c.n != c.size) {
			return n, fmt.Errorf("%w: %w", store.ErrInvalid, errDigestMismatch)
		}
	}
	return n, err
}

// artifactUpload stores a file or a part (PUT /artifacts/upload/{token}).
func (s *Server) artifactUpload(w http.ResponseWriter, r *http.Request) {
	c, err := s.artifactClaimOf(r.PathValue("token"))
	if err != nil || (c.Kind != claimPut && c.Kind != claimPart) {
		if err == nil {
			err = errBadToken
		}
		httpError(w, http.StatusForbidden, err.Error())
		return
	}
	size := r.ContentLength
	if size > maxArtifactPut {
		httpError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("a single upload holds at most %d bytes: upload in parts", int64(maxArtifactPut)))
		return
	}
	body := newMD5Check(http.MaxBytesReader(w, r.Body, maxArtifactPut), c.MD5, size)
	if _, _, err := s.blobs.Put(r.Context(), c.Key, body); err != nil {
		if errors.Is(err, errDigestMismatch) {
			httpError(w, http.StatusBadRequest, "artifact upload: "+errDigestMismatch.Error())
			return
		}
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			httpError(w, http.StatusRequestEntityTooLarge, err.Error())
			return
		}
		if r.Context().Err() != nil {
			return // the client went away; nothing was stored
		}
		s.fail(w, fmt.Errorf("artifact upload: %w", err))
		return
	}
	w.WriteHeader(http.StatusOK)
}

// artifactDownload serves stored content (GET /artifacts/blob/{token}).
func (s *Server) artifactDownload(w http.ResponseWriter, r *http.Request) {
	c, err := s.artifactClaimOf(r.PathValue("token"))
	if err != nil || c.Kind != claimGet {
		if err == nil {
			err = errBadToken
		}
		httpError(w, http.StatusForbidden, err.Error())
		return
	}
	rc, err := s.blobs.Get(r.Context(), c.Key)
	if err != nil {
		s.fail(w, fmt.Errorf("artifact download: %w", err))
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	if rs, ok := rc.(io.ReadSeeker); ok {
		mod := time.Time{}
		if st, err := s.blobs.Stat(r.Context(), c.Key); err == nil {
			mod = st.ModTime
		}
		http.ServeContent(w, r, "", mod, rs)
		return
	}
	_, _ = io.Copy(w, rc)
}
