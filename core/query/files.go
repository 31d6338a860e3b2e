package query

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// ErrFileExists is returned by Download when the destination exists and
// replace is false. It wraps fs.ErrExist.
var ErrFileExists = fmt.Errorf("query: file exists (download with replace to overwrite): %w", fs.ErrExist)

const filesField = `files(names: $names, first: $first, after: $after) {
      edges { node { name sizeBytes md5 url updatedAt } }
      pageInfo { endCursor hasNextPage }
    }`

// Files returns the run's files by name; with names, only those (a name
// the run lacks is left out).
func (r *Run) Files(ctx context.Context, names ...string) ([]*File, error) {
	var all []*File
	var after any
	for {
		vars := r.runVars()
		vars["first"], vars["after"] = 1000, after
		if len(names) > 0 {
			vars["names"] = names
		}
		var out struct {
			Files *struct {
				Edges []struct {
					Node struct {
						Name      string     `json:"name"`
						SizeBytes int64      `json:"sizeBytes"`
						MD5       *string    `json:"md5"`
						URL       string     `json:"url"`
						UpdatedAt *time.Time `json:"updatedAt"`
					} `json:"node"`
				} `json:"edges"`
				PageInfo pageInfo `json:"pageInfo"`
			} `json:"files"`
		}
		err := r.runField(ctx, "RunFiles", ", $names: [String], $first: Int, $after: String", filesField, vars, &out)
		if err != nil {
			return nil, err
		}
		if out.Files == nil {
			return all, nil
		}
		for _, e := range out.Files.Edges {
			n := e.Node
			if n.UpdatedAt == nil {
				continue // a name asked for that nothing is stored under (W&B answers those too)
			}
			all = append(all, &File{Run: r.Path(), Name: n.Name, Size: n.SizeBytes, MD5: deref(n.MD5), URL: n.URL,
				UpdatedAt: *n.UpdatedAt, c: r.c})
		}
		if !out.Files.PageInfo.HasNextPage || out.Files.PageInfo.EndCursor == nil {
			return all, nil
		}
		after = *out.Files.PageInfo.EndCursor
	}
}

// File returns one file of the run; ErrNotFound if the run has none of
// that name.
func (r *Run) File(ctx context.Context, name string) (*File, error) {
	fs, err := r.Files(ctx, name)
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		if f.Name == name {
			return f, nil
		}
	}
	return nil, fmt.Errorf("query: file %s of run %s: %w", name, r.Path(), ErrNotFound)
}

// Download writes the file to root/<name> (directories created) and
// returns that path. An existing file is ErrFileExists unless replace.
// The content is written to a temporary file and renamed into place, so a
// failed download leaves no partial file; when the server gave an MD5 it is
// checked.
func (f *File) Download(ctx context.Context, root string, replace bool) (string, error) {
	if !filepath.IsLocal(filepath.FromSlash(f.Name)) {
		return "", fmt.Errorf("query: file name %q escapes the download root: %w", f.Name, ErrInvalid)
	}
	dest := filepath.Join(root, filepath.FromSlash(f.Name))
	if !replace {
		if _, err := os.Lstat(dest); err == nil {
			return dest, fmt.Errorf("query: %s: %w", dest, ErrFileExists)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.URL, nil)
	if err != nil {
		return "", fmt.Errorf("query: download %s: %w", f.Name, err)
	}
	resp, err := f.c.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("query: download %s: %w", f.Name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		err := fmt.Errorf("query: download %s: HTTP %d: %s", f.Name, resp.StatusCode, b)
		switch resp.StatusCode {
		case http.StatusNotFound:
			err = fmt.Errorf("%w: %w", ErrNotFound, err)
		case http.StatusForbidden:
			err = fmt.Errorf("%w: %w", ErrForbidden, err)
		}
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return "", fmt.Errorf("query: download %s: %w", f.Name, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".part-*")
	if err != nil {
		return "", fmt.Errorf("query: download %s: %w", f.Name, err)
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	h := md5.New()
	_, err = io.Copy(io.MultiWriter(tmp, h), resp.Body)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("query: download %s: %w", f.Name, err)
	}
	if got := base64.StdEncoding.EncodeToString(h.Sum(nil)); f.MD5 != "" && got != f.MD5 {
		return "", fmt.Errorf("query: download %s: MD5 %s, the server said %s", f.Name, got, f.MD5)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return "", fmt.Errorf("query: download %s: %w", f.Name, err)
	}
	if err := os.Rename(tmp.Name(), dest); err != nil {
		return "", fmt.Errorf("query: download %s: %w", f.Name, err)
	}
	return dest, nil
}

// IsNotFound reports whether err says the thing asked for does not exist.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
