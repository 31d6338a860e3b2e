package runstate

import "sync"

// The handler works in two stages, so that Log costs the caller as little
// as possible and the rest runs on the run log's writer goroutine:
//
//  1. Log (the caller's goroutine, under mu) applies the step and commit
//     rules and queues each committed row as converted values; other
//     records are queued already encoded.
//  2. Drain (the writer's goroutine, or a reader that needs an up-to-date
//     summary, under encMu) formats the values as JSON, updates the summary,
//     encodes the history records and hands every record, in order, to
//     Options.Emit.
//
// The queue is bounded (maxQueuedItems): when the writer cannot keep up, Log
// waits for room rather than dropping data or growing without limit.

const (
	// kickItems is the queue size at which the writer is woken early.
	kickItems = 16 << 10
	// maxQueuedItems bounds the values waiting for Drain (about 11 MiB).
	maxQueuedItems = 128 << 10
)

type eventKind uint8

const (
	evRaw eventKind = iota + 1
	evRow
	evFunc
)

type event struct {
	kind       eventKind
	start, end int   // into queue.raw (evRaw) or queue.items (evRow)
	num, step  int64 // evRow
	// fn runs in Drain with the summary locked and returns a record to
	// emit, or nil (evFunc).
	fn func(s *Summary) []byte
}

type queue struct {
	events []event
	items  []item
	raw    []byte
}

func (q *queue) reset() {
	clear(q.events)
	q.events = q.events[:0]
	clear(q.items)
	q.items = q.items[:0]
	q.raw = q.raw[:0]
}

// drainState is owned by whoever holds encMu.
type drainState struct {
	mu    sync.Mutex
	spare queue
}

// queueRawLocked queues an encoded record.
func (h *Handler) queueRawLocked(b []byte) {
	start := len(h.q.raw)
	h.q.raw = append(h.q.raw, b...)
	h.q.events = append(h.q.events, event{kind: evRaw, start: start, end: len(h.q.raw)})
}

// queueFuncLocked queues work on the summary, in order with the rows.
func (h *Handler) queueFuncLocked(fn func(s *Summary) []byte) {
	h.q.events = append(h.q.events, event{kind: evFunc, fn: fn})
}

// queueRowLocked queues the pending row as history record num at step.
func (h *Handler) queueRowLocked(num, step int64) {
	start := len(h.q.items)
	h.q.items = append(h.q.items, h.pending.items...)
	h.q.events = append(h.q.events, event{kind: evRow, start: start, end: len(h.q.items), num: num, step: step})
	n := len(h.q.items)
	if n >= kickItems && !h.kicked && h.opts.Kick != nil {
		h.kicked = true
		h.opts.Kick()
	}
}

// waitRoomLocked blocks while the queue is full.
func (h *Handler) waitRoomLocked() {
	for len(h.q.items) >= maxQueuedItems && !h.closed {
		if h.opts.Kick != nil {
			h.opts.Kick()
		}
		h.room.Wait()
	}
}

// Drain encodes everything queued so far and passes each record to
// Options.Emit, in order. It returns the number of records emitted. It is
// safe to call from any goroutine; calls are serialised.
func (h *Handler) Drain() int {
	h.drain.mu.Lock()
	defer h.drain.mu.Unlock()
	return h.drainLocked()
}

func (h *Handler) drainLocked() int {
	h.mu.Lock()
	q := h.q
	h.q = h.drain.spare
	h.kicked = false
	h.room.Broadcast()
	h.mu.Unlock()

	n := 0
	for i := range q.events {
		ev := &q.events[i]
		switch ev.kind {
		case evRaw:
			h.opts.Emit(q.raw[ev.start:ev.end])
			n++
		case evRow:
			h.enc.Reset()
			for j := ev.start; j < ev.end; j++ {
				it := &q.items[j]
				if it.val.Kind == KindMedia {
					v, ok := h.bindMedia(it, ev.step)
					if !ok {
						continue
					}
					it.val, it.media = v, nil
				}
				switch it.val.Kind {
				case KindFloat:
					h.enc.AddDouble(it.key, it.path, it.val.F)
				case KindFloat32:
					h.enc.AddFloat(it.key, it.path, float32(it.val.F))
				case KindInt:
					h.enc.AddInt(it.key, it.path, it.val.I)
				default:
					h.vbuf = it.val.AppendJSON(h.vbuf[:0])
					h.enc.AddItem(it.key, it.path, h.vbuf)
				}
				h.summary.observe(it)
			}
			h.opts.Emit(h.enc.Finish(ev.num, ev.step))
			n++
		case evFunc:
			if b := ev.fn(h.summary); b != nil {
				h.opts.Emit(b)
				n++
			}
		}
	}
	q.reset()
	h.drain.spare = q
	return n
}
