package magic

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/core/sysinfo"
)

// Limits of the code capture.
const (
	maxCodeFiles    = 1000
	maxCodeFileSize = 10 << 20
	maxCodeBytes    = 50 << 20
)

// sources are the files save_code copies: the *.go files of one directory.
type sources struct {
	dir   string // the package's directory
	rel   string // its path under files/code/
	files []string
	main  string // the file code_path names: the caller's
}

var (
	rootPkg  = reflect.TypeFor[wandb.Run]().PkgPath()
	magicPkg = reflect.TypeFor[Config]().PkgPath()
)

// findSources finds the main package's source files from Init's call
// stack: the directory of the frame in package main (the program's main
// package), else of Init's caller (a test, or a library calling Init on
// another goroutine). It must run on Init's goroutine.
func findSources() (*sources, error) {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(2, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	var caller, mainFile string
	for {
		f, more := frames.Next()
		pkg := funcPackage(f.Function)
		if caller == "" && f.File != "" && pkg != rootPkg && pkg != magicPkg &&
			!strings.HasPrefix(pkg, magicPkg+"/") && pkg != "runtime" {
			caller = f.File
		}
		if pkg == "main" && mainFile == "" && !strings.HasSuffix(f.File, "_testmain.go") {
			mainFile = f.File
		}
		if !more {
			break
		}
	}
	file := mainFile
	if file == "" {
		file = caller
	}
	if file == "" {
		return nil, errors.New("the caller of Init is unknown")
	}
	if !filepath.IsAbs(file) {
		return nil, fmt.Errorf("the source path %s is not a file path (built with -trimpath?)", file)
	}
	src := &sources{dir: filepath.Dir(file), main: filepath.Base(file)}
	entries, err := os.ReadDir(src.dir)
	if err != nil {
		return nil, fmt.Errorf("the source directory is not readable: %w", err)
	}
	tests := strings.HasSuffix(file, "_test.go")
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") && !tests {
			continue
		}
		if len(src.files) == maxCodeFiles {
			break
		}
		src.files = append(src.files, name)
	}
	src.rel = codeDir(src.dir, mainFile != "")
	return src, nil
}

// funcPackage is the import path of a function's package, from its name
// as the runtime gives it ("example.com/pkg.(*T).M", "main.main").
func funcPackage(fn string) string {
	slash := strings.LastIndexByte(fn, '/')
	dot := strings.IndexByte(fn[slash+1:], '.')
	if dot < 0 {
		return fn
	}
	return fn[:slash+1+dot]
}

// codeDir is where a source directory goes under files/code/: its path in
// the git repository (W&B's code/<path in the repository>), else for the
// main package its path in the main module (from the build info), else its
// base name.
func codeDir(dir string, isMain bool) string {
	if root, ok := sysinfo.FindGitRoot(dir); ok {
		if rel, err := filepath.Rel(root, dir); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	if bi, ok := debug.ReadBuildInfo(); ok && isMain && bi.Main.Path != "" {
		if rel, ok := strings.CutPrefix(bi.Path, bi.Main.Path); ok {
			if rel = strings.TrimPrefix(rel, "/"); rel == "" {
				rel = "."
			}
			return rel
		}
	}
	return filepath.Base(dir)
}

// save copies the files into filesDir/code/<rel>/ and returns the run-file
// path of the main file ("code/<rel>/<file>").
func (s *sources) save(filesDir string) (string, error) {
	dst := filepath.Join(filesDir, "code", filepath.FromSlash(s.rel))
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return "", fmt.Errorf("magic: %w", err)
	}
	var errs []error
	total := int64(0)
	saved := false
	for _, name := range s.files {
		n, err := copyFile(filepath.Join(s.dir, name), filepath.Join(dst, name), maxCodeBytes-total)
		total += n
		if err != nil {
			errs = append(errs, err)
			continue
		}
		saved = saved || name == s.main
	}
	rel := ""
	if saved {
		rel = path.Join("code", s.rel, s.main)
	}
	return rel, errors.Join(errs...)
}

func copyFile(from, to string, budget int64) (int64, error) {
	in, err := os.Open(from)
	if err != nil {
		return 0, fmt.Errorf("magic: %w", err)
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return 0, fmt.Errorf("magic: %w", err)
	}
	if fi.Size() > maxCodeFileSize || fi.Size() > budget {
		return 0, fmt.Errorf("magic: %s: %d bytes is over the limit of the code capture", from, fi.Size())
	}
	out, err := os.Create(to)
	if err != nil {
		return 0, fmt.Errorf("magic: %w", err)
	}
	n, err := io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, fmt.Errorf("magic: %w", err)
	}
	return n, nil
}
