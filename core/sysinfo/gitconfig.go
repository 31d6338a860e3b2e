package sysinfo

import (
	"os"
	"path/filepath"
	"strings"
)

// parseGitConfig flattens a git config file into "section.key" and
// "section.subsection.key" entries (section and key lower-cased, the
// subsection kept as written; the deprecated "[section.sub]" form is
// lower-cased whole). The last value wins; a key without "=" is "true".
// Quotes, escapes, comments and line continuations follow git-config(1);
// include directives are not followed. Malformed input never fails: what
// cannot be parsed is skipped.
func parseGitConfig(data []byte) map[string]string {
	p := cfgParser{s: string(data)}
	out := map[string]string{}
	section := ""
	for {
		p.skipSpace(true)
		if p.eof() {
			return out
		}
		switch c := p.s[p.i]; {
		case c == '#' || c == ';':
			p.skipLine()
		case c == '[':
			var ok bool
			if section, ok = p.header(); !ok {
				section = ""
				p.skipLine()
			}
		case isKeyChar(c):
			key := p.key()
			value := p.value()
			if section != "" {
				out[section+"."+strings.ToLower(key)] = value
			}
		default:
			p.skipLine()
		}
	}
}

type cfgParser struct {
	s string
	i int
}

func (p *cfgParser) eof() bool { return p.i >= len(p.s) }

func (p *cfgParser) skipSpace(newlines bool) {
	for !p.eof() {
		switch p.s[p.i] {
		case ' ', '\t', '\r':
		case '\n':
			if !newlines {
				return
			}
		default:
			return
		}
		p.i++
	}
}

func (p *cfgParser) skipLine() {
	if j := strings.IndexByte(p.s[p.i:], '\n'); j >= 0 {
		p.i += j + 1
	} else {
		p.i = len(p.s)
	}
}

// header parses `[name]`, `[name "sub"]` or `[name.sub]`.
func (p *cfgParser) header() (string, bool) {
	p.i++ // '['
	start := p.i
	for !p.eof() && (isKeyChar(p.s[p.i]) || p.s[p.i] == '.') {
		p.i++
	}
	name := strings.ToLower(p.s[start:p.i])
	if name == "" {
		return "", false
	}
	p.skipSpace(false)
	if !p.eof() && p.s[p.i] == '"' {
		p.i++
		var sub strings.Builder
		for {
			if p.eof() || p.s[p.i] == '\n' {
				return "", false
			}
			c := p.s[p.i]
			p.i++
			if c == '"' {
				break
			}
			if c == '\\' && !p.eof() && p.s[p.i] != '\n' {
				c = p.s[p.i]
				p.i++
			}
			sub.WriteByte(c)
		}
		name += "." + sub.String()
	}
	if p.eof() || p.s[p.i] != ']' {
		return "", false
	}
	p.i++
	return name, true
}

func (p *cfgParser) key() string {
	start := p.i
	for !p.eof() && isKeyChar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

// value parses what follows a key: "= value" up to the end of the line,
// or nothing (a boolean true).
func (p *cfgParser) value() string {
	p.skipSpace(false)
	if p.eof() || p.s[p.i] != '=' {
		p.skipLine()
		return "true"
	}
	p.i++
	p.skipSpace(false)
	var b strings.Builder
	keep := 0 // length of b up to its last byte that is not trailing unquoted space
	quoted := false
	for !p.eof() {
		c := p.s[p.i]
		p.i++
		switch {
		case c == '\n' && !quoted:
			return b.String()[:keep]
		case c == '\n': // unterminated quote: end of the value anyway
			return b.String()
		case c == '"':
			quoted = !quoted
			keep = b.Len()
			continue
		case (c == '#' || c == ';') && !quoted:
			p.skipLine()
			return b.String()[:keep]
		case c == '\\':
			if p.eof() {
				return b.String()[:keep]
			}
			e := p.s[p.i]
			p.i++
			switch e {
			case '\n':
				continue // line continuation
			case '\r':
				if !p.eof() && p.s[p.i] == '\n' {
					p.i++
					continue
				}
				c = e
			case 'n':
				c = '\n'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			default:
				c = e
			}
			b.WriteByte(c)
			keep = b.Len()
			continue
		}
		b.WriteByte(c)
		if quoted || (c != ' ' && c != '\t' && c != '\r') {
			keep = b.Len()
		}
	}
	return b.String()[:keep]
}

func isKeyChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-'
}

// globalGitConfig merges the system and global git config files in git's
// order of precedence (system, then $XDG_CONFIG_HOME/git/config, then
// ~/.gitconfig; GIT_CONFIG_GLOBAL and GIT_CONFIG_SYSTEM replace their
// files, GIT_CONFIG_NOSYSTEM drops the system one).
func globalGitConfig() map[string]string {
	var files []string
	if os.Getenv("GIT_CONFIG_NOSYSTEM") == "" {
		if f := os.Getenv("GIT_CONFIG_SYSTEM"); f != "" {
			files = append(files, f)
		} else {
			files = append(files, "/etc/gitconfig")
		}
	}
	if f := os.Getenv("GIT_CONFIG_GLOBAL"); f != "" {
		files = append(files, f)
	} else {
		home, _ := os.UserHomeDir()
		xdg := os.Getenv("XDG_CONFIG_HOME")
		if xdg == "" && home != "" {
			xdg = filepath.Join(home, ".config")
		}
		if xdg != "" {
			files = append(files, filepath.Join(xdg, "git", "config"))
		}
		if home != "" {
			files = append(files, filepath.Join(home, ".gitconfig"))
		}
	}
	out := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for k, v := range parseGitConfig(data) {
			out[k] = v
		}
	}
	return out
}
