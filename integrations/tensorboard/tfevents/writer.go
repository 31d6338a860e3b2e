package tfevents

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// WriterOption configures a Writer.
type WriterOption func(*writerConfig)

type writerConfig struct {
	now      func() time.Time
	legacy   bool
	hostname string
	suffix   string
}

// WithClock sets the clock that stamps events and names files (default
// time.Now).
func WithClock(now func() time.Time) WriterOption {
	return func(c *writerConfig) { c.now = now }
}

// Legacy makes the Write helpers write TF1 summaries: simple_value for
// scalars, HistogramProto for histograms and one Summary.Image per image
// (tags "<tag>/image/<i>" when there are several), as TensorFlow 1,
// PyTorch and tensorboardX do. Text and PR curves are tensors either way.
func Legacy(on bool) WriterOption { return func(c *writerConfig) { c.legacy = on } }

// WithHostname sets the host part of the file name Create makes (default
// os.Hostname).
func WithHostname(host string) WriterOption { return func(c *writerConfig) { c.hostname = host } }

// WithFileSuffix adds a suffix to the file name Create makes (TensorFlow 2
// adds ".<pid>.<n>.v2").
func WithFileSuffix(suffix string) WriterOption { return func(c *writerConfig) { c.suffix = suffix } }

// Writer writes an event file. Its methods are not safe for concurrent use.
// Writes are buffered: Flush or Close makes them visible to readers.
// After a write error every later call returns the same error.
type Writer struct {
	bw     *bufio.Writer
	closer io.Closer
	path   string
	cfg    writerConfig
	seen   map[string]bool // tags whose plugin metadata has been written
	buf    []byte
	err    error
	closed bool
}

// NewWriter starts an event file on w: it writes the file_version event.
func NewWriter(w io.Writer, opts ...WriterOption) (*Writer, error) {
	cfg := writerConfig{now: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	wr := &Writer{bw: bufio.NewWriterSize(w, 64<<10), cfg: cfg, seen: map[string]bool{}}
	if err := wr.WriteEvent(Event{WallTime: wr.wallTime(), FileVersion: FileVersion}); err != nil {
		return nil, err
	}
	return wr, nil
}

// FileName is the name TensorBoard gives an event file:
// events.out.tfevents.<unix seconds>.<host><suffix>.
func FileName(t time.Time, host, suffix string) string {
	return "events.out.tfevents." + strconv.FormatInt(t.Unix(), 10) + "." + host + suffix
}

// Create makes dir (if needed) and a new event file in it, named by
// FileName. Close closes the file.
func Create(dir string, opts ...WriterOption) (*Writer, error) {
	cfg := writerConfig{now: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.hostname == "" {
		h, err := os.Hostname()
		if err != nil {
			return nil, fmt.Errorf("tfevents: create: %w", err)
		}
		cfg.hostname = h
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("tfevents: create: %w", err)
	}
	path := filepath.Join(dir, FileName(cfg.now(), cfg.hostname, cfg.suffix))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("tfevents: create: %w", err)
	}
	w, err := NewWriter(f, append(opts, WithClock(cfg.now))...)
	if err != nil {
		f.Close()
		return nil, err
	}
	w.closer, w.path = f, path
	return w, nil
}

// Path is the file Create made, or "".
func (w *Writer) Path() string { return w.path }

func (w *Writer) wallTime() float64 {
	return float64(w.cfg.now().UnixNano()) / 1e9
}

// WriteRecord frames data as one record, whatever it holds.
func (w *Writer) WriteRecord(data []byte) error {
	if w.err != nil {
		return w.err
	}
	w.buf = appendRecord(w.buf[:0], data)
	if _, err := w.bw.Write(w.buf); err != nil {
		w.err = fmt.Errorf("tfevents: write: %w", err)
	}
	return w.err
}

// WriteEvent writes ev as it is (see EncodeEvent).
func (w *Writer) WriteEvent(ev Event) error {
	if w.err != nil {
		return w.err
	}
	data, err := EncodeEvent(ev)
	if err != nil {
		return err
	}
	return w.WriteRecord(data)
}

// writeValue writes one value at step, stamped now. Plugin metadata goes
// with a tag's first value only, as TensorFlow writes it.
func (w *Writer) writeValue(step int64, v Value) error {
	if v.Plugin != "" {
		if w.seen[v.Tag] {
			// Keep the plugin's tensor layout, leave the metadata out.
			if v.Tensor == nil {
				t, err := pluginTensor(v)
				if err != nil {
					return fmt.Errorf("tfevents: %q: %w", v.Tag, err)
				}
				v.Tensor = t
			}
			v.Plugin, v.PluginContent = "", nil
		} else {
			w.seen[v.Tag] = true
		}
	}
	return w.WriteEvent(Event{WallTime: w.wallTime(), Step: step, Values: []Value{v}})
}

// WriteScalar writes a scalar: a rank-0 float tensor of the scalars
// plugin (tf.summary.scalar), or with Legacy a simple_value. Both store
// float32, as TensorFlow does.
func (w *Writer) WriteScalar(tag string, step int64, v float64) error {
	if w.cfg.legacy {
		return w.writeValue(step, Value{Tag: tag, Kind: KindScalar, Scalar: v})
	}
	return w.writeValue(step, Value{Tag: tag, Kind: KindScalar, Plugin: PluginScalars, Scalar: v})
}

// WriteHistogram writes a histogram: a [k,3] tensor of the histograms
// plugin (tf.summary.histogram), or with Legacy a HistogramProto (see
// NewHistogram).
func (w *Writer) WriteHistogram(tag string, step int64, h Histogram) error {
	if w.cfg.legacy {
		return w.writeValue(step, Value{Tag: tag, Kind: KindHistogram, Histogram: &h})
	}
	return w.writeValue(step, Value{Tag: tag, Kind: KindHistogram, Plugin: PluginHistograms, Histogram: &h})
}

// WriteImage writes encoded images (PNG for TensorBoard) of one size: a
// string tensor of the images plugin (tf.summary.image), or with Legacy one
// Summary.Image per image, tagged "<tag>/image/<i>" when there are several
// (TF1's naming).
func (w *Writer) WriteImage(tag string, step int64, ims ...Image) error {
	if len(ims) == 0 {
		return errors.New("tfevents: write image: no image")
	}
	if !w.cfg.legacy {
		return w.writeValue(step, Value{Tag: tag, Kind: KindImage, Plugin: PluginImages, Images: ims})
	}
	ev := Event{WallTime: w.wallTime(), Step: step}
	for i, im := range ims {
		t := tag
		if len(ims) > 1 {
			t = tag + "/image/" + strconv.Itoa(i)
		}
		ev.Values = append(ev.Values, Value{Tag: t, Kind: KindImage, Images: []Image{im}})
	}
	return w.WriteEvent(ev)
}

// WriteText writes text, a string tensor of the text plugin
// (tf.summary.text): rank 0 for one string, a vector for several.
func (w *Writer) WriteText(tag string, step int64, text ...string) error {
	return w.writeValue(step, Value{Tag: tag, Kind: KindText, Plugin: PluginText, Text: text})
}

// WritePRCurve writes a precision-recall curve, the [6,n] tensor of the
// pr_curves plugin.
func (w *Writer) WritePRCurve(tag string, step int64, c PRCurve) error {
	return w.writeValue(step, Value{Tag: tag, Kind: KindPRCurve, Plugin: PluginPRCurves,
		PluginContent: prCurveContent(len(c.Precision)), PRCurve: &c})
}

// WriteTensor writes a tensor summary with the given plugin name ("" for
// none).
func (w *Writer) WriteTensor(tag string, step int64, plugin string, t *Tensor) error {
	if t == nil {
		return errors.New("tfevents: write tensor: nil tensor")
	}
	return w.writeValue(step, Value{Tag: tag, Kind: KindTensor, Plugin: plugin, Tensor: t})
}

// Flush writes buffered records to the underlying writer.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if err := w.bw.Flush(); err != nil {
		w.err = fmt.Errorf("tfevents: flush: %w", err)
	}
	return w.err
}

// Close flushes and, for a Writer made by Create, closes the file. It is
// safe to call twice.
func (w *Writer) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	err := w.Flush()
	if w.closer != nil {
		if cerr := w.closer.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("tfevents: close: %w", cerr)
		}
		w.closer = nil
	}
	if w.err == nil {
		w.err = errors.New("tfevents: writer is closed")
	}
	return err
}
