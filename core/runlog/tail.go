package runlog

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/gowandb/wandb/core/record"
	"github.com/gowandb/wandb/core/record/recordpb"
	"github.com/gowandb/wandb/core/runstate"
	"github.com/gowandb/wandb/core/wal"
)

// Status is what the end of a run log says, read without replaying it.
type Status struct {
	Exited   bool
	ExitCode int32
	InUse    bool
	// LastStep is the step of the last history row in the tail, -1 when
	// the tail holds none (an empty run, or a tail of other records).
	LastStep int64
	// LastTimestamp is that row's _timestamp (Unix seconds), 0 when unknown.
	LastTimestamp float64
}

// State is the run state the status implies (see Info.State).
func (s Status) State() string {
	i := Info{Exited: s.Exited, ExitCode: s.ExitCode, InUse: s.InUse}
	return i.State()
}

// ReadStatus tells whether a run is running, finished, failed or crashed by
// reading only the last two blocks of its log, so it costs the same for a
// run of ten rows and of ten million.
func ReadStatus(path string) (Status, error) {
	st := Status{LastStep: -1}
	inUse, err := InUse(path)
	if err != nil {
		return st, err
	}
	st.InUse = inUse
	f, err := os.Open(path)
	if err != nil {
		return st, fmt.Errorf("runlog: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return st, fmt.Errorf("runlog: %w", err)
	}
	start := max(0, wal.BlockStart(fi.Size())-wal.BlockSize)
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		return st, fmt.Errorf("runlog: %w", err)
	}
	rd, err := wal.NewReaderAt(f, start)
	if err != nil {
		return st, fmt.Errorf("runlog: %s: %w", path, err)
	}
	for {
		b, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return st, nil
		}
		if err != nil {
			return st, fmt.Errorf("runlog: %s: %w", path, err)
		}
		rec, err := record.Unmarshal(b)
		if err != nil {
			continue
		}
		switch r := rec.RecordType.(type) {
		case *recordpb.Record_Exit:
			st.Exited, st.ExitCode = true, r.Exit.ExitCode
		case *recordpb.Record_History:
			row := historyRow(r.History)
			st.LastStep = row.Step
			for _, it := range row.Items {
				if len(it.Path) == 1 && it.Path[0] == "_timestamp" {
					if v, err := runstate.DecodeJSON([]byte(it.ValueJSON)); err == nil {
						st.LastTimestamp, _ = toFloat(v)
					}
				}
			}
		}
	}
}
