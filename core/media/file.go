// Package media stores the files of W&B's media types in a run and builds
// the JSON that stands for them in history and summary
// (wandb-behaviour.md §4): file naming media/<kind>/<key>_<step>_<hash>.<ext>,
// sha256 and size, safe paths.
package media

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gowandb/wandb/core/runstate"
)

// ErrUnsafePath is returned for a key that cannot be made into a path inside
// the run's files directory.
var ErrUnsafePath = errors.New("media: key cannot be used as a file path")

// File is a stored media file.
type File struct {
	// Path is relative to the run's files directory, with "/".
	Path   string
	SHA256 string
	Size   int64
}

// SafeKey turns a history key into a relative path: "/" separates
// directories, leading slashes and "." and ".." segments are dropped (W&B's
// make_file_path_upload_safe), and characters that are not safe in file
// names are replaced with "_".
func SafeKey(key string) (string, error) {
	var parts []string
	for _, p := range strings.Split(key, "/") {
		switch p {
		case "", ".", "..":
			continue
		}
		p = strings.Map(func(r rune) rune {
			switch {
			case r < 0x20, r == 0x7f, r == '\\', r == ':', r == '*', r == '?', r == '"', r == '<', r == '>', r == '|':
				return '_'
			}
			return r
		}, p)
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return "", fmt.Errorf("%w: %q", ErrUnsafePath, key)
	}
	return path.Join(parts...), nil
}

// StepName is the step part of a media file name: the step, or "summary"
// for a summary value (Binding.Step < 0).
func StepName(step int64) string {
	if step < 0 {
		return "summary"
	}
	return strconv.FormatInt(step, 10)
}

// Store writes data as files/media/<kind>/<key>_<step>_<hash>.<ext>, where
// hash is the first 20 hex digits of its sha256, and returns the file.
// Writing is atomic (temp file + rename); an identical existing file is kept.
func Store(b runstate.Binding, kind, ext string, data []byte) (File, error) {
	return StoreNamed(b, kind, "", ext, data)
}

// StoreNamed is Store with a suffix added to the key part of the name (for
// several files of one value, such as the items of a list).
func StoreNamed(b runstate.Binding, kind, suffix, ext string, data []byte) (File, error) {
	key, err := SafeKey(b.Key)
	if err != nil {
		return File{}, err
	}
	sum := sha256.Sum256(data)
	hexsum := hex.EncodeToString(sum[:])
	name := fmt.Sprintf("%s%s_%s_%s.%s", key, suffix, StepName(b.Step), hexsum[:20], strings.TrimPrefix(ext, "."))
	rel := path.Join("media", kind, name)
	if err := writeFile(b.FilesDir, rel, data); err != nil {
		return File{}, err
	}
	return File{Path: rel, SHA256: hexsum, Size: int64(len(data))}, nil
}

func writeFile(filesDir, rel string, data []byte) error {
	if filesDir == "" {
		return fmt.Errorf("media: the run has no files directory")
	}
	p := filepath.Join(filesDir, filepath.FromSlash(rel))
	// The path stays inside the files directory whatever the key was.
	if r, err := filepath.Rel(filesDir, p); err != nil || strings.HasPrefix(r, "..") {
		return fmt.Errorf("%w: %q", ErrUnsafePath, rel)
	}
	if st, err := os.Stat(p); err == nil && st.Size() == int64(len(data)) {
		return nil // same name means same sha256 prefix: same content
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("media: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".media-*")
	if err != nil {
		return fmt.Errorf("media: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("media: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("media: %w", err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("media: %w", err)
	}
	return nil
}
