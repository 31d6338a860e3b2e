package store

import (
	"errors"
	"fmt"
)

// Sentinel errors. Implementations wrap them (errors.Is works) and prefix
// messages with "store: ".
var (
	// ErrNotFound: the user, key, entity, project, run or file does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: the write contradicts what is stored (a name taken, an
	// offset that leaves a gap).
	ErrConflict = errors.New("store: conflict")
	// ErrInvalid: the input is malformed (a history line that is not a JSON
	// object, an empty name, an unknown run state).
	ErrInvalid = errors.New("store: invalid input")
)

// OffsetError is returned by AppendHistory when the first new line does not
// follow the lines already stored. Expected is the number of lines stored
// (the next offset the store accepts); Got is the offset the caller sent.
// It wraps ErrConflict.
type OffsetError struct {
	Stream   string
	Expected int
	Got      int
}

func (e *OffsetError) Error() string {
	return fmt.Sprintf("store: %s offset gap: expected offset %d, got %d", e.Stream, e.Expected, e.Got)
}

// Unwrap makes errors.Is(err, ErrConflict) true.
func (e *OffsetError) Unwrap() error { return ErrConflict }
