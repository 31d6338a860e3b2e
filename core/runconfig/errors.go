package runconfig

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ErrInvalidValue is wrapped by every error about a value that cannot be
// stored in a config (see [Normalize]).
var ErrInvalidValue = errors.New("runconfig: invalid config value")

// ErrInvalidKey is wrapped by errors about config keys and paths: an empty
// key, or two keys that are the same after sanitising.
var ErrInvalidKey = errors.New("runconfig: invalid config key")

// ErrInvalidFormat is wrapped by errors about a config file's content
// (config.yaml, config-defaults.yaml, or a user's YAML file).
var ErrInvalidFormat = errors.New("runconfig: invalid config file")

// ValueChangeError is returned when an update would change a value that is
// already set, without allow_val_change (W&B's ConfigError).
//
// Key names the changed value: the top-level key, or for a value inside a
// subtree its path joined with "." (Path holds the unambiguous path). Old and
// New are the normalised values.
type ValueChangeError struct {
	Key      string
	Path     []string
	Old, New any
}

func (e *ValueChangeError) Error() string {
	return fmt.Sprintf("runconfig: attempted to change value of key %q from %s to %s; "+
		"pass allow_val_change (wandb.WithAllowValChange(true) or AllowValChange on the update) to allow it",
		e.Key, displayValue(e.Old), displayValue(e.New))
}

// maxDisplay bounds how much of a value an error message shows.
const maxDisplay = 200

// displayValue renders a normalised value for an error message: JSON where
// possible (strings quoted), NaN/Inf spelled out, long values truncated.
func displayValue(v any) string {
	var s string
	switch x := v.(type) {
	case float64:
		s = formatFloatJSON(x)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			s = fmt.Sprintf("%v", v)
		} else {
			s = string(b)
		}
	}
	if len(s) > maxDisplay {
		cut := maxDisplay
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// formatFloatJSON formats a float like encoding/json, and NaN/±Inf the way
// Python's json.dumps does (NaN, Infinity, -Infinity).
func formatFloatJSON(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	b, _ := json.Marshal(f) // cannot fail for finite floats
	return string(b)
}

// chainError reads as one message and matches every error in errs with
// errors.Is/As; it joins a sentinel and a cause without repeating the
// package prefix.
type chainError struct {
	msg  string
	errs []error
}

func (e *chainError) Error() string   { return e.msg }
func (e *chainError) Unwrap() []error { return e.errs }

const errPrefix = "runconfig: "

// formatError wraps err as an [ErrInvalidFormat] about source (a file name,
// or "" for a reader).
func formatError(source string, err error) error {
	msg := ErrInvalidFormat.Error()
	if source != "" {
		msg += " " + source
	}
	return &chainError{
		msg:  msg + ": " + strings.TrimPrefix(err.Error(), errPrefix),
		errs: []error{ErrInvalidFormat, err},
	}
}

// maxPathElems bounds how much of a path an error message shows.
const maxPathElems = 12

// pathString renders a value path for error messages: keys joined by ".",
// list indexes as "[i]"; very deep paths are elided in the middle.
func pathString(path []string) string {
	if len(path) > maxPathElems {
		head := pathString(path[:maxPathElems/2])
		tail := pathString(path[len(path)-maxPathElems/2:])
		if !strings.HasPrefix(tail, "[") {
			tail = "." + tail
		}
		return head + "…" + tail
	}
	var b strings.Builder
	for i, p := range path {
		if strings.HasPrefix(p, "[") {
			b.WriteString(p)
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

func indexElem(i int) string { return "[" + strconv.Itoa(i) + "]" }
