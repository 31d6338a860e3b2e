package plotting

import (
	"fmt"
	"reflect"
)

// Number is the element type of the slices the builders take. Cells keep
// their kind: integers are stored as int64 (written 3), floats as float64 or
// float32 (written 3.0), as numpy values are in W&B's tables.
type Number interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 |
		~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr |
		~float32 | ~float64
}

// cellFunc returns a function that turns a T into a table cell of its
// basic kind (int64, uint64, float32 or float64).
func cellFunc[T Number]() func(T) any {
	switch reflect.TypeFor[T]().Kind() {
	case reflect.Float32:
		return func(v T) any { return float32(v) }
	case reflect.Float64:
		return func(v T) any { return float64(v) }
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return func(v T) any { return uint64(v) }
	}
	return func(v T) any { return int64(v) }
}

// xyRows makes [x, y] rows.
func xyRows[X, Y Number](what string, xs []X, ys []Y) ([][]any, error) {
	if len(xs) != len(ys) {
		return nil, fmt.Errorf("plotting: %s: %d x values but %d y values: %w", what, len(xs), len(ys), ErrInvalidInput)
	}
	cx, cy := cellFunc[X](), cellFunc[Y]()
	rows := make([][]any, len(xs))
	cells := make([]any, 2*len(xs)) // one backing array for all rows
	for i := range xs {
		r := cells[2*i : 2*i+2 : 2*i+2]
		r[0], r[1] = cx(xs[i]), cy(ys[i])
		rows[i] = r
	}
	return rows, nil
}

// Line is wandb.plot.line over a table with columns x and y: spec
// SpecLine, fields {x: "x", y: "y", stroke: None}, string field title
// (default ""). xs and ys must have the same length.
func Line[X, Y Number](xs []X, ys []Y, opts ...Option) (*Chart, error) {
	o := buildOptions(opts)
	rows, err := xyRows("line", xs, ys)
	if err != nil {
		return nil, err
	}
	title := o.titleOr("")
	return &Chart{
		Spec:         SpecLine,
		Columns:      []string{"x", "y"},
		Rows:         rows,
		Fields:       map[string]string{"x": "x", "y": "y", "stroke": ""},
		StringFields: map[string]string{"title": title},
		Title:        title,
		SplitTable:   o.split,
	}, nil
}

// Scatter is wandb.plot.scatter over a table with columns x and y: spec
// SpecScatter, fields {x: "x", y: "y"}, string field title (default "").
func Scatter[X, Y Number](xs []X, ys []Y, opts ...Option) (*Chart, error) {
	o := buildOptions(opts)
	rows, err := xyRows("scatter", xs, ys)
	if err != nil {
		return nil, err
	}
	title := o.titleOr("")
	return &Chart{
		Spec:         SpecScatter,
		Columns:      []string{"x", "y"},
		Rows:         rows,
		Fields:       map[string]string{"x": "x", "y": "y"},
		StringFields: map[string]string{"title": title},
		Title:        title,
		SplitTable:   o.split,
	}, nil
}

// Bar is wandb.plot.bar over a table with columns label and value: spec
// SpecBar, fields {label: "label", value: "value"}, string field title
// (default ""). labels and values must have the same length.
func Bar[V Number](labels []string, values []V, opts ...Option) (*Chart, error) {
	o := buildOptions(opts)
	if len(labels) != len(values) {
		return nil, fmt.Errorf("plotting: bar: %d labels but %d values: %w", len(labels), len(values), ErrInvalidInput)
	}
	cv := cellFunc[V]()
	rows := make([][]any, len(labels))
	for i := range labels {
		rows[i] = []any{labels[i], cv(values[i])}
	}
	title := o.titleOr("")
	return &Chart{
		Spec:         SpecBar,
		Columns:      []string{"label", "value"},
		Rows:         rows,
		Fields:       map[string]string{"label": "label", "value": "value"},
		StringFields: map[string]string{"title": title},
		Title:        title,
		SplitTable:   o.split,
	}, nil
}

// Histogram is wandb.plot.histogram over a table with one column, value:
// spec SpecHistogram, fields {value: "value"}, string field title (default
// ""). W&B's Vega spec bins the values; Plot draws ceil(log2 n)+1 bins (at
// most 100).
func Histogram[V Number](values []V, opts ...Option) (*Chart, error) {
	o := buildOptions(opts)
	cv := cellFunc[V]()
	rows := make([][]any, len(values))
	cells := make([]any, len(values))
	for i, v := range values {
		cells[i] = cv(v)
		rows[i] = cells[i : i+1 : i+1]
	}
	title := o.titleOr("")
	return &Chart{
		Spec:         SpecHistogram,
		Columns:      []string{"value"},
		Rows:         rows,
		Fields:       map[string]string{"value": "value"},
		StringFields: map[string]string{"title": title},
		Title:        title,
		SplitTable:   o.split,
	}, nil
}

// LineSeries is wandb.plot.line_series: one line per element of ys, in a
// table with columns step, lineKey and lineVal; spec SpecLineSeries, fields
// {step, lineKey, lineVal} (each naming its own column), string fields
// title (default "") and xname (default "x").
//
// xs holds one x slice per line, or a single x slice shared by all lines.
// Lines are named by WithKeys, else line_0, line_1, …. As in W&B, each line
// has as many points as the shorter of its xs and ys.
func LineSeries[X, Y Number](xs [][]X, ys [][]Y, opts ...Option) (*Chart, error) {
	o := buildOptions(opts)
	if len(xs) == 1 && len(ys) > 1 {
		shared := xs[0]
		xs = make([][]X, len(ys))
		for i := range xs {
			xs[i] = shared
		}
	}
	if len(xs) != len(ys) {
		return nil, fmt.Errorf("plotting: line series: number of x-series (%d) must match y-series (%d): %w", len(xs), len(ys), ErrInvalidInput)
	}
	keys := o.keys
	if keys == nil {
		keys = make([]string, len(ys))
		for i := range keys {
			keys[i] = fmt.Sprintf("line_%d", i)
		}
	}
	if len(keys) != len(ys) {
		return nil, fmt.Errorf("plotting: line series: number of keys (%d) must match y-series (%d): %w", len(keys), len(ys), ErrInvalidInput)
	}
	cx, cy := cellFunc[X](), cellFunc[Y]()
	var rows [][]any
	for i := range ys {
		n := min(len(xs[i]), len(ys[i]))
		for j := range n {
			rows = append(rows, []any{cx(xs[i][j]), keys[i], cy(ys[i][j])})
		}
	}
	if rows == nil {
		rows = [][]any{}
	}
	title := o.titleOr("")
	xname := "x"
	if o.xname != nil {
		xname = *o.xname
	}
	return &Chart{
		Spec:         SpecLineSeries,
		Columns:      []string{"step", "lineKey", "lineVal"},
		Rows:         rows,
		Fields:       map[string]string{"step": "step", "lineKey": "lineKey", "lineVal": "lineVal"},
		StringFields: map[string]string{"title": title, "xname": xname},
		Title:        title,
		SplitTable:   o.split,
	}, nil
}

// Table-based presets: the Python functions take a wandb.Table and column
// names. These build the chart around columns and rows the caller already
// has (the root package passes a wandb.Table's).

// LineTable is wandb.plot.line(table, x, y, stroke, title): WithStroke names
// the column that splits the lines.
func LineTable(columns []string, rows [][]any, x, y string, opts ...Option) *Chart {
	o := buildOptions(opts)
	return NewChart(SpecLine, columns, rows, map[string]string{"x": x, "y": y, "stroke": o.stroke}, map[string]string{"title": o.titleOr("")}, opts...)
}

// ScatterTable is wandb.plot.scatter(table, x, y, title).
func ScatterTable(columns []string, rows [][]any, x, y string, opts ...Option) *Chart {
	o := buildOptions(opts)
	return NewChart(SpecScatter, columns, rows, map[string]string{"x": x, "y": y}, map[string]string{"title": o.titleOr("")}, opts...)
}

// BarTable is wandb.plot.bar(table, label, value, title).
func BarTable(columns []string, rows [][]any, label, value string, opts ...Option) *Chart {
	o := buildOptions(opts)
	return NewChart(SpecBar, columns, rows, map[string]string{"label": label, "value": value}, map[string]string{"title": o.titleOr("")}, opts...)
}

// HistogramTable is wandb.plot.histogram(table, value, title).
func HistogramTable(columns []string, rows [][]any, value string, opts ...Option) *Chart {
	o := buildOptions(opts)
	return NewChart(SpecHistogram, columns, rows, map[string]string{"value": value}, map[string]string{"title": o.titleOr("")}, opts...)
}
