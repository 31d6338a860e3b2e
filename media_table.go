package wandb

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gowandb/wandb/core/media"
	"github.com/gowandb/wandb/core/runstate"
)

// MaxTableRows is the most rows a logged Table file holds (W&B's
// Table.MAX_ROWS). A table may hold more: by default the file then holds
// its first MaxTableRows rows; with StrictRowLimit, adding more is an error.
const MaxTableRows = 10_000

// ErrTableRowLimit is returned, with StrictRowLimit, for a row past
// MaxTableRows.
var ErrTableRowLimit = errors.New("wandb: table: more than 10000 rows")

// TableLogMode says what logging a Table again does (W&B's log_mode).
type TableLogMode string

// Table log modes.
const (
	// TableImmutable (the default) logs the table's contents once: logging
	// it again, even after changes, refers to the first file.
	TableImmutable TableLogMode = "IMMUTABLE"
	// TableMutable logs the whole table, as it is then, every time.
	TableMutable TableLogMode = "MUTABLE"
	// TableIncremental logs the rows added since the table was last logged,
	// as W&B's incremental-table-file; AddColumn is not allowed.
	TableIncremental TableLogMode = "INCREMENTAL"
)

// TableOption configures a Table.
type TableOption func(*Table)

// LogMode sets the table's log mode (default TableImmutable).
func LogMode(mode TableLogMode) TableOption { return func(t *Table) { t.mode = mode } }

// StrictRowLimit makes adding a row past MaxTableRows an error
// (ErrTableRowLimit) instead of leaving the rows past it out of the logged
// file (W&B's table_raise_on_max_row_limit_exceeded setting).
func StrictRowLimit(strict bool) TableOption { return func(t *Table) { t.strict = strict } }

// Table is tabular data logged to W&B (wandb.Table). Logged, it is written
// as media/table/<key>_<step>_<hash>.table.json holding
// {"columns":[…],"data":[[…],…]}, and history holds
//
//	{"_type":"table-file","path":…,"sha256":…,"size":…,"ncols":…,"nrows":…,"log_mode":"IMMUTABLE"}
//
// (INCREMENTAL tables: "_type":"incremental-table-file", with
// "increment_num" and "previous_increments_paths", the run file paths of
// the earlier increments). nrows counts the rows in the file.
//
// Cells hold nil, bools, numbers (NaN and ±Inf as W&B's tokens), strings,
// time.Time (milliseconds since the epoch, as W&B stores datetimes),
// slices and maps of those, histograms, and media (Image, Audio, Video,
// HTML, Object3D): a media cell is written as its own file under
// media/<kind>/ when the table is logged, named like a media value logged
// under the table's key and step, and the cell holds that value's JSON. A
// value is checked when it is added.
//
// Unlike other media, a Table may be changed after it is logged (W&B's
// log-modes workflow: add rows, log, add rows, log): it is safe for
// concurrent use. Logging takes its contents when the run log's writer
// goroutine writes the row, which is usually at once but may include rows
// added just after the Log call; Run.Flush after Log waits for it. Rows are
// never changed in place, so taking the contents costs no copy.
//
// W&B also logs every table as a run_table artifact (run-<id>-<key>, entry
// <key>.table.json); artifacts are a later part of gowandb, so a table is
// logged as the run file above only.
type Table struct {
	mu      sync.Mutex
	columns []string
	rows    [][]any // each row is never modified once added
	mode    TableLogMode
	strict  bool

	// Logging state.
	first     *boundTable // IMMUTABLE: the first logging, reused after
	firstDir  string
	logged    int      // INCREMENTAL: rows already logged
	increment int      // INCREMENTAL: the next increment number
	prevPaths []string // INCREMENTAL: earlier increments
}

type boundTable struct {
	json []byte
}

// NewTable makes a table with the given columns and rows (each row as many
// values as columns). Options: LogMode, StrictRowLimit.
func NewTable(columns []string, rows [][]any, opts ...TableOption) (*Table, error) {
	t := &Table{mode: TableImmutable}
	for _, o := range opts {
		if o != nil {
			o(t)
		}
	}
	switch t.mode {
	case TableImmutable, TableMutable, TableIncremental:
	default:
		return nil, fmt.Errorf("wandb: table: log mode %q: want IMMUTABLE, MUTABLE or INCREMENTAL: %w", t.mode, ErrInvalidValue)
	}
	seen := map[string]bool{}
	for _, c := range columns {
		if err := checkColumn(c, seen); err != nil {
			return nil, err
		}
		seen[c] = true
	}
	t.columns = slices.Clone(columns)
	for i, r := range rows {
		if err := t.AddRow(r...); err != nil {
			return nil, fmt.Errorf("%w (row %d)", err, i)
		}
	}
	return t, nil
}

func checkColumn(name string, seen map[string]bool) error {
	if !utf8.ValidString(name) {
		return fmt.Errorf("wandb: table: column name %q is not valid UTF-8: %w", name, ErrInvalidValue)
	}
	if seen[name] {
		return fmt.Errorf("wandb: table: column %q appears twice: %w", name, ErrInvalidValue)
	}
	return nil
}

// AddRow appends a row (W&B's add_data): one value per column, checked
// now.
func (t *Table) AddRow(values ...any) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(values) != len(t.columns) {
		return fmt.Errorf("wandb: table: a row of %d values for %d columns %q: %w", len(values), len(t.columns), t.columns, ErrInvalidValue)
	}
	if t.strict && len(t.rows) >= MaxTableRows {
		return fmt.Errorf("%w (StrictRowLimit)", ErrTableRowLimit)
	}
	for i, v := range values {
		if err := checkCell(t.columns[i], v); err != nil {
			return err
		}
	}
	t.rows = append(t.rows, slices.Clone(values))
	return nil
}

// AddColumn appends a column (W&B's add_column): one value per row, or for
// a table without columns, any number of values, which make its rows. Not
// allowed for an INCREMENTAL table.
func (t *Table) AddColumn(name string, values []any) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.mode == TableIncremental {
		return fmt.Errorf("wandb: table: AddColumn is not supported for tables with log mode INCREMENTAL; use MUTABLE or IMMUTABLE: %w", ErrInvalidValue)
	}
	seen := map[string]bool{}
	for _, c := range t.columns {
		seen[c] = true
	}
	if err := checkColumn(name, seen); err != nil {
		return err
	}
	first := len(t.columns) == 0
	if !first && len(values) != len(t.rows) {
		return fmt.Errorf("wandb: table: column %q has %d values for %d rows: %w", name, len(values), len(t.rows), ErrInvalidValue)
	}
	if t.strict && len(values) > MaxTableRows {
		return fmt.Errorf("%w (StrictRowLimit)", ErrTableRowLimit)
	}
	for _, v := range values {
		if err := checkCell(name, v); err != nil {
			return err
		}
	}
	// New row slices: a logged snapshot may still be reading the old ones.
	rows := make([][]any, len(values))
	for i, v := range values {
		var old []any
		if !first {
			old = t.rows[i]
		}
		row := make([]any, len(old)+1)
		copy(row, old)
		row[len(old)] = v
		rows[i] = row
	}
	t.rows = rows
	t.columns = append(slices.Clip(t.columns), name)
	return nil
}

// Columns returns the column names.
func (t *Table) Columns() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.columns)
}

// Rows returns the rows (a copy: changing it does not change the table).
func (t *Table) Rows() [][]any {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([][]any, len(t.rows))
	for i, r := range t.rows {
		out[i] = slices.Clone(r)
	}
	return out
}

// Column returns the values of one column, and whether it exists.
func (t *Table) Column(name string) ([]any, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	i := slices.Index(t.columns, name)
	if i < 0 {
		return nil, false
	}
	out := make([]any, len(t.rows))
	for j, r := range t.rows {
		out[j] = r[i]
	}
	return out, true
}

// NumRows is the number of rows.
func (t *Table) NumRows() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.rows)
}

// LogMode is the table's log mode.
func (t *Table) LogMode() TableLogMode { return t.mode }

// checkCell refuses values a table cell cannot hold.
func checkCell(column string, v any) error {
	if _, ok := runstate.ConvertScalar(v); ok {
		return nil
	}
	switch x := v.(type) {
	case string:
		if !utf8.ValidString(x) {
			return fmt.Errorf("wandb: table: column %q: string is not valid UTF-8: %w", column, ErrInvalidValue)
		}
		return nil
	case time.Time:
		return nil
	case *Table:
		return fmt.Errorf("wandb: table: column %q: a table cannot hold a table: %w", column, ErrUnsupportedType)
	case runstate.Binder:
		return nil
	}
	if _, err := runstate.Convert(column, v); err != nil {
		return fmt.Errorf("wandb: table: %w", err)
	}
	return nil
}

// appendCell encodes one cell, binding media cells.
func appendCell(buf []byte, b runstate.Binding, v any) ([]byte, []string, error) {
	if sv, ok := runstate.ConvertScalar(v); ok {
		return sv.AppendJSON(buf), nil, nil
	}
	switch x := v.(type) {
	case string:
		return runstate.AppendString(buf, x), nil, nil
	case time.Time:
		sv := runstate.Value{Kind: runstate.KindInt, I: x.UnixMilli()}
		return sv.AppendJSON(buf), nil, nil
	case runstate.Binder:
		j, files, err := x.BindToRun(b)
		if err != nil {
			return nil, nil, err
		}
		return append(buf, j...), files, nil
	case runstate.JSONMarshaler:
		j, err := x.WandbJSON()
		if err != nil {
			return nil, nil, err
		}
		return append(buf, j...), nil, nil
	}
	return runstate.AppendAnyJSON(buf, v), nil, nil
}

// encode writes {"columns":[…],"data":[…]} for rows.
func encodeTable(b runstate.Binding, columns []string, rows [][]any) ([]byte, []string, error) {
	buf := append([]byte(`{"columns":`), media.StrList(columns)...)
	buf = append(buf, `,"data":[`...)
	var files []string
	for i, r := range rows {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '[')
		for j, v := range r {
			if j > 0 {
				buf = append(buf, ',')
			}
			var f []string
			var err error
			if buf, f, err = appendCell(buf, b, v); err != nil {
				return nil, nil, fmt.Errorf("row %d, column %q: %w", i, columns[j], err)
			}
			files = append(files, f...)
		}
		buf = append(buf, ']')
	}
	return append(buf, "]}"...), files, nil
}

// BindToRun writes the table file and its media cells
// (runstate.Binder).
func (t *Table) BindToRun(b runstate.Binding) ([]byte, []string, error) {
	if t == nil {
		return nil, nil, fmt.Errorf("wandb: table: nil *Table")
	}
	t.mu.Lock()
	if t.mode == TableImmutable && t.first != nil && t.firstDir == b.FilesDir {
		j := t.first.json
		t.mu.Unlock()
		return j, nil, nil
	}
	// Rows are never changed in place: the slice header is a snapshot.
	columns, rows := t.columns, t.rows[:len(t.rows):len(t.rows)]
	start, increment := 0, 0
	var prev []string
	if t.mode == TableIncremental {
		start, increment, prev = t.logged, t.increment, slices.Clone(t.prevPaths)
	}
	t.mu.Unlock()

	part := rows[start:]
	if len(part) > MaxTableRows {
		if b.Warn != nil {
			b.Warn(fmt.Sprintf("the table file holds the first %d of %d rows (W&B's limit for a run table)", MaxTableRows, len(part)))
		}
		part = part[:MaxTableRows]
	}
	data, files, err := encodeTable(b, columns, part)
	if err != nil {
		return nil, nil, err
	}
	f, err := media.Store(b, "table", "table.json", data)
	if err != nil {
		return nil, nil, err
	}
	files = uniq(append(files, f.Path))
	typ, nrows := "table-file", len(part)
	if t.mode == TableIncremental {
		typ, nrows = "incremental-table-file", start+len(part)
	}
	o := media.FileJSON(typ, f).Int("ncols", int64(len(columns))).Int("nrows", int64(nrows)).Str("log_mode", string(t.mode))
	if t.mode == TableIncremental {
		o.Int("increment_num", int64(increment)).Raw("previous_increments_paths", media.StrList(prev))
	}
	j := o.Bytes()

	t.mu.Lock()
	switch t.mode {
	case TableImmutable:
		if t.first == nil {
			t.first, t.firstDir = &boundTable{json: j}, b.FilesDir
		}
	case TableIncremental:
		t.logged = start + len(part)
		t.increment++
		t.prevPaths = append(t.prevPaths, f.Path)
	}
	t.mu.Unlock()
	return j, files, nil
}
