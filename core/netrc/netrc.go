// Package netrc reads and writes the netrc file where W&B's clients keep
// API keys: one entry per server,
//
//	machine <host[:port] of the base URL>
//	  login user
//	  password <API key>
//
// in $NETRC, else ~/.netrc (~/_netrc on Windows when only that exists),
// created with mode 0600 (wandb/sdk/lib/wbauth/wbnetrc.py). `wandb login`
// writes it with [Set]; the SDK, `wandb sync` and the query API read it
// with [Lookup] when no key is set, for the host of their base URL.
package netrc

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// ErrNoHome is returned when neither $NETRC nor a home directory is known.
var ErrNoHome = errors.New("netrc: no $NETRC and no home directory")

// Path is the netrc file of the environment env (os.Environ form): $NETRC,
// else $HOME/.netrc, except on Windows where an existing _netrc is used
// when .netrc does not exist.
func Path(env []string) (string, error) {
	e := envMap(env)
	if p := e["NETRC"]; p != "" {
		return p, nil
	}
	home := e["HOME"]
	if home == "" && runtime.GOOS == "windows" {
		home = e["USERPROFILE"]
	}
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil || h == "" {
			return "", ErrNoHome
		}
		home = h
	}
	p := filepath.Join(home, ".netrc")
	if runtime.GOOS == "windows" {
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			if _, err := os.Stat(filepath.Join(home, "_netrc")); err == nil {
				return filepath.Join(home, "_netrc"), nil
			}
		}
	}
	return p, nil
}

// Host is the netrc machine name of a base URL: its host and port, as
// W&B writes it ("api.wandb.ai", "127.0.0.1:8080").
func Host(baseURL string) (string, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return "", fmt.Errorf("netrc: base URL %q: %w", baseURL, err)
	}
	if u.Host == "" {
		return "", fmt.Errorf("netrc: base URL %q has no host", baseURL)
	}
	return u.Host, nil
}

// KeyFor is W&B's key order once the api_key setting is resolved
// (WANDB_API_KEY, settings files, options): key when set, else the
// password of the netrc entry for baseURL's host, as `wandb login` writes
// it; "" when there is none.
func KeyFor(env []string, key, baseURL string) (string, error) {
	if key != "" {
		return key, nil
	}
	host, err := Host(baseURL)
	if err != nil {
		return "", err
	}
	return Lookup(env, host)
}

// Lookup returns the password of the entry for host in env's netrc file,
// or "" when there is no file or no entry. An entry for the host without
// its port matches too; "default" does not (W&B keys are per server).
func Lookup(env []string, host string) (string, error) {
	p, err := Path(env)
	if errors.Is(err, ErrNoHome) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("netrc: %w", err)
	}
	entries := Parse(string(b))
	names := []string{host}
	if h, _, ok := strings.Cut(host, ":"); ok && !strings.HasPrefix(host, "[") {
		names = append(names, h)
	}
	for _, name := range names {
		for _, e := range entries {
			if e.Machine == name && e.Password != "" {
				return e.Password, nil
			}
		}
	}
	return "", nil
}

// Entry is one machine entry. Machine is "" for the default entry.
type Entry struct {
	Machine, Login, Password string
	start, end               int // byte span of the entry in the text
}

// Parse reads netrc text: tokens separated by blanks and newlines,
// "# comments" to the end of the line, "macdef" bodies (up to an empty
// line) skipped. Entries are in file order; the first of a machine counts,
// as in curl and Python's netrc.
func Parse(text string) []Entry {
	out, _ := parse(text)
	return out
}

// parse is Parse that also reports the first keyword without its value.
func parse(text string) ([]Entry, error) {
	var out []Entry
	var bad error
	toks := tokens(text)
	cur := -1
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		next := func() string {
			if i+1 < len(toks) {
				i++
				return toks[i].s
			}
			if bad == nil {
				bad = fmt.Errorf("%q at the end of the file has no value", t.s)
			}
			return ""
		}
		switch t.s {
		case "machine", "default":
			if cur >= 0 {
				out[cur].end = t.start
			}
			e := Entry{start: t.start, end: len(text)}
			if t.s == "machine" {
				e.Machine = next()
			}
			out = append(out, e)
			cur = len(out) - 1
		case "login", "account", "password":
			v := next()
			if cur < 0 {
				continue
			}
			switch t.s {
			case "login":
				out[cur].Login = v
			case "password":
				out[cur].Password = v
			}
		case "macdef":
			// The body ends at the next empty line; the entry ends here.
			if cur >= 0 {
				out[cur].end = t.start
				cur = -1
			}
			next()
			for i+1 < len(toks) && !toks[i+1].afterBlank {
				i++
			}
		}
	}
	return out, bad
}

type token struct {
	s          string
	start      int
	afterBlank bool // an empty line precedes it
}

func tokens(text string) []token {
	var out []token
	blank := false
	lineStart := true
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '\n':
			if lineStart {
				blank = true
			}
			lineStart = true
			i++
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '#' && lineStart:
			for i < len(text) && text[i] != '\n' {
				i++
			}
		default:
			j := i
			for j < len(text) && !strings.ContainsRune(" \t\r\n", rune(text[j])) {
				j++
			}
			out = append(out, token{s: text[i:j], start: i, afterBlank: blank})
			blank, lineStart = false, false
			i = j
		}
	}
	return out
}

// Set writes an entry for host with login and password into the netrc
// file at path: the entries of host are replaced, every other entry and
// comment kept, the new entry last after a blank line. A file that does
// not parse (a keyword without its value) is an error and is left as it
// is. The file is written atomically (a temporary file renamed
// over it) with mode 0600, and created if missing.
func Set(path, host, login, password string) error {
	if err := checkToken("host", host); err != nil {
		return err
	}
	if err := checkToken("login", login); err != nil {
		return err
	}
	if err := checkToken("password", password); err != nil {
		return err
	}
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("netrc: %w", err)
	}
	text := string(old)
	entries, err := parse(text)
	if err != nil {
		return fmt.Errorf("netrc: %s is malformed (%v); fix or remove it and log in again", path, err)
	}
	var b strings.Builder
	pos := 0
	for _, e := range entries {
		if e.Machine != host {
			continue
		}
		b.WriteString(text[pos:e.start])
		pos = e.end
	}
	b.WriteString(text[pos:])
	out := strings.TrimRight(b.String(), " \t\r\n")
	if out != "" {
		out += "\n\n" // a blank line also ends a macdef body
	}
	out += fmt.Sprintf("machine %s\n  login %s\n  password %s\n", host, login, password)
	return writeAtomic(path, []byte(out))
}

func checkToken(what, s string) error {
	if s == "" || strings.ContainsAny(s, " \t\r\n") || strings.HasPrefix(s, "#") {
		return fmt.Errorf("netrc: %s %q must be one word without blanks", what, s)
	}
	return nil
}

func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("netrc: %w", err)
	}
	f, err := os.CreateTemp(dir, ".netrc-*")
	if err != nil {
		return fmt.Errorf("netrc: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("netrc: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("netrc: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("netrc: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("netrc: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("netrc: %w", err)
	}
	return nil
}

func envMap(env []string) map[string]string {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}
