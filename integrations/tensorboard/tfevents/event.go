package tfevents

import "fmt"

// FileVersion is the file_version of the first event of a file.
const FileVersion = "brain.Event:2"

// Event is one tensorflow.Event: a step of summary values, or a record
// about the file (its version, the graph).
type Event struct {
	// WallTime is when the event was written, in seconds since the Unix
	// epoch.
	WallTime float64
	// Step is the global step.
	Step int64
	// FileVersion is set on the first event of a file ("brain.Event:2").
	FileVersion string
	// Values are the summary values, in file order.
	Values []Value
	// Other lists the numbers of the Event fields that were present but not
	// decoded: 4 graph_def, 6 log_message, 7 session_log,
	// 8 tagged_run_metadata, 9 meta_graph_def, 10 source_metadata.
	Other []int
}

// Kind is what a Value holds.
type Kind uint8

// Value kinds.
const (
	// KindOther is a value this package does not decode (legacy audio,
	// old-style histograms).
	KindOther Kind = iota
	// KindScalar is a number: Value.Scalar.
	KindScalar
	// KindHistogram is a distribution: Value.Histogram.
	KindHistogram
	// KindImage is one or more encoded images: Value.Images.
	KindImage
	// KindText is text: Value.Text.
	KindText
	// KindTensor is a tensor of no known plugin layout: Value.Tensor.
	KindTensor
	// KindPRCurve is a precision-recall curve: Value.PRCurve.
	KindPRCurve
)

var kindNames = [...]string{"other", "scalar", "histogram", "image", "text", "tensor", "prcurve"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// TensorBoard plugin names.
const (
	PluginScalars    = "scalars"
	PluginHistograms = "histograms"
	PluginImages     = "images"
	PluginText       = "text"
	PluginPRCurves   = "pr_curves"
)

// Value is one summary value of an Event.
type Value struct {
	// Tag names the value (TF1's node_name when the tag is empty).
	Tag string
	// Kind says which of the fields below holds the data.
	Kind Kind
	// Plugin is the TensorBoard plugin the value belongs to: the metadata's
	// plugin name, or the one given earlier in the file for the same tag.
	Plugin string
	// PluginContent is the plugin's own data, on the value that carried the
	// metadata only.
	PluginContent []byte
	// DisplayName is the metadata's display name, if any.
	DisplayName string

	Scalar    float64
	Histogram *Histogram
	Images    []Image
	Text      []string // the elements of a text tensor, row-major; one for a rank-0 tensor
	PRCurve   *PRCurve
	// Tensor holds a KindTensor value: a tensor of no plugin this package
	// knows, or one not in its plugin's layout. Values of the other kinds
	// keep their data in their own field (a TF2 scalar's tensor is read
	// into Scalar, and so on). When encoding, a Tensor is written as it is.
	Tensor *Tensor
}

// Histogram is a TensorBoard histogram: Counts[i] values fell between
// Edges[i] and Edges[i+1] (len(Edges) == len(Counts)+1).
//
// A TF1 HistogramProto has bucket limits (right edges) only, and its first
// bucket runs from -∞, so its Edges[0] is -Inf; Min, Max, Num, Sum and
// SumSquares are its statistics. A TF2 histogram tensor has left and right
// edges and no statistics.
type Histogram struct {
	Edges  []float64
	Counts []float64

	Min, Max, Num, Sum, SumSquares float64
}

// Image is an encoded image (PNG as TensorBoard writes them; TF1 files may
// hold other formats).
type Image struct {
	Width, Height int
	// Colorspace is TF1's: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA, 5 DIGITAL_YUV,
	// 6 BGRA; 0 when not known.
	Colorspace int
	Encoded    []byte
}

// PRCurve is a precision-recall curve: one entry per threshold.
type PRCurve struct {
	// The counts and ratios of the pr_curves plugin's [6,n] tensor. A
	// tensor of other than 6 rows gives only Precision and Recall (its last
	// two rows, which is where pr_curves keeps them).
	TruePositives, FalsePositives, TrueNegatives, FalseNegatives []float64
	Precision, Recall                                            []float64
	// NumThresholds is the plugin data's, or len(Precision).
	NumThresholds int
}
