package plugins

import (
	"encoding/json"
	"fmt"
	"path"
	"path/filepath"
	"unicode/utf8"
)

// Emission is what a plugin sends back to the run. Any of its parts may be
// set; the host applies them in this order: config, history, summary,
// files, log line. Values are JSON (W&B's NaN, Infinity and -Infinity
// tokens allowed); Values builds them from Go values.
type Emission struct {
	// History is a row for the run's history.
	History *HistoryRow
	// Summary sets summary keys explicitly: later logged values of those
	// keys no longer change them (W&B's rule).
	Summary map[string]json.RawMessage
	// Config adds config keys. A key the run already has with another
	// value is refused (allow_val_change is the user's call, not a
	// plugin's) and the refusal reported in the run's log.
	Config map[string]json.RawMessage
	// Files are files of the run.
	Files []File
	// Log is a line for the run's log.
	Log *LogLine
}

// NextStep as HistoryRow.Step adds the row at the run's current step and
// commits it, the way W&B's TensorBoard sync adds its rows.
const NextStep int64 = -1

// HistoryRow is a row of the run's history. With Step >= 0 the row goes to
// that step by W&B's step rule: merged with whatever else is logged at that
// step and committed when the run moves past it; a step the run has
// already passed is dropped, with a warning in the run's log. With
// NextStep it is added to the current step and committed at once.
type HistoryRow struct {
	Step int64
	Row  map[string]json.RawMessage
}

// File is a file of the run. Path is relative to the run's files directory
// (RunInfo.Dir), with '/' separators. With Data (even empty) the host
// writes the file there; with nil Data the plugin has already put it there
// itself, the way to hand over files too large for one message.
type File struct {
	Path string
	Data []byte
}

// Level is the severity of a log line.
type Level string

// Levels. Lines at LevelWarn and LevelError are also shown to the user as
// warnings.
const (
	LevelDebug Level = "debug"
	LevelInfo  Level = "info"
	LevelWarn  Level = "warn"
	LevelError Level = "error"
)

func (l Level) valid() bool {
	switch l {
	case LevelDebug, LevelInfo, LevelWarn, LevelError:
		return true
	}
	return false
}

// LogLine is a line for the run's log.
type LogLine struct {
	Level Level
	Text  string
}

// Limits checked by Validate. Larger files go through the run directory
// (File with nil Data).
const (
	// MaxMessageSize bounds one gRPC message between host and plugin.
	MaxMessageSize = 128 << 20
	// MaxDataSize bounds the data of one observation or one emitted file.
	MaxDataSize = 64 << 20
	// MaxLogLine bounds the text of a log line.
	MaxLogLine = 64 << 10
)

// reserved history keys: the run sets them.
var reservedKeys = map[string]bool{"_step": true, "_runtime": true}

// Validate checks an emission the way the host does before it applies any
// of it: at least one part; keys non-empty UTF-8; every value valid JSON;
// history rows not empty and not setting _step or _runtime, at a step >=
// NextStep; file paths local to the files directory; a known log level.
// Errors wrap ErrInvalidEmission.
func (e *Emission) Validate() error {
	if e.History == nil && len(e.Summary) == 0 && len(e.Config) == 0 && len(e.Files) == 0 && e.Log == nil {
		return fmt.Errorf("%w: empty", ErrInvalidEmission)
	}
	if h := e.History; h != nil {
		if h.Step < NextStep {
			return fmt.Errorf("%w: history step %d", ErrInvalidEmission, h.Step)
		}
		if len(h.Row) == 0 {
			return fmt.Errorf("%w: empty history row", ErrInvalidEmission)
		}
		if err := validValues("history", h.Row); err != nil {
			return err
		}
		for k := range h.Row {
			if reservedKeys[k] {
				return fmt.Errorf("%w: history key %q is set by the run", ErrInvalidEmission, k)
			}
		}
	}
	if err := validValues("summary", e.Summary); err != nil {
		return err
	}
	if err := validValues("config", e.Config); err != nil {
		return err
	}
	for _, f := range e.Files {
		if !validPath(f.Path) {
			return fmt.Errorf("%w: file path %q: must be a clean relative path inside the files directory", ErrInvalidEmission, f.Path)
		}
		if len(f.Data) > MaxDataSize {
			return fmt.Errorf("%w: file %q: %d bytes, more than %d (write it into the run directory instead)", ErrInvalidEmission, f.Path, len(f.Data), MaxDataSize)
		}
	}
	if l := e.Log; l != nil {
		if !l.Level.valid() {
			return fmt.Errorf("%w: log level %q", ErrInvalidEmission, l.Level)
		}
		if !utf8.ValidString(l.Text) || len(l.Text) > MaxLogLine {
			return fmt.Errorf("%w: log text must be UTF-8 of at most %d bytes", ErrInvalidEmission, MaxLogLine)
		}
	}
	return nil
}

func validValues(part string, m map[string]json.RawMessage) error {
	for k, v := range m {
		if k == "" || !utf8.ValidString(k) {
			return fmt.Errorf("%w: %s key %q must be non-empty UTF-8", ErrInvalidEmission, part, k)
		}
		if _, err := DecodeValue(v); err != nil {
			return fmt.Errorf("%w: %s key %q: value is not JSON: %w", ErrInvalidEmission, part, k, err)
		}
	}
	return nil
}

func validPath(p string) bool {
	return p != "" && utf8.ValidString(p) && path.Clean(p) == p && filepath.IsLocal(filepath.FromSlash(p))
}

// Values turns Go values into an emission's JSON values: anything
// encoding/json accepts, with NaN and ±Inf floats (also inside maps and
// slices of any) written as W&B's tokens.
func Values(m map[string]any) (map[string]json.RawMessage, error) {
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		b, err := appendJSON(nil, v)
		if err != nil {
			return nil, fmt.Errorf("plugins: value of %q: %w", k, err)
		}
		out[k] = b
	}
	return out, nil
}

// Value is Values for one value.
func Value(v any) (json.RawMessage, error) {
	b, err := appendJSON(nil, v)
	if err != nil {
		return nil, fmt.Errorf("plugins: %w", err)
	}
	return b, nil
}
