//go:build !unix

package runlog

import "os"

// lockFile is a no-op where flock is not available; liveness is then
// unknown and InUse reports false.
func lockFile(*os.File) error { return nil }

// InUse reports whether a live process holds the run log at path. Without
// flock it cannot tell and reports false.
func InUse(string) (bool, error) { return false, nil }
