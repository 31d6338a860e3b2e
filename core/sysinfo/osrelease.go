package sysinfo

import (
	"os"
	"runtime"
	"strconv"
	"strings"
)

// osDescription is "GOOS-GOARCH", followed by the distribution's
// PRETTY_NAME from os-release(5) in parentheses when there is one.
func osDescription() string {
	s := runtime.GOOS + "-" + runtime.GOARCH
	for _, f := range []string{"/etc/os-release", "/usr/lib/os-release"} {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if name := osReleaseValue(string(data), "PRETTY_NAME"); name != "" {
			return s + " (" + name + ")"
		}
		break
	}
	return s
}

// osReleaseValue returns the value of key in an os-release file: shell-like
// KEY=value lines whose value may be quoted.
func osReleaseValue(data, key string) string {
	for line := range strings.Lines(data) {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok || k != key {
			continue
		}
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			if v[0] == '"' {
				if u, err := strconv.Unquote(v); err == nil {
					return u
				}
			}
			return v[1 : len(v)-1]
		}
		return v
	}
	return ""
}
