package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/gowandb/wandb/core/store"
)

// downloadClaim is what a download token authorizes: reading one file of
// one run until Exp (Unix seconds).
type downloadClaim struct {
	Run  int64  `json:"r"`
	Name string `json:"n"`
	Exp  int64  `json:"e"`
}

// downloadMAC signs a download claim. The key is derived from the server
// secret with a purpose label, so that an upload token is never a valid
// download token and a download token never a valid upload one.
func (s *Server) downloadMAC(payload string) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("gowandb download\x00"))
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// downloadToken is base64url(JSON claim) "." base64url(HMAC).
func (s *Server) downloadToken(c downloadClaim) string {
	b, _ := json.Marshal(c)
	p := base64.RawURLEncoding.EncodeToString(b)
	return p + "." + base64.RawURLEncoding.EncodeToString(s.downloadMAC(p))
}

var errBadDownloadToken = errors.New("invalid download token")

// downloadClaimOf verifies a token and returns its claim.
func (s *Server) downloadClaimOf(tok string) (downloadClaim, error) {
	p, sig, ok := strings.Cut(tok, ".")
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil || !hmac.Equal(got, s.downloadMAC(p)) {
		return downloadClaim{}, errBadDownloadToken
	}
	b, err := base64.RawURLEncoding.DecodeString(p)
	var c downloadClaim
	if err != nil || json.Unmarshal(b, &c) != nil {
		return downloadClaim{}, errBadDownloadToken
	}
	if s.now().Unix() > c.Exp {
		return downloadClaim{}, errors.New("download token expired: ask for the file's url again")
	}
	return c, nil
}

// downloadHandler serves GET /files/download/{token}: the content of the
// run file the token names, with range requests, If-Modified-Since and
// HEAD (http.ServeContent) when the blob store gives a seekable reader.
// No credentials: the token is the authorization, as with upload URLs.
func (s *Server) downloadHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := s.downloadClaimOf(r.PathValue("token"))
		if err != nil {
			httpError(w, http.StatusForbidden, err.Error())
			return
		}
		ctx := r.Context()
		run, err := s.store.RunByID(ctx, c.Run)
		if err != nil {
			s.fail(w, fmt.Errorf("download: run: %w", err))
			return
		}
		f, err := s.store.File(ctx, run.ID, c.Name)
		if err != nil {
			s.fail(w, fmt.Errorf("download %s: %w", c.Name, err))
			return
		}
		rc, err := s.blobs.Get(ctx, store.RunFileKey(run, c.Name))
		if err != nil {
			s.fail(w, fmt.Errorf("download %s: %w", c.Name, err))
			return
		}
		defer rc.Close()
		h := w.Header()
		h.Set("Cache-Control", "private, max-age=0")
		h.Set("Content-Disposition", "attachment; filename="+strconv.Quote(path.Base(c.Name)))
		if f.MD5 != "" {
			h.Set("Content-MD5", f.MD5)
		}
		if rs, ok := rc.(io.ReadSeeker); ok {
			http.ServeContent(w, r, path.Base(c.Name), f.UpdatedAt, rs)
			return
		}
		if t := mimeType(c.Name); t != nil {
			h.Set("Content-Type", t.(string))
		} else {
			h.Set("Content-Type", "application/octet-stream")
		}
		if info, err := s.blobs.Stat(ctx, store.RunFileKey(run, c.Name)); err == nil {
			h.Set("Content-Length", strconv.FormatInt(info.Size, 10))
		}
		if r.Method == http.MethodHead {
			return
		}
		if _, err := io.Copy(w, rc); err != nil {
			s.log.Warn("server: download interrupted", "file", c.Name, "err", err)
		}
	})
}
