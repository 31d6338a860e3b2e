package server

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/gowandb/wandb/core/store"
)

func tokenServer() *Server {
	return &Server{secret: []byte("0123456789abcdef0123456789abcdef"), uploadTTL: time.Hour,
		now: func() time.Time { return time.Unix(1_800_000_000, 0) }}
}

func TestArtifactTokenRoundTrip(t *testing.T) {
	s := tokenServer()
	c := artifactClaim{Kind: claimPart, Key: "artifacts/uploads/x/00001-y", MD5: "abc", Exp: 1_800_000_100}
	got, err := s.artifactClaimOf(s.artifactToken(c))
	if err != nil || got != c {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	// The run-file upload token of the same payload does not validate.
	tok := s.artifactToken(c)
	p, _, _ := strings.Cut(tok, ".")
	if _, err := s.artifactClaimOf(p + "." + base64.RawURLEncoding.EncodeToString(s.mac(p))); err == nil {
		t.Fatal("a run-file signature validated an artifact token")
	}
	c.Exp = 1_799_999_999
	if _, err := s.artifactClaimOf(s.artifactToken(c)); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("expired token: %v", err)
	}
}

// FuzzArtifactToken: no input panics, and only tokens the server signed
// validate.
func FuzzArtifactToken(f *testing.F) {
	s := tokenServer()
	f.Add(s.artifactToken(artifactClaim{Kind: claimGet, Key: "artifacts/md5/00", Exp: 1_900_000_000}))
	for _, x := range []string{"", ".", "a.b", "eyJhIjoiZyJ9.", strings.Repeat("A", 100) + ".AA"} {
		f.Add(x)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := s.artifactClaimOf(tok)
		if err != nil {
			return
		}
		if s.artifactToken(c) != tok {
			// A validated token must be the server's own signature over
			// its payload; re-encoding may differ only if the payload
			// JSON had another form, which the MAC would have refused.
			p, _, _ := strings.Cut(tok, ".")
			if _, err := base64.RawURLEncoding.DecodeString(p); err != nil {
				t.Fatalf("validated a token with a bad payload: %q", tok)
			}
		}
	})
}

// FuzzParseParts: part lists are accepted only as 1..n in order.
func FuzzParseParts(f *testing.F) {
	f.Add(int64(1), int64(2), "00000000000000000000000000000000")
	f.Add(int64(0), int64(1), "zz")
	f.Add(int64(2), int64(2), "ffffffffffffffffffffffffffffffff")
	f.Fuzz(func(t *testing.T, a, b int64, h string) {
		parts := []any{map[string]any{"partNumber": a, "hexMD5": h}, map[string]any{"partNumber": b, "hexMD5": h}}
		ps, err := parseParts(parts)
		if err != nil {
			if !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if len(ps) != 2 || ps[0].n != 1 || ps[1].n != 2 || !store.IsHexDigest(ps[0].hex) {
			t.Fatalf("accepted %v", ps)
		}
	})
}

// FuzzArtifactID: ids parse only from base64("Artifact:<n>").
func FuzzArtifactID(f *testing.F) {
	f.Add(artifactID(42))
	f.Add("QXJ0aWZhY3Q6")
	f.Add("!!")
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseArtifactID(s)
		if err != nil {
			return
		}
		if b, _ := base64.StdEncoding.DecodeString(s); !strings.HasPrefix(string(b), "Artifact:") || artifactID(n) == "" {
			t.Fatalf("parsed %q as %d", s, n)
		}
	})
}

func TestMD5CheckRefusesOtherBytes(t *testing.T) {
	want := "XUFAKrxLKna5cZ2REBfFkg==" // md5("hello")
	for _, tc := range []struct {
		body string
		size int64
		ok   bool
	}{{"hello", 5, true}, {"hello", -1, true}, {"hellO", 5, false}, {"hello", 6, false}, {"", -1, false}} {
		_, err := io.Copy(io.Discard, newMD5Check(bytes.NewReader([]byte(tc.body)), want, tc.size))
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, errDigestMismatch)) {
			t.Errorf("%q size %d: %v", tc.body, tc.size, err)
		}
	}
	// Hex digests (parts) work too.
	if _, err := io.Copy(io.Discard, newMD5Check(strings.NewReader("hello"), "5d41402abc4b2a76b9719d911017c592", 5)); err != nil {
		t.Fatal(err)
	}
}
