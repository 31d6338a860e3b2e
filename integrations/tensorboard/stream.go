package tensorboard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/gowandb/wandb/integrations/tensorboard/tfevents"
)

// Stats counts what Sync or a Watcher has read.
type Stats struct {
	// Files is the number of event files read (wholly or, for a Watcher,
	// so far).
	Files int
	// Events and Rows count the events read and the rows written.
	Events, Rows int64
	// Damage lists the unreadable stretches of the event files.
	Damage []FileDamage
}

// FileDamage is damage found in one event file.
type FileDamage struct {
	Path string
	tfevents.Damage
}

func (d FileDamage) String() string { return d.Path + ": " + d.Damage.String() }

// stream reads one log directory's event files in order, the way
// TensorBoard does: a file is read to its end, then the next one by name.
// Both Sync (batch) and Watcher (tail) use it.
type stream struct {
	dir      string // the log directory
	conv     *Converter
	sink     Sink
	cfg      *config
	stats    *Stats
	seen     []string // files opened, in order (for saving)
	cur      string   // the file being read ("" before the first)
	f        *os.File
	rd       *tfevents.Reader
	ndamage  int            // how many of rd's damage entries were reported
	ev       tfevents.Event // reused by each read (the Converter copies what it keeps)
	lastRead time.Time      // when a Watcher last read events here
}

func newStream(dir, namespace string, sink Sink, cfg *config, stats *Stats) *stream {
	return &stream{dir: dir, conv: NewConverter(namespace, cfg.warn), sink: sink, cfg: cfg, stats: stats}
}

// read reads what is there from the current file and the files after it
// (names, sorted, from a listing of the directory). In tail mode the last
// file is left open at its end; otherwise every file is read to its end
// and closed. It returns the number of events read and the errors of
// writing rows.
func (s *stream) read(ctx context.Context, names []string, tail bool) (int, error) {
	var errs []error
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return n, errors.Join(append(errs, err)...)
		}
		if s.rd == nil {
			next := nextName(names, s.cur)
			if next == "" {
				return n, errors.Join(errs...)
			}
			if err := s.open(next, tail); err != nil {
				errs = append(errs, err)
				s.cur = next // skip a file that cannot be opened
				continue
			}
		}
		more := nextName(names, s.cur) != ""
		// A newer file means this one is finished: read it to its end.
		s.rd.SetTail(tail && !more)
		k, err := s.drain(ctx)
		n += k
		if err != nil {
			errs = append(errs, err)
		}
		if tail && !more {
			return n, errors.Join(errs...)
		}
		s.closeFile()
	}
}

// nextName is the first name after cur.
func nextName(names []string, cur string) string {
	for _, n := range names {
		if n > cur {
			return n
		}
	}
	return ""
}

func (s *stream) open(name string, tail bool) error {
	path := filepath.Join(s.dir, name)
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("tensorboard: %w", err)
	}
	s.f, s.cur, s.ndamage = f, name, 0
	s.rd = tfevents.NewReader(f, tfevents.Tail(tail))
	s.seen = append(s.seen, name)
	s.stats.Files++
	return nil
}

func (s *stream) closeFile() {
	if s.f != nil {
		s.f.Close()
	}
	s.f, s.rd = nil, nil
}

// drain reads the current file up to its end, writing finished rows.
func (s *stream) drain(ctx context.Context) (int, error) {
	var errs []error
	n := 0
	for {
		err := s.rd.NextInto(&s.ev)
		if err != nil {
			s.reportDamage()
			if errors.Is(err, io.EOF) {
				return n, errors.Join(errs...)
			}
			return n, errors.Join(append(errs, fmt.Errorf("tensorboard: %w", err))...)
		}
		n++
		s.stats.Events++
		if row, ok := s.conv.Add(s.ev); ok {
			if err := s.write(ctx, row); err != nil {
				errs = append(errs, err)
			}
		}
	}
}

func (s *stream) reportDamage() {
	d := s.rd.Damage()
	for _, x := range d[s.ndamage:] {
		fd := FileDamage{Path: filepath.Join(s.dir, s.cur), Damage: x}
		s.stats.Damage = append(s.stats.Damage, fd)
		if s.cfg.warn != nil {
			s.cfg.warn("tensorboard: damaged event file " + fd.String())
		}
	}
	s.ndamage = len(d)
}

func (s *stream) write(ctx context.Context, row Row) error {
	s.stats.Rows++
	return s.sink.WriteRow(ctx, row)
}

// flush writes the pending row.
func (s *stream) flush(ctx context.Context) error {
	if row, ok := s.conv.Flush(); ok {
		return s.write(ctx, row)
	}
	return nil
}

// save saves every file the stream has opened.
func (s *stream) save(ctx context.Context, root string) error {
	if !s.cfg.save {
		return nil
	}
	var errs []error
	for _, name := range s.seen {
		path := filepath.Join(s.dir, name)
		errs = append(errs, s.sink.SaveFile(ctx, path, saveName(root, path)))
	}
	return errors.Join(errs...)
}
