package runstate

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gowandb/wandb/core/record"
	"github.com/gowandb/wandb/core/record/recordpb"
)

// ErrStepNotMonotonic is returned (when Strict is set) for a log call whose
// step is lower than the run's current step. The data of that call is
// dropped either way.
var ErrStepNotMonotonic = errors.New("step is lower than the current step; steps must increase monotonically")

// Emitter receives encoded records (recordpb.Record bytes) in order. It is
// called from Drain, never concurrently, and must copy b before returning.
type Emitter func(b []byte)

// Options configure a Handler.
type Options struct {
	// StartTime is the run's start; _runtime counts from it.
	StartTime time.Time
	// StartingStep is the first step (a resumed run continues its steps).
	StartingStep int64
	// RuntimeOffset is added to _runtime (a resumed run's earlier runtime).
	RuntimeOffset time.Duration
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
	// FilesDir is where media are written when logged.
	FilesDir string
	// Strict makes a non-monotonic step an error (the data is dropped either way).
	Strict bool
	// Warn reports problems that do not fail a call (dropped steps).
	Warn func(msg string)
	// Emit receives every record.
	Emit Emitter
	// OnFiles is called with files (relative to FilesDir) written by media.
	OnFiles func(paths []string)
	// OnConfig sets a nested config value on behalf of media (Binding's
	// SetConfig). It runs in Drain and may emit records.
	OnConfig func(path []string, value any)
	// Kick asks the consumer to call Drain soon (the queue is filling up).
	// It must not block.
	Kick func()
}

// Handler applies W&B's log, summary and define_metric rules and emits
// records. It is safe for concurrent use.
type Handler struct {
	mu      sync.Mutex // guards the fields up to closed
	room    *sync.Cond
	opts    Options
	now     func() time.Time
	step    int64
	num     int64
	pending row
	q       queue
	kicked  bool
	metrics *Metrics
	// lastStep holds the last value of each step metric, for step_sync.
	lastStep map[string]Value
	dropped  int64
	rows     int64
	closed   bool

	// drain.mu guards the fields below (the Drain stage).
	drain   drainState
	summary *Summary
	enc     record.HistoryEncoder
	vbuf    []byte
}

// NewHandler returns a handler starting at opts.StartingStep.
func NewHandler(opts Options) *Handler {
	h := &Handler{opts: opts, now: opts.Now, step: opts.StartingStep}
	if h.now == nil {
		h.now = time.Now
	}
	if h.opts.Emit == nil {
		h.opts.Emit = func([]byte) {}
	}
	h.room = sync.NewCond(&h.mu)
	h.summary = newSummary()
	h.metrics = newMetrics()
	h.lastStep = map[string]Value{}
	h.pending.index = map[string]int{}
	return h
}

// item is one leaf of a history row.
type item struct {
	key   string   // top-level key
	path  []string // nil for a top-level leaf, else the full path
	val   Value
	media Binder // for KindMedia: bound in Drain
}

func (it *item) pathKey() string {
	if it.path == nil {
		return it.key
	}
	return strings.Join(it.path, "\x00")
}

// row is the pending (uncommitted) history row.
type row struct {
	items []item
	index map[string]int // pathKey → position, maintained only when merging
	// merging is set while items may repeat keys already in the row.
	merging bool
}

func (r *row) reset() {
	clear(r.items)
	r.items = r.items[:0]
	if r.merging {
		clear(r.index)
		r.merging = false
	}
}

func (r *row) startMerge() {
	if r.merging || len(r.items) == 0 {
		return
	}
	r.merging = true
	for i := range r.items {
		r.index[r.items[i].pathKey()] = i
	}
}

func (r *row) set(it item) {
	if !r.merging {
		r.items = append(r.items, it)
		return
	}
	k := it.pathKey()
	if i, ok := r.index[k]; ok {
		r.items[i] = it
		return
	}
	r.index[k] = len(r.items)
	r.items = append(r.items, it)
}

func (r *row) has(pathKey string) bool {
	for i := range r.items {
		if r.items[i].pathKey() == pathKey {
			return true
		}
	}
	return false
}

// LogOptions are the step and commit arguments of log.
type LogOptions struct {
	Step      int64
	HasStep   bool
	Commit    bool
	HasCommit bool
}

// Log applies one log call (wandb-behaviour.md §3.1). Values that cannot be
// converted are left out and reported in the returned error (wrapping
// ErrUnsupportedType or ErrInvalidValue); the other keys still land.
func (h *Handler) Log(data map[string]any, o LogOptions) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return errClosed
	}
	h.waitRoomLocked()
	if o.HasStep {
		switch {
		case o.Step < h.step:
			h.dropped++
			msg := fmt.Sprintf("tried to log to step %d that is less than the current step %d; steps must be monotonically increasing, so this data will be ignored", o.Step, h.step)
			if h.opts.Warn != nil {
				h.opts.Warn(msg)
			}
			if h.opts.Strict {
				return fmt.Errorf("log to step %d, current step %d: %w", o.Step, h.step, ErrStepNotMonotonic)
			}
			return nil
		case o.Step > h.step:
			h.flushLocked(false)
			h.step = o.Step
		}
	}
	if len(h.pending.items) > 0 {
		h.pending.startMerge()
	}
	var errs []error
	for k, v := range data {
		if err := h.addLocked(k, v); err != nil {
			errs = append(errs, err)
		}
	}
	commit := !o.HasStep
	if o.HasCommit {
		commit = o.Commit
	}
	if commit {
		h.flushLocked(true)
	}
	if errs != nil {
		return errors.Join(errs...)
	}
	return nil
}

var errClosed = errors.New("run is finished")

// ErrClosed is returned by calls after Close.
func ErrClosed() error { return errClosed }

func checkKey(k string) error {
	if k == "" {
		return fmt.Errorf("empty key: %w", ErrInvalidValue)
	}
	if !utf8.ValidString(k) {
		return fmt.Errorf("key %q is not valid UTF-8: %w", k, ErrInvalidValue)
	}
	return nil
}

// addLocked converts one top-level value into leaves of the pending row.
func (h *Handler) addLocked(k string, v any) error {
	if err := checkKey(k); err != nil {
		return err
	}
	if k == "_step" || k == "_runtime" {
		return nil // set by the run, as in W&B
	}
	if sv, ok := ConvertScalar(v); ok {
		h.pending.set(item{key: k, val: sv})
		return nil
	}
	switch t := v.(type) {
	case map[string]any:
		return h.addNested(k, []string{k}, t, 0)
	case Binder:
		h.addMediaLocked(k, nil, t)
		return nil
	}
	if list, ok := asMediaList(v); ok {
		h.addMediaLocked(k, nil, list)
		return nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Map && rv.Type().Key().Kind() == reflect.String && rv.Len() > 0 {
		m := make(map[string]any, rv.Len())
		for _, mk := range rv.MapKeys() {
			m[mk.String()] = rv.MapIndex(mk).Interface()
		}
		return h.addNested(k, []string{k}, m, 0)
	}
	val, err := Convert(k, v)
	if err != nil {
		return err
	}
	h.pending.set(item{key: k, val: val})
	return nil
}

func (h *Handler) addNested(top string, path []string, m map[string]any, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("key %q: nested deeper than %d levels: %w", strings.Join(path, "."), maxDepth, ErrInvalidValue)
	}
	if len(m) == 0 {
		p := append([]string(nil), path...)
		h.pending.set(item{key: top, path: p, val: Value{Kind: KindJSON, Str: "{}"}})
		return nil
	}
	var errs []error
	for k, v := range m {
		if err := checkKey(k); err != nil {
			errs = append(errs, fmt.Errorf("under %q: %w", strings.Join(path, "."), err))
			continue
		}
		p := append(path[:len(path):len(path)], k)
		if sub, ok := v.(map[string]any); ok {
			if err := h.addNested(top, p, sub, depth+1); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		name := strings.Join(p, ".")
		if b, ok := v.(Binder); ok {
			h.addMediaLocked(top, p, b)
			continue
		}
		if list, ok := asMediaList(v); ok {
			h.addMediaLocked(top, p, list)
			continue
		}
		val, err := Convert(name, v)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		h.pending.set(item{key: top, path: p, val: val})
	}
	return errors.Join(errs...)
}

// addMediaLocked queues a media value: its files are written and its JSON
// made in Drain, on the writer's goroutine, at the step the row commits at.
func (h *Handler) addMediaLocked(top string, path []string, b Binder) {
	h.pending.set(item{key: top, path: path, val: Value{Kind: KindMedia}, media: b})
}

// mediaList is a list of media logged under one key (W&B's
// images/separated and friends): the first element's type binds them all.
type mediaList struct {
	first ListBinder
	items []Binder
}

func (m mediaList) BindToRun(b Binding) ([]byte, []string, error) {
	return m.first.BindListToRun(b, m.items)
}

// asMediaList recognises a slice whose elements are all media.
func asMediaList(v any) (Binder, bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array || rv.Len() == 0 {
		return nil, false
	}
	items := make([]Binder, rv.Len())
	for i := range items {
		b, ok := rv.Index(i).Interface().(Binder)
		if !ok || b == nil {
			return nil, false
		}
		items[i] = b
	}
	first, ok := items[0].(ListBinder)
	if !ok {
		return nil, false
	}
	return mediaList{first: first, items: items}, true
}

// binding describes where a media value is being bound.
func (h *Handler) binding(key string, step int64) Binding {
	b := Binding{FilesDir: h.opts.FilesDir, Key: key, Step: step, SetConfig: h.opts.OnConfig}
	if h.opts.Warn != nil {
		b.Warn = func(msg string) { h.opts.Warn(fmt.Sprintf("key %q: %s", key, msg)) }
	}
	return b
}

// bindMedia runs in Drain: it writes a media value's files and returns its
// JSON. A failure is reported through Options.Warn and the key is left out
// of the row.
func (h *Handler) bindMedia(it *item, step int64) (Value, bool) {
	key := it.key
	if it.path != nil {
		key = strings.Join(it.path, "/")
	}
	j, files, err := it.media.BindToRun(h.binding(key, step))
	if err == nil && len(j) > MaxValueBytes {
		err = fmt.Errorf("JSON of %d bytes is over the %d-byte limit: %w", len(j), MaxValueBytes, ErrInvalidValue)
	}
	if err != nil {
		if h.opts.Warn != nil {
			h.opts.Warn(fmt.Sprintf("key %q at step %d was not logged: %v", key, step, err))
		}
		return Value{}, false
	}
	if len(files) > 0 {
		fr := &recordpb.FilesRecord{}
		for _, f := range files {
			fr.Files = append(fr.Files, &recordpb.FilesItem{Path: f, Policy: recordpb.FilesItem_NOW, Type: recordpb.FilesItem_MEDIA})
		}
		// Media records are numbered after the rows queued with them; the
		// number only orders records, and Drain emits in order.
		h.opts.Emit(mustMarshal(&recordpb.Record{RecordType: &recordpb.Record_Files{Files: fr}}))
		if h.opts.OnFiles != nil {
			h.opts.OnFiles(files)
		}
	}
	return Value{Kind: KindJSON, Str: string(j)}, true
}

// emitLocked encodes and emits a record built with recordpb.
func (h *Handler) emitLocked(r *recordpb.Record) {
	h.num++
	r.Num = h.num
	b, err := record.Marshal(r)
	if err != nil {
		// Records built here always marshal; a failure is a programming error.
		panic(err)
	}
	h.queueRawLocked(b)
}

// Emit numbers and emits a record built by the caller (run, config, files…)
// in order with the history.
// After Close it does nothing: the exit record is the last one.
//
// Callbacks that Drain runs (Options.OnConfig) must use EmitInDrain.
func (h *Handler) Emit(r *recordpb.Record) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.emitLocked(r)
}

// EmitInDrain emits a record at once, in order with what Drain is
// emitting. It may only be called from callbacks that Drain runs
// (Options.OnConfig), including the final Drain after Close.
func (h *Handler) EmitInDrain(r *recordpb.Record) {
	h.mu.Lock()
	h.num++
	r.Num = h.num
	h.mu.Unlock()
	h.opts.Emit(mustMarshal(r))
}

// flushLocked writes the pending row as the current step. advance moves the
// step on even when the row is empty (a plain commit does).
func (h *Handler) flushLocked(advance bool) {
	if len(h.pending.items) == 0 {
		if advance {
			h.step++
		}
		return
	}
	now := h.now()
	runtime := now.Sub(h.opts.StartTime) + h.opts.RuntimeOffset
	if h.metrics.active() {
		h.metrics.applyLocked(h)
	}
	if !h.pending.hasTimestamp() {
		h.pending.items = append(h.pending.items, item{key: "_timestamp", val: Value{Kind: KindFloat, F: float64(now.UnixNano()) / 1e9}})
	}
	h.pending.items = append(h.pending.items,
		item{key: "_runtime", val: Value{Kind: KindFloat, F: runtime.Seconds()}},
		item{key: "_step", val: Value{Kind: KindInt, I: h.step}},
	)
	h.num++
	h.queueRowLocked(h.num, h.step)
	h.rows++
	h.pending.reset()
	h.step++
}

func (r *row) hasTimestamp() bool {
	for i := range r.items {
		if r.items[i].path == nil && r.items[i].key == "_timestamp" {
			_, ok := r.items[i].val.Float()
			if ok {
				return true
			}
			// A non-numeric _timestamp is replaced.
			r.items = append(r.items[:i], r.items[i+1:]...)
			return false
		}
	}
	return false
}

// Step is the current step: the step the next committed row will get.
func (h *Handler) Step() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.step
}

// Dropped counts log calls dropped for a non-monotonic step.
func (h *Handler) Dropped() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.dropped
}

// Rows counts history rows written.
func (h *Handler) Rows() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rows
}

// Summary returns the run's summary.
func (h *Handler) Summary() *SummaryView { return &SummaryView{h: h} }

// Close commits the pending row (as W&B does at exit), emits the final
// summary record and then the given final records, and refuses later calls.
// It is idempotent: only the first call emits.
func (h *Handler) Close(final ...*recordpb.Record) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.flushLocked(false)
	h.num++
	num := h.num
	h.queueFuncLocked(func(s *Summary) []byte {
		h.mu.Lock()
		rec := s.recordLocked(h.metrics)
		h.mu.Unlock()
		b, err := record.Marshal(&recordpb.Record{Num: num, RecordType: &recordpb.Record_Summary{Summary: rec}})
		if err != nil {
			panic(err)
		}
		return b
	})
	for _, r := range final {
		h.emitLocked(r)
	}
	h.closed = true
	h.room.Broadcast()
}

// Do runs fn with the handler locked, for callers that must read or emit
// consistently with the history (config updates, flush barriers).
func (h *Handler) Do(fn func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	fn()
}
