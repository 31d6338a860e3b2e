package settings

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// section is the only INI section W&B reads.
const section = "default"

// SyntaxError reports a malformed line in a settings file.
type SyntaxError struct {
	Path string // the file, "" when parsing bytes without a name
	Line int    // 1-based line number
	Msg  string // what is wrong
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("settings: %s:%d: %s", e.Path, e.Line, e.Msg)
}

// entry is one "key = value" line of the [default] section.
type entry struct {
	key, value string
	line       int // 1-based
}

// iniDoc is a parsed settings file: its lines and where the [default]
// section's entries are.
type iniDoc struct {
	lines   []string // split at "\n"; a line ending in "\r\n" keeps its "\r"
	crlf    bool     // the first line ended in "\r\n"
	entries []entry  // [default] entries in file order, keys lower-cased
	header  int      // 0-based index of the first [default] header, -1 if none
	last    int      // 0-based index of the last line of the first [default] section's entries, or header
}

// parseINI parses a settings file the way Python's configparser does for
// W&B's files: "[section]" headers, "key = value" or "key: value" entries
// (split at the first = or :, both sides trimmed, keys lower-cased), and
// full-line comments starting with # or ;. Inline comments and continuation
// lines are not supported. Entries before the first header, lines that are
// neither, empty keys and a key repeated in [default] are errors. Only the
// [default] section (any case) is kept; other sections are skipped.
func parseINI(path string, data []byte) (*iniDoc, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	doc := &iniDoc{header: -1, last: -1}
	if len(data) > 0 {
		doc.lines = strings.Split(string(data), "\n")
		if doc.lines[len(doc.lines)-1] == "" {
			doc.lines = doc.lines[:len(doc.lines)-1] // final terminator
		}
		nl := bytes.IndexByte(data, '\n')
		doc.crlf = nl > 0 && data[nl-1] == '\r'
	}
	seen := make(map[string]int)
	var inSection, inDefault, firstDefault bool
	for i, l := range doc.lines {
		line := strings.TrimSpace(strings.TrimSuffix(l, "\r"))
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
			continue
		case len(line) > 2 && line[0] == '[' && line[len(line)-1] == ']':
			name := strings.TrimSpace(line[1 : len(line)-1])
			inSection = true
			inDefault = strings.EqualFold(name, section)
			firstDefault = inDefault && doc.header < 0
			if firstDefault {
				doc.header, doc.last = i, i
			}
			continue
		}
		at := strings.IndexAny(line, "=:")
		if at < 0 {
			return nil, &SyntaxError{path, i + 1, `expected "key = value", "[section]" or a # comment`}
		}
		if !inSection {
			return nil, &SyntaxError{path, i + 1, "entry before the first [section] header"}
		}
		key := strings.ToLower(strings.TrimSpace(line[:at]))
		if key == "" {
			return nil, &SyntaxError{path, i + 1, "empty key"}
		}
		if !inDefault {
			continue
		}
		if prev, dup := seen[key]; dup {
			return nil, &SyntaxError{path, i + 1, fmt.Sprintf("duplicate key %q (first on line %d)", key, prev)}
		}
		seen[key] = i + 1
		doc.entries = append(doc.entries, entry{key: key, value: strings.TrimSpace(line[at+1:]), line: i + 1})
		if firstDefault {
			doc.last = i
		}
	}
	return doc, nil
}

// readINI reads and parses path. A missing file is an empty document and
// found is false.
func readINI(path string) (doc *iniDoc, found bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &iniDoc{header: -1, last: -1}, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("settings: reading settings file: %w", err)
	}
	doc, err = parseINI(path, data)
	return doc, true, err
}

// ReadFile returns the [default] section of the INI settings file at path,
// keys lower-cased, values trimmed. A missing file yields an empty map and no
// error; an unreadable file or a malformed line is an error naming the file
// (and the line: a *[SyntaxError]).
func ReadFile(path string) (map[string]string, error) {
	doc, _, err := readINI(path)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(doc.entries))
	for _, e := range doc.entries {
		m[e.key] = e.value
	}
	return m, nil
}

// WriteFile sets key = value in the [default] section of the INI settings
// file at path, as `wandb offline|online|disabled` do. It replaces the key's
// line if there is one, else adds the line at the end of the first [default]
// section, else appends a [default] section; every other line, comment and
// section is kept. The file and its directory are created as needed (0600
// and 0755) and the file is replaced atomically, keeping its mode.
//
// The key must be a plain INI key and the value a single line; a known
// setting's value must pass its rule (see [Settings.Set]). A malformed
// existing file is an error and is left untouched.
func WriteFile(path, key, value string) error {
	key = strings.ToLower(strings.TrimSpace(key))
	value = strings.TrimSpace(value)
	if err := checkWritable(key, value); err != nil {
		return err
	}
	if path == "" {
		return errors.New("settings: WriteFile: empty path")
	}
	// Write through a symlink rather than replacing it.
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	doc, found, err := readINI(path)
	if err != nil {
		return err
	}
	mode := fs.FileMode(0o600)
	if found {
		if fi, err := os.Stat(path); err == nil {
			mode = fi.Mode().Perm()
		}
	}
	data := doc.set(key, value)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("settings: creating settings directory: %w", err)
	}
	return writeAtomic(path, data, mode)
}

// checkWritable rejects what WriteFile cannot write so that it reads back.
func checkWritable(key, value string) error {
	if key == "" || strings.ContainsAny(key, "=:\r\n") || key[0] == '[' || key[0] == '#' || key[0] == ';' {
		return fmt.Errorf("settings: WriteFile: invalid key %q: must be non-empty, one line, without = or : and not start with [ # ;", key)
	}
	if strings.ContainsAny(value, "\r\n") {
		return fmt.Errorf("settings: WriteFile: invalid value for %s: must be a single line", key)
	}
	if _, known := specs[key]; known {
		if err := Defaults().Set(key, value, ""); err != nil {
			return err
		}
	}
	return nil
}

// set returns the document's bytes with key = value in [default]. Lines it
// does not replace are kept byte for byte; a new line follows the first
// line's terminator ("\n" or "\r\n").
func (d *iniDoc) set(key, value string) []byte {
	line := key + " = " + value
	cr := ""
	if d.crlf {
		cr = "\r"
	}
	lines := append([]string(nil), d.lines...)
	for _, e := range d.entries {
		if e.key == key {
			if strings.HasSuffix(lines[e.line-1], "\r") {
				cr = "\r"
			}
			lines[e.line-1] = line + cr
			return join(lines)
		}
	}
	if d.header >= 0 {
		lines = slices.Insert(lines, d.last+1, line+cr)
		return join(lines)
	}
	return join(append(lines, "["+section+"]"+cr, line+cr))
}

// join ends every line with "\n".
func join(lines []string) []byte {
	n := 0
	for _, l := range lines {
		n += len(l) + 1
	}
	b := make([]byte, 0, n)
	for _, l := range lines {
		b = append(append(b, l...), '\n')
	}
	return b
}

func writeAtomic(path string, data []byte, mode fs.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("settings: writing settings file: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(mode)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("settings: writing settings file %s: %w", path, err)
	}
	return nil
}
