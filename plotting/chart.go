package plotting

import (
	"errors"
	"maps"
	"slices"
)

// W&B's built-in Vega spec names (wandb/plot/*.py).
const (
	SpecLine            = "wandb/line/v0"
	SpecScatter         = "wandb/scatter/v0"
	SpecBar             = "wandb/bar/v0"
	SpecHistogram       = "wandb/histogram/v0"
	SpecLineSeries      = "wandb/lineseries/v0"
	SpecAreaUnderCurve  = "wandb/area-under-curve/v0"
	SpecConfusionMatrix = "wandb/confusion_matrix/v1"
)

// MaxRows is W&B's wandb.Table.MAX_ROWS: PR and ROC curve tables with more
// rows are resampled down to it.
const MaxRows = 10000

// ErrInvalidInput is wrapped by the errors of the builders for input they
// cannot chart (mismatched lengths, ragged matrices, NaN probabilities,
// unknown classes).
var ErrInvalidInput = errors.New("plotting: invalid input")

// ErrUnsupportedSpec is wrapped by Plot and Render for a chart whose spec
// they cannot draw (a user-defined spec without x and y fields).
var ErrUnsupportedSpec = errors.New("plotting: unsupported chart spec")

// Chart is a W&B custom chart: a Vega spec drawn from a table. It is what
// wandb.plot_table returns in the Python SDK, with the table held as plain
// columns and rows.
//
// A Chart is a plain value: the builders return a fresh one, and nothing
// here changes it. Do not change it while it is being drawn or logged.
type Chart struct {
	// Spec is the Vega spec name (panelDefId), such as SpecLine.
	Spec string
	// Columns are the table's column names.
	Columns []string
	// Rows are the table's rows, one cell per column: numbers (float64,
	// float32, intN, uintN), strings, bools or nil.
	Rows [][]any
	// Fields maps the spec's fields to column names (W&B's fields). An
	// empty column name stands for W&B's None (line's unset stroke) and is
	// written as null.
	Fields map[string]string
	// StringFields are the spec's string settings (W&B's string_fields):
	// title, axis titles…
	StringFields map[string]string
	// Title is drawn above the chart; the builders set it to
	// StringFields["title"].
	Title string
	// SplitTable logs the table under "Custom Chart Tables/<key>_table"
	// instead of "<key>_table" (W&B's split_table).
	SplitTable bool
}

// NewChart makes a chart of any spec from a table (W&B's plot_table). The
// maps and slices are copied (rows shallowly: the cells are shared). Title
// is taken from stringFields["title"]. Options: WithSplitTable.
func NewChart(spec string, columns []string, rows [][]any, fields, stringFields map[string]string, opts ...Option) *Chart {
	c := &Chart{
		Spec:         spec,
		Columns:      slices.Clone(columns),
		Rows:         make([][]any, len(rows)),
		Fields:       maps.Clone(fields),
		StringFields: maps.Clone(stringFields),
	}
	for i, r := range rows {
		c.Rows[i] = slices.Clone(r)
	}
	if c.Fields == nil {
		c.Fields = map[string]string{}
	}
	if c.StringFields == nil {
		c.StringFields = map[string]string{}
	}
	c.Title = c.StringFields["title"]
	c.SplitTable = buildOptions(opts).split
	return c
}

// TableKey is the history key of the chart's table when the chart is logged
// under key: "<key>_table", or "Custom Chart Tables/<key>_table" with
// SplitTable (W&B's CustomChartSpec.table_key).
func (c *Chart) TableKey(key string) string {
	if c.SplitTable {
		return "Custom Chart Tables/" + key + "_table"
	}
	return key + "_table"
}

// PanelConfig is the value W&B stores at config path _wandb.visualize.<key>
// when the chart is logged under key (W&B's CustomChartSpec.config_value):
//
//	{"panel_type": "Vega2", "panel_config": {"panelDefId": spec,
//	 "fieldSettings": fields, "stringSettings": string_fields,
//	 "transform": {"name": "tableWithLeafColNames"},
//	 "userQuery": {"queryFields": [{"name": "runSets", ...,
//	   "fields": [id, name, _defaultColorIndex,
//	     {"name": "summaryTable", "args": [{"name": "tableKey",
//	      "value": "<key>_table"}], "fields": []}]}]}}}
//
// It is built from map[string]any, []any, string and nil only, the types a
// config tree holds.
func (c *Chart) PanelConfig(key string) map[string]any {
	return PanelConfig(c.Spec, c.Fields, c.StringFields, c.TableKey(key))
}

// PanelConfig is Chart.PanelConfig for a spec, its fields and string fields
// and the history key of its table.
func PanelConfig(spec string, fields, stringFields map[string]string, tableKey string) map[string]any {
	fs := make(map[string]any, len(fields))
	for k, v := range fields {
		if v == "" {
			fs[k] = nil
		} else {
			fs[k] = v
		}
	}
	ss := make(map[string]any, len(stringFields))
	for k, v := range stringFields {
		ss[k] = v
	}
	leaf := func(name string) map[string]any {
		return map[string]any{"name": name, "fields": []any{}}
	}
	return map[string]any{
		"panel_type": "Vega2",
		"panel_config": map[string]any{
			"panelDefId":     spec,
			"fieldSettings":  fs,
			"stringSettings": ss,
			"transform":      map[string]any{"name": "tableWithLeafColNames"},
			"userQuery": map[string]any{
				"queryFields": []any{
					map[string]any{
						"name": "runSets",
						"args": []any{map[string]any{"name": "runSets", "value": "${runSets}"}},
						"fields": []any{
							leaf("id"),
							leaf("name"),
							leaf("_defaultColorIndex"),
							map[string]any{
								"name":   "summaryTable",
								"args":   []any{map[string]any{"name": "tableKey", "value": tableKey}},
								"fields": []any{},
							},
						},
					},
				},
			},
		},
	}
}

// Option configures a builder. Options that do not apply to a builder are
// ignored by it.
type Option func(*options)

type options struct {
	title         *string
	stroke        string
	split         bool
	labels        []string
	classesToPlot []int
	hasClasses    bool
	interpSize    int
	keys          []string
	xname         *string
}

func buildOptions(opts []Option) options {
	o := options{interpSize: 21}
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	return o
}

func (o options) titleOr(def string) string {
	if o.title != nil {
		return *o.title
	}
	return def
}

// WithTitle sets the chart title (string field "title").
func WithTitle(title string) Option { return func(o *options) { o.title = &title } }

// WithStroke names the column that splits a line chart into several lines
// (wandb.plot.line's stroke). It applies to charts made from a table.
func WithStroke(column string) Option { return func(o *options) { o.stroke = column } }

// WithSplitTable logs the chart's table in the "Custom Chart Tables" section
// (W&B's split_table).
func WithSplitTable(split bool) Option { return func(o *options) { o.split = split } }

// WithLabels names the classes of PR and ROC curves: class value i is shown
// as labels[i] (W&B's labels).
func WithLabels(labels ...string) Option {
	return func(o *options) { o.labels = slices.Clone(labels) }
}

// WithClassesToPlot restricts PR and ROC curves to these class values
// (W&B's classes_to_plot).
func WithClassesToPlot(classes ...int) Option {
	return func(o *options) { o.classesToPlot, o.hasClasses = slices.Clone(classes), true }
}

// WithInterpSize sets the number of recall points of a PR curve (W&B's
// interp_size, default 21).
func WithInterpSize(n int) Option { return func(o *options) { o.interpSize = n } }

// WithKeys names the lines of a line series (W&B's keys; default line_0,
// line_1, …).
func WithKeys(keys ...string) Option { return func(o *options) { o.keys = slices.Clone(keys) } }

// WithXName sets the x-axis name of a line series (W&B's xname, default "x").
func WithXName(name string) Option { return func(o *options) { o.xname = &name } }
