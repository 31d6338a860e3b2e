package plotting

import (
	"fmt"
	"image/color"
	"image/png"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// DPI is the resolution PNGs are drawn at: a width of 640 pixels is
// 640/96 inches.
const DPI = 96

// Default size of rendered charts, in pixels.
const (
	DefaultWidth  = 640
	DefaultHeight = 480
)

// MaxPixels bounds the width and height Render accepts.
const MaxPixels = 16384

// clampAbs bounds the values handed to gonum/plot: beyond it, axis spans
// overflow to +Inf and gonum's tick search fails.
const clampAbs = 1e300

// colors is the line palette (Tableau 10, as matplotlib's and Vega's
// default category colors).
var colors = []color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0x2c, 0xa0, 0x2c, 0xff},
	{0xd6, 0x27, 0x28, 0xff}, {0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff},
	{0xe3, 0x77, 0xc2, 0xff}, {0x7f, 0x7f, 0x7f, 0xff}, {0xbc, 0xbd, 0x22, 0xff},
	{0x17, 0xbe, 0xcf, 0xff},
}

func lineColor(i int) color.Color { return colors[i%len(colors)] }

// Drops counts the rows left out of a drawing.
type Drops struct {
	// NonFinite counts rows with a NaN or ±Inf value in a drawn field.
	NonFinite int
	// NonNumeric counts rows whose drawn field is missing or not a number.
	NonNumeric int
}

// Caption describes the drops, such as "(3 NaN/Inf points dropped)", or
// is "" when nothing was dropped.
func (d Drops) Caption() string {
	var parts []string
	if d.NonFinite > 0 {
		parts = append(parts, plural(d.NonFinite, "NaN/Inf point")+" dropped")
	}
	if d.NonNumeric > 0 {
		parts = append(parts, plural(d.NonNumeric, "non-numeric point")+" dropped")
	}
	if parts == nil {
		return ""
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

func (d *Drops) add(v float64, ok bool) bool {
	switch {
	case !ok:
		d.NonNumeric++
		return false
	case math.IsNaN(v) || math.IsInf(v, 0):
		d.NonFinite++
		return false
	}
	return true
}

// Plot draws the chart with gonum/plot, as its spec does:
//
//   - SpecLine: one line per stroke value (or one line), points sorted by x;
//   - SpecScatter: points;
//   - SpecBar: a bar per row, labelled on the x axis;
//   - SpecHistogram: the value column binned (Sturges' rule, at most 100
//     bins);
//   - SpecLineSeries: one line per lineKey, titled by xname on the x axis;
//   - SpecAreaUnderCurve (PR and ROC curves): one line per class, with a
//     legend and the axis titles of the string fields;
//   - SpecConfusionMatrix: a heat map of nPredictions by Actual (rows) and
//     Predicted (columns), each cell labelled with its count;
//   - any other spec with x and y fields: points.
//
// Rows whose drawn fields are NaN, ±Inf or not numbers are dropped, and the
// title gets a second line that counts them (see Drops.Caption). Values
// beyond ±1e300 are drawn at ±1e300.
func (c *Chart) Plot() (*plot.Plot, error) {
	p, _, err := c.PlotDrops()
	return p, err
}

// PlotDrops is Plot that also returns what was dropped.
func (c *Chart) PlotDrops() (*plot.Plot, Drops, error) {
	p := newPlot()
	var d Drops
	var err error
	switch c.Spec {
	case SpecLine:
		err = c.drawXY(p, &d, "x", "y", "stroke", true, false)
	case SpecScatter:
		err = c.drawXY(p, &d, "x", "y", "", false, false)
	case SpecLineSeries:
		err = c.drawXY(p, &d, "step", "lineVal", "lineKey", true, false)
		if x := c.StringFields["xname"]; x != "" {
			p.X.Label.Text = x
		}
	case SpecAreaUnderCurve:
		err = c.drawXY(p, &d, "x", "y", "class", true, true)
	case SpecBar:
		err = c.drawBars(p, &d)
	case SpecHistogram:
		err = c.drawHistogram(p, &d)
	case SpecConfusionMatrix:
		err = c.drawConfusion(p, &d)
	default:
		if !c.Drawable() {
			return nil, d, fmt.Errorf("plotting: cannot draw spec %q without x and y fields: %w", c.Spec, ErrUnsupportedSpec)
		}
		err = c.drawXY(p, &d, "x", "y", "", false, false)
	}
	if err != nil {
		return nil, d, err
	}
	if t := c.StringFields["x-axis-title"]; t != "" {
		p.X.Label.Text = t
	}
	if t := c.StringFields["y-axis-title"]; t != "" {
		p.Y.Label.Text = t
	}
	p.Title.Text = c.Title
	if caption := d.Caption(); caption != "" {
		if p.Title.Text != "" {
			p.Title.Text += "\n"
		}
		p.Title.Text += caption
	}
	return p, d, nil
}

// Drawable reports whether Plot knows how to draw the chart's spec: one
// of the built-in specs, or any spec with x and y fields.
func (c *Chart) Drawable() bool {
	switch c.Spec {
	case SpecLine, SpecScatter, SpecLineSeries, SpecAreaUnderCurve, SpecBar, SpecHistogram, SpecConfusionMatrix:
		return true
	}
	return c.Fields["x"] != "" && c.Fields["y"] != ""
}

// newPlot is a plot with this package's fixed fonts and sizes.
func newPlot() *plot.Plot {
	p := plot.New()
	p.Title.TextStyle.Font = font.From(plot.DefaultFont, 12)
	p.Title.Padding = vg.Points(6)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(plot.DefaultFont, 11)
		a.Tick.Label.Font = font.From(plot.DefaultFont, 9)
	}
	p.Legend.TextStyle.Font = font.From(plot.DefaultFont, 9)
	p.Legend.Top = true
	return p
}

// column is the index of the column a field names, or -1 for an unset
// field when optional.
func (c *Chart) column(field string, optional bool) (int, error) {
	name, ok := c.Fields[field]
	if !ok || name == "" {
		if optional {
			return -1, nil
		}
		return 0, fmt.Errorf("plotting: %s chart has no %q field: %w", c.Spec, field, ErrInvalidInput)
	}
	i := slices.Index(c.Columns, name)
	if i < 0 {
		if optional {
			return -1, nil
		}
		return 0, fmt.Errorf("plotting: %s chart: field %q names column %q, which the table does not have: %w", c.Spec, field, name, ErrInvalidInput)
	}
	return i, nil
}

func cellAt(row []any, i int) any {
	if i < 0 || i >= len(row) {
		return nil
	}
	return row[i]
}

// number is a numeric cell as a float64.
func number(v any) (float64, bool) {
	switch t := v.(type) {
	case float64:
		return t, true
	case float32:
		return float64(t), true
	case int:
		return float64(t), true
	case int64:
		return float64(t), true
	case int32:
		return float64(t), true
	case int16:
		return float64(t), true
	case int8:
		return float64(t), true
	case uint:
		return float64(t), true
	case uint64:
		return float64(t), true
	case uint32:
		return float64(t), true
	case uint16:
		return float64(t), true
	case uint8:
		return float64(t), true
	}
	return 0, false
}

// cellLabel is how a category cell (stroke, class, label) is shown.
func cellLabel(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(t), 'g', -1, 32)
	}
	return fmt.Sprint(v)
}

func clamp(v float64) float64 { return math.Max(-clampAbs, math.Min(clampAbs, v)) }

// span tracks the data range of an axis.
type span struct{ lo, hi float64 }

func newSpan() span { return span{math.Inf(1), math.Inf(-1)} }

func (s *span) add(v float64) {
	s.lo = math.Min(s.lo, v)
	s.hi = math.Max(s.hi, v)
}

// set gives the axis a range gonum can draw ticks for: a constant or empty
// range is widened around its value.
func (s span) set(a *plot.Axis) {
	lo, hi := s.lo, s.hi
	if lo > hi {
		lo, hi = 0, 1
	}
	mag := math.Max(math.Abs(lo), math.Abs(hi))
	if hi-lo <= mag*1e-9 || hi-lo < 1e-250 {
		pad := mag * 0.05
		if mag < 1e-250 {
			pad = 1
		}
		mid := lo/2 + hi/2
		lo, hi = mid-pad, mid+pad
	}
	a.Min, a.Max = lo, hi
}

type series struct {
	name string
	xys  plotter.XYs
}

// drawXY draws lines (or points) of the x and y fields, one per value of
// the group field.
func (c *Chart) drawXY(p *plot.Plot, d *Drops, xf, yf, gf string, lines, curve bool) error {
	xi, err := c.column(xf, false)
	if err != nil {
		return err
	}
	yi, err := c.column(yf, false)
	if err != nil {
		return err
	}
	gi := -1
	if gf != "" {
		if gi, err = c.column(gf, true); err != nil {
			return err
		}
	}
	p.X.Label.Text, p.Y.Label.Text = c.Columns[xi], c.Columns[yi]
	var all []*series
	byName := map[string]*series{}
	xs, ys := newSpan(), newSpan()
	for _, row := range c.Rows {
		x, okx := number(cellAt(row, xi))
		y, oky := number(cellAt(row, yi))
		if !d.add(x, okx && oky) || !d.add(y, true) {
			continue
		}
		name := ""
		if gi >= 0 {
			name = cellLabel(cellAt(row, gi))
		}
		s := byName[name]
		if s == nil {
			s = &series{name: name}
			byName[name] = s
			all = append(all, s)
		}
		x, y = clamp(x), clamp(y)
		xs.add(x)
		ys.add(y)
		s.xys = append(s.xys, plotter.XY{X: x, Y: y})
	}
	for i, s := range all {
		col := lineColor(i)
		if lines {
			slices.SortStableFunc(s.xys, func(a, b plotter.XY) int {
				switch {
				case a.X < b.X:
					return -1
				case a.X > b.X:
					return 1
				}
				return 0
			})
			l := &plotter.Line{XYs: s.xys, LineStyle: plotter.DefaultLineStyle}
			l.LineStyle.Color = col
			l.LineStyle.Width = vg.Points(1.5)
			p.Add(chunkedLine{l})
			if gi >= 0 {
				p.Legend.Add(s.name, l)
			}
			continue
		}
		sc := &plotter.Scatter{XYs: s.xys, GlyphStyle: draw.GlyphStyle{Color: col, Radius: vg.Points(2), Shape: draw.CircleGlyph{}}}
		p.Add(sc)
	}
	if curve {
		// PR curves fall from the top left, ROC curves rise to it: put the
		// legend where the curves are not.
		p.Legend.Top = false
		p.Legend.Left = c.Fields["x"] == "recall"
	}
	p.Add(newGrid())
	xs.set(&p.X)
	ys.set(&p.Y)
	return nil
}

// chunkedLine draws a long line in pieces of chunk points (each piece
// starting where the last ended): the rasteriser's cost grows faster than
// the length of a path, and a 10,000-point line drawn in one path misses
// the 50 ms budget.
type chunkedLine struct{ *plotter.Line }

const chunk = 128

func (l chunkedLine) Plot(c draw.Canvas, p *plot.Plot) {
	if len(l.XYs) <= chunk {
		l.Line.Plot(c, p)
		return
	}
	cp := *l.Line
	for i := 0; i < len(l.XYs)-1; i += chunk {
		cp.XYs = l.XYs[i:min(i+chunk+1, len(l.XYs))]
		cp.Plot(c, p)
	}
}

func newGrid() *plotter.Grid {
	g := plotter.NewGrid()
	g.Vertical.Color = color.Gray{Y: 0xe0}
	g.Horizontal.Color = color.Gray{Y: 0xe0}
	g.Vertical.Width = vg.Points(0.5)
	g.Horizontal.Width = vg.Points(0.5)
	return g
}

// bars is a bar per category, centred on 0, 1, 2, … with data-unit width.
type bars struct {
	values []float64
	color  color.Color
}

func (b *bars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for i, v := range b.values {
		x0, x1 := trX(float64(i)-0.4), trX(float64(i)+0.4)
		y0, y1 := trY(0), trY(v)
		pts := []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}
		c.FillPolygon(b.color, c.ClipPolygonXY(pts))
	}
}

func (c *Chart) drawBars(p *plot.Plot, d *Drops) error {
	li, err := c.column("label", false)
	if err != nil {
		return err
	}
	vi, err := c.column("value", false)
	if err != nil {
		return err
	}
	p.X.Label.Text, p.Y.Label.Text = c.Columns[li], c.Columns[vi]
	b := &bars{color: colors[0]}
	var names []string
	ys := span{0, 0}
	for _, row := range c.Rows {
		v, ok := number(cellAt(row, vi))
		if !d.add(v, ok) {
			continue
		}
		v = clamp(v)
		ys.add(v)
		b.values = append(b.values, v)
		names = append(names, cellLabel(cellAt(row, li)))
	}
	p.Add(newGrid(), b)
	if len(names) > 0 {
		p.NominalX(names...)
	}
	if len(names) > 8 {
		p.X.Tick.Label.Rotation = math.Pi / 4
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YCenter
	}
	p.X.Min, p.X.Max = -0.5, math.Max(0.5, float64(len(names))-0.5)
	ys.set(&p.Y)
	return nil
}

// histogramBins is Sturges' rule, at most 100.
func histogramBins(n int) int {
	if n <= 1 {
		return 1
	}
	return min(100, int(math.Ceil(math.Log2(float64(n))))+1)
}

func (c *Chart) drawHistogram(p *plot.Plot, d *Drops) error {
	vi, err := c.column("value", false)
	if err != nil {
		return err
	}
	p.X.Label.Text, p.Y.Label.Text = c.Columns[vi], "count"
	var vals []float64
	xs := newSpan()
	for _, row := range c.Rows {
		v, ok := number(cellAt(row, vi))
		if !d.add(v, ok) {
			continue
		}
		v = clamp(v)
		xs.add(v)
		vals = append(vals, v)
	}
	h := &plotter.Histogram{FillColor: colors[0], LineStyle: plotter.DefaultLineStyle}
	h.LineStyle.Color = color.White
	h.LineStyle.Width = vg.Points(0.5)
	ys := span{0, 1}
	if len(vals) > 0 {
		n := histogramBins(len(vals))
		lo, hi := xs.lo, xs.hi
		w := hi/float64(n) - lo/float64(n) // no overflow at ±1e300
		if !(w > 0) {
			n, w = 1, 1
			lo -= 0.5
		}
		h.Width = w
		h.Bins = make([]plotter.HistogramBin, n)
		for i := range h.Bins {
			h.Bins[i].Min = lo + float64(i)*w
			h.Bins[i].Max = lo + float64(i+1)*w
		}
		h.Bins[n-1].Max = math.Max(h.Bins[n-1].Max, hi)
		for _, v := range vals {
			b := int((v/w - lo/w))
			b = max(0, min(n-1, b))
			h.Bins[b].Weight++
		}
		for _, b := range h.Bins {
			ys.add(b.Weight)
		}
		xs = span{h.Bins[0].Min, h.Bins[n-1].Max}
	}
	p.Add(newGrid(), h)
	xs.set(&p.X)
	ys.set(&p.Y)
	return nil
}

// matrix is a confusion matrix as a heat map grid: column c is predicted
// class c, row r is actual class n-1-r (so the first class is on top).
type matrix struct {
	n      int
	counts []float64 // [actual*n + predicted]
}

func (m matrix) Dims() (int, int)    { return m.n, m.n }
func (m matrix) Z(c, r int) float64  { return m.counts[(m.n-1-r)*m.n+c] }
func (m matrix) X(c int) float64     { return float64(c) }
func (m matrix) Y(r int) float64     { return float64(r) }
func (m matrix) Min() float64        { return slices.Min(m.counts) }
func (m matrix) Max() float64        { return slices.Max(m.counts) }
func (m matrix) at(a, p int) float64 { return m.counts[a*m.n+p] }

// blues is a white-to-blue palette (ColorBrewer Blues).
type blues struct{}

func (blues) Colors() []color.Color {
	const n = 64
	lo, hi := [3]float64{247, 251, 255}, [3]float64{8, 48, 107}
	out := make([]color.Color, n)
	for i := range out {
		t := float64(i) / (n - 1)
		var c [3]uint8
		for k := range c {
			c[k] = uint8(math.Round(lo[k] + t*(hi[k]-lo[k])))
		}
		out[i] = color.RGBA{c[0], c[1], c[2], 0xff}
	}
	return out
}

func (c *Chart) drawConfusion(p *plot.Plot, d *Drops) error {
	ai, err := c.column("Actual", false)
	if err != nil {
		return err
	}
	pi, err := c.column("Predicted", false)
	if err != nil {
		return err
	}
	ni, err := c.column("nPredictions", false)
	if err != nil {
		return err
	}
	p.X.Label.Text, p.Y.Label.Text = "Predicted", "Actual"
	var names []string
	index := map[string]int{}
	class := func(v any) int {
		s := cellLabel(v)
		i, ok := index[s]
		if !ok {
			i = len(names)
			index[s] = i
			names = append(names, s)
		}
		return i
	}
	type cell struct {
		a, p int
		v    float64
	}
	var cells []cell
	for _, row := range c.Rows {
		v, ok := number(cellAt(row, ni))
		if !d.add(v, ok) {
			continue
		}
		cells = append(cells, cell{class(cellAt(row, ai)), class(cellAt(row, pi)), clamp(v)})
	}
	m := matrix{n: len(names), counts: make([]float64, len(names)*len(names))}
	for _, cl := range cells {
		i := cl.a*m.n + cl.p
		m.counts[i] = clamp(m.counts[i] + cl.v) // a sum may overflow
	}
	if m.n == 0 {
		p.HideAxes()
		return nil
	}
	pal := blues{}
	h := plotter.NewHeatMap(m, pal)
	if h.Max <= h.Min {
		h.Max = h.Min + 1
	}
	p.Add(h)
	var xys plotter.XYs
	var labels []string
	var styles []text.Style
	for r := range m.n {
		a := m.n - 1 - r
		for pc := range m.n {
			v := m.at(a, pc)
			xys = append(xys, plotter.XY{X: float64(pc), Y: float64(r)})
			labels = append(labels, strconv.FormatFloat(v, 'g', 6, 64))
			txt := color.Color(color.Black)
			if (v-h.Min)/(h.Max-h.Min) > 0.5 {
				txt = color.White
			}
			styles = append(styles, text.Style{
				Color:   txt,
				Font:    font.From(plot.DefaultFont, 9),
				XAlign:  draw.XCenter,
				YAlign:  draw.YCenter,
				Handler: p.TextHandler,
			})
		}
	}
	lb := &plotter.Labels{XYs: xys, Labels: labels, TextStyle: styles}
	p.Add(lb)
	p.NominalX(names...)
	rev := slices.Clone(names)
	slices.Reverse(rev)
	p.NominalY(rev...)
	if m.n > 8 {
		p.X.Tick.Label.Rotation = math.Pi / 4
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YCenter
	}
	p.X.Min, p.X.Max = -0.5, float64(m.n)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(m.n)-0.5
	return nil
}

// Render draws the chart (see Plot) as "png" or "svg", width × height
// pixels (at DPI; an SVG is sized in points, 3/4 of the pixels).
func (c *Chart) Render(w io.Writer, format string, width, height int) error {
	p, err := c.Plot()
	if err != nil {
		return err
	}
	return RenderPlot(w, p, format, width, height)
}

// drawPlot draws p with a blank border (gonum/plot draws edge to edge),
// filled with the plot's background.
func drawPlot(p *plot.Plot, c draw.Canvas) {
	if p.BackgroundColor != nil {
		c.SetColor(p.BackgroundColor)
		c.Fill(c.Rectangle.Path())
	}
	m := vg.Points(6)
	p.Draw(draw.Crop(c, m, -m, m, -m))
}

// RenderPlot draws any gonum plot as "png" or "svg", width × height pixels
// at DPI. A panic inside gonum/plot (a plot it cannot draw) is returned
// as an error.
func RenderPlot(w io.Writer, p *plot.Plot, format string, width, height int) (err error) {
	if p == nil {
		return fmt.Errorf("plotting: render: nil plot: %w", ErrInvalidInput)
	}
	if width <= 0 || height <= 0 || width > MaxPixels || height > MaxPixels {
		return fmt.Errorf("plotting: render: size %d×%d must be 1 to %d pixels a side: %w", width, height, MaxPixels, ErrInvalidInput)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("plotting: render: gonum/plot failed: %v: %w", r, ErrInvalidInput)
		}
	}()
	wl := vg.Length(width) * vg.Inch / DPI
	hl := vg.Length(height) * vg.Inch / DPI
	switch format {
	case "png":
		cv := vgimg.NewWith(vgimg.UseWH(wl, hl), vgimg.UseDPI(DPI))
		drawPlot(p, draw.New(cv))
		enc := png.Encoder{CompressionLevel: png.BestSpeed}
		if err := enc.Encode(w, cv.Image()); err != nil {
			return fmt.Errorf("plotting: render: %w", err)
		}
		return nil
	case "svg":
		cv := vgsvg.New(wl, hl)
		drawPlot(p, draw.New(cv))
		if _, err := cv.WriteTo(w); err != nil {
			return fmt.Errorf("plotting: render: %w", err)
		}
		return nil
	}
	return fmt.Errorf("plotting: render: format %q: must be png or svg: %w", format, ErrInvalidInput)
}
