package wandb

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/gowandb/wandb/core/runconfig"
	"github.com/gowandb/wandb/core/runstate"
)

var (
	// ErrNotInitialized is returned by package-level calls made before Init
	// (and by calls on a nil *Run).
	ErrNotInitialized = errors.New("wandb: you must call wandb.Init() before this call")
	// ErrRunFinished is returned by calls on a run after Finish.
	ErrRunFinished = errors.New("wandb: the run is finished")
	// ErrStepNotMonotonic is returned by Log, when the run was started with
	// WithStrictSteps(true), for a step lower than the current one. The data
	// of that call is dropped either way (W&B's rule).
	ErrStepNotMonotonic = runstate.ErrStepNotMonotonic
	// ErrUnsupportedType is wrapped by Log errors for values of a type that
	// cannot be logged; the other keys of the call still land.
	ErrUnsupportedType = runstate.ErrUnsupportedType
	// ErrInvalidValue is wrapped by Log errors for values that cannot be
	// logged as they are (not UTF-8, too large); the other keys still land.
	ErrInvalidValue = runstate.ErrInvalidValue
	// ErrInvalidMetric is wrapped by DefineMetric errors.
	ErrInvalidMetric = runstate.ErrInvalidMetric
	// ErrOnlineUnavailable is returned by Init in online mode with force set
	// when there is no API key or the server does not answer.
	ErrOnlineUnavailable = errors.New("wandb: online mode is not available (no API key, or the server did not answer); use offline mode or drop force")
	// ErrRunExists is returned by Init with resume "never" when a run with
	// the id exists.
	ErrRunExists = errors.New("wandb: a run with this id already exists")
	// ErrRunNotFound is returned by Init with resume "must" when no run with
	// the id exists.
	ErrRunNotFound = errors.New("wandb: no run with this id exists")
	// ErrInvalidSetting is wrapped by Init errors for a bad option or setting.
	ErrInvalidSetting = errors.New("wandb: invalid setting")
)

// ConfigValueChangeError is returned when a config key is set again to a
// different value without allow_val_change.
type ConfigValueChangeError = runconfig.ValueChangeError

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("wandb: %s: %w", op, err)
}

var (
	// ErrRunPathRequired is returned by Restore before Init without RunPath.
	ErrRunPathRequired = errors.New("wandb: run_path required when calling wandb.restore before wandb.init")
	// ErrPathEscape is wrapped by Save and Restore errors for a path that
	// would land outside the run's files directory.
	ErrPathEscape = errors.New("wandb: path escapes the run's files directory")
)

// FileNotFoundError is returned by Restore when the run has no such file.
type FileNotFoundError struct {
	Name string // the file asked for
	Run  string // the run path searched
}

func (e *FileNotFoundError) Error() string {
	return fmt.Sprintf("wandb: File %s not found in %s", e.Name, e.Run)
}

// Unwrap makes errors.Is(err, fs.ErrNotExist) hold.
func (e *FileNotFoundError) Unwrap() error { return fs.ErrNotExist }

// RunNotFoundError is returned by Restore when no run with the path is
// found.
type RunNotFoundError struct {
	Path string // the run path asked for
}

func (e *RunNotFoundError) Error() string { return fmt.Sprintf("wandb: run %s not found", e.Path) }

// Unwrap makes errors.Is(err, ErrRunNotFound) hold.
func (e *RunNotFoundError) Unwrap() error { return ErrRunNotFound }
