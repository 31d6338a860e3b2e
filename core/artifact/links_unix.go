//go:build unix

package artifact

import (
	"io/fs"
	"syscall"
)

// pinned reports whether a cache object has another link (a pin).
func pinned(info fs.FileInfo) bool {
	st, ok := info.Sys().(*syscall.Stat_t)
	return ok && st.Nlink > 1
}
