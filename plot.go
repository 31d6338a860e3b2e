package wandb

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"reflect"

	"gonum.org/v1/plot"

	"github.com/gowandb/wandb/core/media"
	"github.com/gowandb/wandb/core/runstate"
	"github.com/gowandb/wandb/plotting"
)

// ChartImageSuffix is added to a custom chart's key to name the PNG of the
// chart, drawn with gonum/plot, that is logged beside its table: a chart
// logged under "roc" logs the table "roc_table" and the image "roc_png".
const ChartImageSuffix = "_png"

// CustomChart is a W&B custom chart (wandb.plot_table's CustomChart): a
// Vega spec drawn from a Table. Logged under key K, as W&B does it:
//
//   - the table is logged in history under "K_table" (or "Custom Chart
//     Tables/K_table" with plotting.WithSplitTable) as a table-file;
//   - config path _wandb.visualize.K is set to W&B's panel config
//     (plotting.PanelConfig: panel_type Vega2, panelDefId, fieldSettings,
//     stringSettings, the tableWithLeafColNames transform and the
//     summaryTable query of "K_table");
//   - and, so that the chart can be seen without a browser, the chart drawn
//     with gonum/plot (plotting.Chart.Plot) is logged as a PNG image under
//     "K_png" (ChartImageSuffix), unless gonum cannot draw its spec (a
//     user-defined spec without x and y fields).
//
// Nothing is logged under K itself. A chart inside a nested map is logged
// the same way, with K the map keys joined by "." (W&B's rule). Drawing
// and encoding happen on the run log's writer goroutine, like other media.
// A CustomChart does not change once made and may be logged many times.
type CustomChart struct {
	spec         string
	table        *Table
	fields       map[string]string
	stringFields map[string]string
	split        bool
	chart        *plotting.Chart // drawn as is when set; else drawn from table
	width        int
	height       int
}

// PlotTable makes a custom chart of any Vega spec from a table (W&B's
// wandb.plot_table): fields maps the spec's fields to table columns (an
// empty column name is written as null, as W&B writes None), stringFields
// sets its string constants. plotting.WithSplitTable is the only option
// that applies. A nil table is refused when the chart is logged.
func PlotTable(specName string, table *Table, fields, stringFields map[string]string, opts ...plotting.Option) *CustomChart {
	c := plotting.NewChart(specName, nil, nil, fields, stringFields, opts...)
	return &CustomChart{spec: specName, table: table, fields: c.Fields, stringFields: c.StringFields, split: c.SplitTable}
}

// PlotTable is the package-level PlotTable (W&B's older Run.plot_table).
func (r *Run) PlotTable(specName string, table *Table, fields, stringFields map[string]string) *CustomChart {
	return PlotTable(specName, table, fields, stringFields)
}

// PlotChart wraps a chart made by the plotting package (from Go slices) so
// that it can be logged: its columns and rows become a Table.
func PlotChart(c *plotting.Chart) (*CustomChart, error) {
	if c == nil {
		return nil, fmt.Errorf("wandb: chart: nil chart: %w", ErrInvalidValue)
	}
	t, err := NewTable(c.Columns, c.Rows)
	if err != nil {
		return nil, fmt.Errorf("%w (the table of chart %s)", err, c.Spec)
	}
	cp := *c
	return &CustomChart{
		spec: c.Spec, table: t, fields: maps.Clone(c.Fields), stringFields: maps.Clone(c.StringFields),
		split: c.SplitTable, chart: &cp,
	}, nil
}

func fromTableChart(table *Table, c *plotting.Chart) *CustomChart {
	return &CustomChart{spec: c.Spec, table: table, fields: c.Fields, stringFields: c.StringFields, split: c.SplitTable}
}

// PlotLine is wandb.plot.line: a line chart of columns x and y of table.
// Options: plotting.WithStroke (the column that splits lines),
// plotting.WithTitle, plotting.WithSplitTable.
func PlotLine(table *Table, x, y string, opts ...plotting.Option) *CustomChart {
	return fromTableChart(table, plotting.LineTable(nil, nil, x, y, opts...))
}

// PlotScatter is wandb.plot.scatter: points of columns x and y of table.
// Options: plotting.WithTitle, plotting.WithSplitTable.
func PlotScatter(table *Table, x, y string, opts ...plotting.Option) *CustomChart {
	return fromTableChart(table, plotting.ScatterTable(nil, nil, x, y, opts...))
}

// PlotBar is wandb.plot.bar: a bar per row, labelled by column label, of
// height column value. Options: plotting.WithTitle, plotting.WithSplitTable.
func PlotBar(table *Table, label, value string, opts ...plotting.Option) *CustomChart {
	return fromTableChart(table, plotting.BarTable(nil, nil, label, value, opts...))
}

// PlotHistogram is wandb.plot.histogram: the values of column value,
// binned. Options: plotting.WithTitle, plotting.WithSplitTable.
func PlotHistogram(table *Table, value string, opts ...plotting.Option) *CustomChart {
	return fromTableChart(table, plotting.HistogramTable(nil, nil, value, opts...))
}

// PlotLineSeries is wandb.plot.line_series (see plotting.LineSeries): xs
// holds one x slice per line or one shared by all. Options:
// plotting.WithKeys, plotting.WithTitle, plotting.WithXName,
// plotting.WithSplitTable.
func PlotLineSeries[X, Y plotting.Number](xs [][]X, ys [][]Y, opts ...plotting.Option) (*CustomChart, error) {
	return chartOrErr(plotting.LineSeries(xs, ys, opts...))
}

// PlotPRCurve is wandb.plot.pr_curve (see plotting.PRCurve). Options:
// plotting.WithLabels, plotting.WithClassesToPlot,
// plotting.WithInterpSize, plotting.WithTitle, plotting.WithSplitTable.
func PlotPRCurve(yTrue []int, yProbas [][]float64, opts ...plotting.Option) (*CustomChart, error) {
	return chartOrErr(plotting.PRCurve(yTrue, yProbas, opts...))
}

// PlotROCCurve is wandb.plot.roc_curve (see plotting.ROCCurve). Options:
// plotting.WithLabels, plotting.WithClassesToPlot, plotting.WithTitle,
// plotting.WithSplitTable.
func PlotROCCurve(yTrue []int, yProbas [][]float64, opts ...plotting.Option) (*CustomChart, error) {
	return chartOrErr(plotting.ROCCurve(yTrue, yProbas, opts...))
}

// PlotConfusionMatrix is wandb.plot.confusion_matrix from predicted classes
// (see plotting.ConfusionMatrix); classNames may be nil. Options:
// plotting.WithTitle, plotting.WithSplitTable.
func PlotConfusionMatrix(yTrue, preds []int, classNames []string, opts ...plotting.Option) (*CustomChart, error) {
	return chartOrErr(plotting.ConfusionMatrix(yTrue, preds, classNames, opts...))
}

// PlotConfusionMatrixFromProbs is wandb.plot.confusion_matrix from class
// probabilities (see plotting.ConfusionMatrixFromProbs).
func PlotConfusionMatrixFromProbs(yTrue []int, probs [][]float64, classNames []string, opts ...plotting.Option) (*CustomChart, error) {
	return chartOrErr(plotting.ConfusionMatrixFromProbs(yTrue, probs, classNames, opts...))
}

func chartOrErr(c *plotting.Chart, err error) (*CustomChart, error) {
	if err != nil {
		return nil, fmt.Errorf("wandb: %w", err)
	}
	return PlotChart(c)
}

// Spec is the chart's Vega spec name.
func (c *CustomChart) Spec() string { return c.spec }

// Table is the chart's table.
func (c *CustomChart) Table() *Table { return c.table }

// Fields returns a copy of the field → column mapping.
func (c *CustomChart) Fields() map[string]string { return maps.Clone(c.fields) }

// StringFields returns a copy of the string settings.
func (c *CustomChart) StringFields() map[string]string { return maps.Clone(c.stringFields) }

// TableKey is the history key of the chart's table when it is logged under
// key.
func (c *CustomChart) TableKey(key string) string {
	return (&plotting.Chart{SplitTable: c.split}).TableKey(key)
}

// PanelConfig is the config value W&B stores at _wandb.visualize.<key>
// when the chart is logged under key.
func (c *CustomChart) PanelConfig(key string) map[string]any {
	return plotting.PanelConfig(c.spec, c.fields, c.stringFields, c.TableKey(key))
}

// WithImageSize returns a copy of the chart whose PNG is width × height
// pixels (default plotting.DefaultWidth × plotting.DefaultHeight).
func (c *CustomChart) WithImageSize(width, height int) *CustomChart {
	cp := *c
	cp.width, cp.height = width, height
	return &cp
}

// Chart is the chart as the plotting package draws it: the builder's chart,
// or one made from the table's current contents (at most MaxTableRows
// rows, those a logged table file holds).
func (c *CustomChart) Chart() *plotting.Chart {
	if c.chart != nil {
		cp := *c.chart
		return &cp
	}
	ch := &plotting.Chart{Spec: c.spec, Fields: c.fields, StringFields: c.stringFields, Title: c.stringFields["title"], SplitTable: c.split}
	if c.table != nil {
		ch.Columns, ch.Rows = c.table.Columns(), c.table.Rows()
		if len(ch.Rows) > MaxTableRows {
			ch.Rows = ch.Rows[:MaxTableRows]
		}
	}
	return ch
}

// Plot draws the chart with gonum/plot (plotting.Chart.Plot).
func (c *CustomChart) Plot() (*plot.Plot, error) { return c.Chart().Plot() }

func (c *CustomChart) size() (int, int) {
	if c.width <= 0 || c.height <= 0 {
		return plotting.DefaultWidth, plotting.DefaultHeight
	}
	return c.width, c.height
}

// chartImage is the PNG of a custom chart, drawn when it is bound.
type chartImage struct{ c *CustomChart }

func (ci chartImage) BindToRun(b runstate.Binding) ([]byte, []string, error) {
	w, h := ci.c.size()
	ch := ci.c.Chart()
	p, drops, err := ch.PlotDrops()
	if err != nil {
		return nil, nil, err
	}
	return bindPlotPNG(b, p, w, h, drops.Caption())
}

// PlotImage is a gonum plot logged as an image (the Go counterpart of
// logging a matplotlib figure): drawn to a width × height PNG (at
// plotting.DPI) when it is logged, stored as
// media/images/<key>_<step>_<hash>.png, with W&B's image-file JSON
// {"_type":"image-file","path","sha256","size","format":"png","width",
// "height"}. Logging a *plot.Plot directly logs NewPlotImage(p,
// plotting.DefaultWidth, plotting.DefaultHeight).
//
// The plot is drawn later, on the run log's writer goroutine: do not change
// it after logging it (make a new plot for each Log call).
type PlotImage struct {
	p             *plot.Plot
	width, height int
	caption       string
}

// NewPlotImage wraps p to be logged as a width × height PNG. caption, if
// given, is the image's caption.
func NewPlotImage(p *plot.Plot, width, height int, caption ...string) (*PlotImage, error) {
	if p == nil {
		return nil, fmt.Errorf("wandb: plot image: nil plot: %w", ErrInvalidValue)
	}
	if width <= 0 || height <= 0 || width > plotting.MaxPixels || height > plotting.MaxPixels {
		return nil, fmt.Errorf("wandb: plot image: size %d×%d must be 1 to %d pixels a side: %w", width, height, plotting.MaxPixels, ErrInvalidValue)
	}
	im := &PlotImage{p: p, width: width, height: height}
	if len(caption) > 0 {
		im.caption = caption[0]
	}
	return im, nil
}

// BindToRun draws the plot and stores the PNG (runstate.Binder).
func (im *PlotImage) BindToRun(b runstate.Binding) ([]byte, []string, error) {
	return bindPlotPNG(b, im.p, im.width, im.height, im.caption)
}

func bindPlotPNG(b runstate.Binding, p *plot.Plot, w, h int, caption string) ([]byte, []string, error) {
	var buf bytes.Buffer
	if err := plotting.RenderPlot(&buf, p, "png", w, h); err != nil {
		return nil, nil, err
	}
	f, err := media.Store(b, "images", "png", buf.Bytes())
	if err != nil {
		return nil, nil, err
	}
	o := media.FileJSON("image-file", f).Str("format", "png").Int("width", int64(w)).Int("height", int64(h))
	if caption != "" {
		o.Str("caption", caption)
	}
	return o.Bytes(), []string{f.Path}, nil
}

// logRow hands a Log call's row to the handler, after expanding custom
// charts and gonum plots (expandCharts).
func (r *Run) logRow(data map[string]any, o runstate.LogOptions) error {
	data, err := r.expandCharts(data)
	return errors.Join(err, r.handler.Log(data, o))
}

// maxChartDepth bounds the search of nested maps (a map may hold itself;
// the handler refuses such rows).
const maxChartDepth = 64

// hasCharts reports whether a logged value is, or a nested map holds, a
// custom chart or a gonum plot. Scalars cost one type switch.
func hasCharts(v any, depth int) bool {
	switch t := v.(type) {
	case *CustomChart, *plot.Plot:
		return true
	case map[string]any:
		if depth >= maxChartDepth {
			return false
		}
		for _, x := range t {
			if hasCharts(x, depth+1) {
				return true
			}
		}
	}
	return false
}

// expandCharts rewrites a row that holds custom charts or gonum plots (see
// CustomChart, PlotImage); other rows are returned as they are. The
// caller's maps are not changed.
func (r *Run) expandCharts(data map[string]any) (map[string]any, error) {
	found := false
	for _, v := range data {
		if hasCharts(v, 0) {
			found = true
			break
		}
	}
	if !found {
		return data, nil
	}
	out := make(map[string]any, len(data)+2)
	var errs []error
	r.expandInto(out, out, data, "", 0, &errs)
	return out, errors.Join(errs...)
}

// expandInto copies m into dst, replacing charts and plots; top is the
// row, where chart tables and images go; prefix is the dotted path of m.
func (r *Run) expandInto(top, dst, m map[string]any, prefix string, depth int, errs *[]error) {
	for k, v := range m {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		switch t := v.(type) {
		case *CustomChart:
			if err := r.logChart(top, key, t); err != nil {
				*errs = append(*errs, err)
			}
			continue
		case *plot.Plot:
			if t == nil {
				*errs = append(*errs, fmt.Errorf("key %q: nil *plot.Plot: %w", key, ErrInvalidValue))
				continue
			}
			dst[k] = &PlotImage{p: t, width: plotting.DefaultWidth, height: plotting.DefaultHeight}
			continue
		case map[string]any:
			if hasCharts(t, depth+1) {
				sub := make(map[string]any, len(t))
				r.expandInto(top, sub, t, key, depth+1, errs)
				dst[k] = sub
				continue
			}
		}
		dst[k] = v
	}
}

// logChart does what W&B's _serialize_custom_charts does for one chart,
// and adds the chart's PNG.
func (r *Run) logChart(row map[string]any, key string, c *CustomChart) error {
	if c == nil || c.table == nil {
		return fmt.Errorf("key %q: custom chart without a table: %w", key, ErrInvalidValue)
	}
	if err := r.setVisualize(key, c.PanelConfig(key)); err != nil {
		return fmt.Errorf("key %q: %w", key, err)
	}
	row[c.TableKey(key)] = c.table
	if (&plotting.Chart{Spec: c.spec, Fields: c.fields}).Drawable() {
		row[key+ChartImageSuffix] = chartImage{c: c}
	}
	return nil
}

// setVisualize sets config _wandb.visualize.<key> (allow_val_change, as
// W&B's config callback does), unless it already holds that value.
func (r *Run) setVisualize(key string, value map[string]any) error {
	path := []string{"_wandb", "visualize", key}
	if old, ok := r.config.c.GetPath(path); ok && reflect.DeepEqual(old, value) {
		return nil
	}
	if err := r.config.c.SetPath(path, value, true); err != nil {
		return err
	}
	r.config.emit([]string{"_wandb"})
	return nil
}
