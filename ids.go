package wandb

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/gowandb/wandb/core/sysinfo"
)

// newRunID returns 8 characters from [a-z0-9] (W&B's run id form).
func newRunID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// defaultProject is the git repository's name, else "uncategorized".
func defaultProject() string {
	cwd, err := os.Getwd()
	if err != nil {
		return "uncategorized"
	}
	if root, ok := sysinfo.FindGitRoot(cwd); ok {
		name := filepath.Base(root)
		if rel, err := filepath.Rel(root, cwd); err == nil && rel != "." {
			name += "-" + strings.ReplaceAll(filepath.ToSlash(rel), "/", "_")
		}
		if settingsValidProject(name) {
			return name
		}
	}
	return "uncategorized"
}

func settingsValidProject(p string) bool {
	return len(p) <= 128 && !strings.ContainsAny(p, `/\#?%:`)
}

// saveCode copies the source file that called Init into files/code/.
func saveCode(filesDir string, o *initOptions) (string, error) {
	// The caller is the first frame outside this package's own source
	// files (saveCode, start and Init), whatever path the module was built
	// from; a test file of this package counts as a caller.
	_, self, _, _ := runtime.Caller(0)
	pkgDir := filepath.Dir(self)
	file := ""
	for skip := 1; skip < 16; skip++ {
		_, f, _, ok := runtime.Caller(skip)
		if !ok {
			break
		}
		if filepath.Dir(f) != pkgDir || strings.HasSuffix(f, "_test.go") {
			file = f
			break
		}
	}
	if file == "" {
		return "", errors.New("the calling source file is unknown")
	}
	src, err := os.Open(file)
	if err != nil {
		return "", fmt.Errorf("the source file %s is not readable (built with -trimpath?): %w", file, err)
	}
	defer src.Close()
	rel := filepath.Base(file)
	if cwd, err := os.Getwd(); err == nil {
		if r, err := filepath.Rel(cwd, file); err == nil && !strings.HasPrefix(r, "..") {
			rel = r
		}
	}
	target := filepath.Join(filesDir, "code", rel)
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return "", err
	}
	dst, err := os.Create(target)
	if err != nil {
		return "", err
	}
	defer dst.Close()
	if _, err := io.Copy(dst, src); err != nil {
		return "", err
	}
	return filepath.ToSlash(filepath.Join("code", rel)), nil
}
