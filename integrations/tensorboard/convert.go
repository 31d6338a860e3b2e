package tensorboard

import (
	"fmt"
	"math"
	"strings"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/integrations/tensorboard/tfevents"
)

// GlobalStepKey is the history key of the TensorBoard step. It is a root
// key: the namespace is not added to it (W&B since PR #12372).
const GlobalStepKey = "global_step"

// ValueKind is what a converted Value holds.
type ValueKind uint8

// Converted value kinds.
const (
	// Number is a scalar: Value.Number.
	Number ValueKind = iota + 1
	// Text is a string: Value.Text.
	Text
	// Histogram is a W&B histogram (at most wandb.MaxHistogramBins bins):
	// Value.Histogram.
	Histogram
	// Images are encoded images, logged as W&B images: Value.Images.
	Images
	// PRCurve is a precision-recall curve, logged as a table and a chart:
	// Value.PRCurve.
	PRCurve
)

var valueKindNames = [...]string{"", "number", "text", "histogram", "images", "prcurve"}

func (k ValueKind) String() string {
	if int(k) < len(valueKindNames) && k > 0 {
		return valueKindNames[k]
	}
	return fmt.Sprintf("ValueKind(%d)", k)
}

// Value is one converted value. It holds data only (no run), so that it can
// cross a process boundary.
type Value struct {
	Kind      ValueKind
	Number    float64
	Text      string
	Histogram *wandb.Histogram
	Images    []tfevents.Image
	PRCurve   *Curve
}

// Curve is a precision-recall curve: the rows of its table.
type Curve struct {
	Recall, Precision []float64
}

// ChartTitle is the title W&B gives the chart of the PR curve logged under
// key.
func ChartTitle(key string) string { return key + " Precision v. Recall" }

// Row is one W&B history row: the values of consecutive events with the
// same TensorBoard step.
type Row struct {
	// Step is the TensorBoard step, logged as GlobalStepKey.
	Step int64
	// WallTime is the last merged event's wall_time, logged as _timestamp.
	WallTime float64
	// Values are by history key: the tag with the namespace prefix.
	Values map[string]Value
}

// Converter turns events into rows (wandb-behaviour.md §9.1): keys are tags
// with the namespace prefix ("<namespace>/<tag>"); consecutive events with
// the same step make one row; scalars become numbers, histograms W&B
// histograms re-binned to at most wandb.MaxHistogramBins bins (an empty,
// left-open first bucket dropped), images images, text strings and PR
// curves tables with a chart. Events without such values (the file
// version, graphs, unknown plugins) add nothing and do not end a row.
//
// A Converter is not safe for concurrent use; use one per event stream
// (log directory).
type Converter struct {
	namespace string
	warn      func(string)
	pending   Row
	has       bool
	warned    map[string]bool
	keys      map[string]string // tag -> key, when there is a namespace
}

// NewConverter returns a Converter whose keys are prefixed with
// namespace + "/" ("" for none). warn, if not nil, receives a line for each
// value that cannot be converted (once per key and reason).
func NewConverter(namespace string, warn func(msg string)) *Converter {
	return &Converter{namespace: strings.Trim(namespace, "/"), warn: warn, warned: map[string]bool{}, keys: map[string]string{}}
}

// Namespace is the key prefix (without the "/").
func (c *Converter) Namespace() string { return c.namespace }

// Key is the history key of a tag.
func (c *Converter) Key(tag string) string {
	if c.namespace == "" {
		return tag
	}
	if k, ok := c.keys[tag]; ok {
		return k
	}
	k := c.namespace + "/" + tag
	if len(c.keys) < 1<<16 {
		c.keys[tag] = k
	}
	return k
}

// Add converts ev. When ev starts a new step, the previous step's row is
// complete and returned with ok true.
func (c *Converter) Add(ev tfevents.Event) (done Row, ok bool) {
	if !convertible(ev) {
		for i := range ev.Values {
			if ev.Values[i].Kind == tfevents.KindTensor {
				c.convert(&ev.Values[i]) // warns about a plugin value out of layout
			}
		}
		return Row{}, false
	}
	if c.has && ev.Step != c.pending.Step {
		done, ok = c.take()
	}
	if !c.has {
		c.pending = Row{Step: ev.Step, Values: make(map[string]Value, len(ev.Values)+4)}
		c.has = true
	}
	c.pending.WallTime = ev.WallTime
	for i := range ev.Values {
		c.convert(&ev.Values[i])
	}
	return done, ok
}

// Flush returns the pending row, if any, and forgets it.
func (c *Converter) Flush() (Row, bool) { return c.take() }

// take hands out the pending row; a row whose every value failed to
// convert is dropped.
func (c *Converter) take() (Row, bool) {
	if !c.has {
		return Row{}, false
	}
	c.has = false
	if len(c.pending.Values) == 0 {
		return Row{}, false
	}
	return c.pending, true
}

// convertible reports whether ev holds a value that can make a row.
func convertible(ev tfevents.Event) bool {
	for i := range ev.Values {
		v := &ev.Values[i]
		switch v.Kind {
		case tfevents.KindScalar, tfevents.KindText, tfevents.KindHistogram, tfevents.KindPRCurve:
			return true
		case tfevents.KindImage:
			if len(v.Images) > 0 {
				return true
			}
		}
	}
	return false
}

// convert adds v to the pending row, or warns why it cannot.
func (c *Converter) convert(v *tfevents.Value) {
	if v.Tag == "" {
		c.warnf("", "a summary value without a tag is left out")
		return
	}
	key := c.Key(v.Tag)
	var cv Value
	switch v.Kind {
	case tfevents.KindScalar:
		cv = Value{Kind: Number, Number: v.Scalar}
	case tfevents.KindText:
		cv = Value{Kind: Text, Text: strings.Join(v.Text, "\n")}
	case tfevents.KindImage:
		if len(v.Images) == 0 {
			return
		}
		cv = Value{Kind: Images, Images: v.Images}
	case tfevents.KindHistogram:
		h, err := convertHistogram(v.Histogram)
		if err != nil {
			c.warnf(key, "histogram %q left out: %v", key, err)
			return
		}
		if h == nil {
			return // a histogram of no data
		}
		cv = Value{Kind: Histogram, Histogram: h}
	case tfevents.KindPRCurve:
		p := v.PRCurve
		cv = Value{Kind: PRCurve, PRCurve: &Curve{Recall: p.Recall, Precision: p.Precision}}
	case tfevents.KindTensor:
		if v.Plugin != "" && knownPlugin(v.Plugin) {
			c.warnf(key, "%s value %q left out: its tensor (dtype %d, shape %v) is not in the plugin's layout", v.Plugin, key, v.Tensor.DType, v.Tensor.Shape)
		}
		return
	default:
		return
	}
	c.pending.Values[key] = cv
}

func knownPlugin(p string) bool {
	switch p {
	case tfevents.PluginScalars, tfevents.PluginHistograms, tfevents.PluginImages, tfevents.PluginText, tfevents.PluginPRCurves:
		return true
	}
	return false
}

func (c *Converter) warnf(key, format string, args ...any) {
	if c.warn == nil {
		return
	}
	id := key + "\x00" + format
	if c.warned[id] {
		return
	}
	c.warned[id] = true
	c.warn("tensorboard: " + fmt.Sprintf(format, args...))
}

// convertHistogram makes a W&B histogram of a TensorBoard one: a left-open
// first bucket (-Inf) is dropped when empty, else closed at Min (W&B's
// rule); likewise a right-open last one (+Inf) with Max; more than
// wandb.MaxHistogramBins buckets are re-binned. nil, nil is a histogram of
// no data.
func convertHistogram(h *tfevents.Histogram) (*wandb.Histogram, error) {
	if h == nil {
		return nil, fmt.Errorf("no histogram")
	}
	edges, counts := h.Edges, h.Counts
	if len(edges) != len(counts)+1 {
		return nil, fmt.Errorf("%d edges for %d buckets", len(edges), len(counts))
	}
	if len(counts) == 0 {
		return nil, nil
	}
	if math.IsInf(edges[0], -1) {
		switch {
		case counts[0] == 0:
			edges, counts = edges[1:], counts[1:]
		case h.Min < edges[1]:
			edges = append([]float64{h.Min}, edges[1:]...)
		default:
			return nil, fmt.Errorf("the first bucket holds %v values below %v but the minimum is %v", counts[0], edges[1], h.Min)
		}
	}
	if n := len(counts); n > 0 && math.IsInf(edges[n], 1) {
		switch {
		case counts[n-1] == 0:
			edges, counts = edges[:n], counts[:n-1]
		case h.Max > edges[n-1]:
			edges = append(append([]float64(nil), edges[:n]...), h.Max)
		default:
			return nil, fmt.Errorf("the last bucket holds %v values above %v but the maximum is %v", counts[n-1], edges[n-1], h.Max)
		}
	}
	if len(counts) == 0 {
		return nil, nil
	}
	for _, x := range edges {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("bucket edge %v", x)
		}
	}
	if len(counts) > wandb.MaxHistogramBins {
		edges, counts = Rebin(edges, counts, wandb.MaxHistogramBins)
	} else {
		edges, counts = append([]float64(nil), edges...), append([]float64(nil), counts...)
	}
	// The shape is right by construction (what NewHistogramFromCounts
	// checks by encoding it).
	return &wandb.Histogram{Values: counts, Bins: edges}, nil
}
