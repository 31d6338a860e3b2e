package wal

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
)

// Writer frames records into the run log format. It buffers framed bytes in
// memory until Flush. A Writer is not safe for concurrent use.
type Writer struct {
	w   io.Writer
	buf []byte
	// off is the absolute file offset of the end of buf.
	off int64
	// written is the absolute offset up to which bytes reached w.
	written int64
}

// NewWriter starts a new run log on w: it buffers the file header. Nothing
// reaches w before Flush.
func NewWriter(w io.Writer) *Writer {
	h := header()
	wr := &Writer{w: w, buf: make([]byte, 0, 64*1024)}
	wr.buf = append(wr.buf, h[:]...)
	wr.off = HeaderSize
	return wr
}

// Append frames one record. The payload is copied; the caller may reuse it.
func (w *Writer) Append(payload []byte) {
	first := true
	for {
		left := BlockSize - int(w.off%BlockSize)
		if left < HeaderSize {
			// Zero-fill the tail of the block.
			var zeros [HeaderSize]byte
			w.buf = append(w.buf, zeros[:left]...)
			w.off += int64(left)
			left = BlockSize
		}
		avail := left - HeaderSize
		n := len(payload)
		last := n <= avail
		if !last {
			n = avail
		}
		var t byte
		switch {
		case first && last:
			t = chunkFull
		case first:
			t = chunkFirst
		case last:
			t = chunkLast
		default:
			t = chunkMiddle
		}
		chunk := payload[:n]
		crc := crc32.Update(typeCRC[t], ieeeTable, chunk)
		var h [HeaderSize]byte
		binary.LittleEndian.PutUint32(h[0:4], crc)
		binary.LittleEndian.PutUint16(h[4:6], uint16(n))
		h[6] = t
		w.buf = append(w.buf, h[:]...)
		w.buf = append(w.buf, chunk...)
		w.off += int64(HeaderSize + n)
		payload = payload[n:]
		first = false
		if last {
			return
		}
	}
}

// Buffered reports how many framed bytes wait for Flush.
func (w *Writer) Buffered() int { return len(w.buf) }

// Offset reports the absolute offset of the end of the log, including
// buffered bytes.
func (w *Writer) Offset() int64 { return w.off }

// Swap returns the framed bytes buffered so far and continues framing into
// next (whose contents are discarded; pass the previous result once it has
// been written, to reuse its memory). The returned bytes must be written, in
// order, after any returned earlier. It lets a caller frame under a lock and
// write without it.
func (w *Writer) Swap(next []byte) []byte {
	out := w.buf
	w.buf = next[:0]
	return out
}

// Flush hands every buffered byte to the underlying writer.
func (w *Writer) Flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	n, err := w.w.Write(w.buf)
	w.written += int64(n)
	if err != nil {
		// Keep what was not written so a later Flush can retry it.
		w.buf = w.buf[:copy(w.buf, w.buf[n:])]
		return fmt.Errorf("wal: write: %w", err)
	}
	w.buf = w.buf[:0]
	return nil
}
