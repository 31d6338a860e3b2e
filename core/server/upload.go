package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/gowandb/wandb/core/store"
)

// uploadClaim is what an upload token authorizes: one file of one run
// until Exp (Unix seconds).
type uploadClaim struct {
	Run  int64  `json:"r"`
	Name string `json:"n"`
	Exp  int64  `json:"e"`
}

// token is base64url(JSON claim) "." base64url(HMAC-SHA256(claim)).
func (s *Server) token(c uploadClaim) string {
	b, _ := json.Marshal(c)
	p := base64.RawURLEncoding.EncodeToString(b)
	return p + "." + base64.RawURLEncoding.EncodeToString(s.mac(p))
}

func (s *Server) mac(payload string) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// claim verifies a token and returns its claim.
func (s *Server) claim(tok string) (uploadClaim, error) {
	p, sig, ok := strings.Cut(tok, ".")
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil || !hmac.Equal(got, s.mac(p)) {
		return uploadClaim{}, fmt.Errorf("invalid upload token")
	}
	b, err := base64.RawURLEncoding.DecodeString(p)
	var c uploadClaim
	if err != nil || json.Unmarshal(b, &c) != nil {
		return uploadClaim{}, fmt.Errorf("invalid upload token")
	}
	if s.now().Unix() > c.Exp {
		return uploadClaim{}, fmt.Errorf("upload token expired")
	}
	return c, nil
}

func (s *Server) opCreateRunFiles(ctx context.Context, args map[string]any) (any, error) {
	vars := argMap(args, "input")
	entity, project, err := s.entityProject(ctx, str(vars, "entityName"), str(vars, "projectName"))
	if err != nil {
		return nil, err
	}
	if err := store.ValidName("run", str(vars, "runName")); err != nil {
		return nil, err
	}
	r, err := s.store.Run(ctx, entity, project, str(vars, "runName"))
	if err != nil {
		return nil, fmt.Errorf("run %s/%s/%s: %w", entity, project, str(vars, "runName"), err)
	}
	names, _ := vars["files"].([]any)
	base := s.baseURL
	if base == "" {
		base = baseFrom(ctx)
	}
	exp := s.now().Add(s.uploadTTL).Unix()
	files := []any{}
	for i, n := range names {
		name, ok := n.(string)
		if !ok {
			return nil, badRequestf("files[%d]: file names must be strings", i)
		}
		if err := validFileName(name); err != nil {
			return nil, badRequestf("files[%d]: %v", i, err)
		}
		files = append(files, map[string]any{"name": name,
			"uploadUrl": strings.TrimSuffix(base, "/") + "/files/upload/" + s.token(uploadClaim{r.ID, name, exp})})
	}
	return map[string]any{"runID": nodeID("Run", r.ID), "uploadHeaders": []string{}, "files": files}, nil
}

type baseKey struct{}

// baseFrom is the base URL of the request in ctx (set by the graphql
// handler), e.g. "http://127.0.0.1:8080".
func baseFrom(ctx context.Context) string {
	s, _ := ctx.Value(baseKey{}).(string)
	return s
}

func requestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	c, err := s.claim(r.PathValue("token"))
	if err != nil {
		httpError(w, http.StatusForbidden, err.Error())
		return
	}
	ctx := r.Context()
	run, err := s.store.RunByID(ctx, c.Run)
	if err != nil {
		s.fail(w, fmt.Errorf("upload: run: %w", err))
		return
	}
	size, md5, err := s.blobs.Put(ctx, store.RunFileKey(run, c.Name), http.MaxBytesReader(w, r.Body, s.maxUpload))
	if err != nil {
		s.fail(w, fmt.Errorf("upload %s: %w", c.Name, err))
		return
	}
	if err := s.store.PutFile(ctx, store.File{RunID: run.ID, Name: c.Name, Size: size, MD5: md5,
		UpdatedAt: s.now()}); err != nil {
		s.fail(w, fmt.Errorf("upload %s: recording file: %w", c.Name, err))
		return
	}
	w.WriteHeader(http.StatusOK)
}
