package tfevents

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// headerSize is a record's length and its checksum; footerSize the data's
// checksum.
const (
	headerSize = 12
	footerSize = 4
)

// DefaultMaxRecordSize is the largest record a Reader accepts by default. A
// longer length, even with a valid checksum, is treated as damage.
const DefaultMaxRecordSize = 256 << 20

// readSize is how much a Reader asks its source for at a time.
const readSize = 256 << 10

// Damage describes a stretch of an event file that could not be read.
type Damage struct {
	// Offset is the file offset where the damage starts.
	Offset int64
	// Length is how many bytes were skipped because of it.
	Length int64
	// Reason says what was wrong.
	Reason string
}

func (d Damage) String() string {
	return fmt.Sprintf("offset %d (+%d bytes): %s", d.Offset, d.Length, d.Reason)
}

// ReaderOption configures a Reader.
type ReaderOption func(*Reader)

// Tail puts the Reader in tail mode: a record cut short at the end of the
// input is not damage but a record still being written. Next returns io.EOF
// and, called again once the input has grown (an *os.File that is being
// appended to reads the new bytes), returns it. See SetTail.
func Tail(on bool) ReaderOption { return func(r *Reader) { r.tail = on } }

// MaxRecordSize sets the longest record accepted (default
// DefaultMaxRecordSize).
func MaxRecordSize(n int) ReaderOption { return func(r *Reader) { r.maxRecord = n } }

// Reader reads the events of an event file in order. Corrupt records are
// skipped and reported by Damage, and reading resumes at the next record
// whose length and data checksums both hold. A Reader is not safe for
// concurrent use.
type Reader struct {
	src       io.Reader
	buf       []byte
	start     int   // first unconsumed byte of buf
	base      int64 // file offset of buf[0]
	eof       bool  // the source returned io.EOF (retried in tail mode)
	tail      bool
	maxRecord int
	dec       *decoder

	damage []Damage
	// bad is the file offset where the current damaged stretch began, or
	// -1; badReason says why.
	bad       int64
	badReason string
	records   int64
	lastEnd   int64
}

// NewReader returns a Reader of the event file r (from its first byte).
func NewReader(r io.Reader, opts ...ReaderOption) *Reader {
	rd := &Reader{src: r, maxRecord: DefaultMaxRecordSize, dec: newDecoder(), bad: -1}
	for _, o := range opts {
		o(rd)
	}
	return rd
}

// SetTail turns tail mode on or off. Turning it off when the input is known
// to be complete (a newer file has started) makes the next Next report a
// partial last record as damage.
func (r *Reader) SetTail(on bool) {
	if r.tail && !on {
		r.eof = false // look once more for bytes written since the last read
	}
	r.tail = on
}

// Damage returns the stretches skipped so far, in file order. In tail
// mode, a damaged stretch at the very end is reported once the next intact
// record is found or tail mode is turned off.
func (r *Reader) Damage() []Damage { return r.damage }

// Offset is the file offset just past the last intact record.
func (r *Reader) Offset() int64 { return r.lastEnd }

// Records is how many intact records have been read.
func (r *Reader) Records() int64 { return r.records }

// Buffered is how many bytes past Offset have been read but not returned:
// in tail mode, the start of a record still being written.
func (r *Reader) Buffered() int { return len(r.buf) - r.start }

// Next returns the next intact event. At the end of the input it returns
// io.EOF; in tail mode it may be called again later for events written
// since. A record whose checksums hold but whose protobuf does not decode is
// skipped and reported as damage. Errors other than io.EOF come from the
// input and wrap its error.
func (r *Reader) Next() (Event, error) {
	var ev Event
	err := r.next(&ev, false)
	return ev, err
}

// NextInto is Next into *ev, reusing the storage of ev.Values and ev.Other:
// the values of the previous event are overwritten (the data they point to,
// such as histograms and images, is not). A loop that converts each event
// before reading the next allocates much less this way.
func (r *Reader) NextInto(ev *Event) error {
	return r.next(ev, true)
}

func (r *Reader) next(ev *Event, reuse bool) error {
	for {
		rec, off, err := r.nextRecord()
		if err != nil {
			return err
		}
		if err := r.dec.event(rec, ev, reuse); err != nil {
			r.addDamage(off, int64(headerSize+len(rec)+footerSize), err.Error())
			continue
		}
		return nil
	}
}

// NextRecord returns the data of the next intact record, undecoded. The
// slice is valid until the next call.
func (r *Reader) NextRecord() ([]byte, error) {
	rec, _, err := r.nextRecord()
	return rec, err
}

func (r *Reader) nextRecord() ([]byte, int64, error) {
	for {
		if err := r.fill(headerSize); err != nil {
			return nil, 0, err
		}
		avail := len(r.buf) - r.start
		off := r.base + int64(r.start)
		if avail < headerSize {
			return nil, 0, r.atEnd(avail, "truncated record header at end of file")
		}
		h := r.buf[r.start : r.start+headerSize]
		length := binary.LittleEndian.Uint64(h[0:8])
		if MaskedCRC(h[0:8]) != binary.LittleEndian.Uint32(h[8:12]) {
			r.skip(off, "length checksum mismatch")
			continue
		}
		if length > uint64(r.maxRecord) {
			r.skip(off, fmt.Sprintf("record length %d over the limit of %d", length, r.maxRecord))
			continue
		}
		total := headerSize + int(length) + footerSize
		if err := r.fill(total); err != nil {
			return nil, 0, err
		}
		if avail = len(r.buf) - r.start; avail < total {
			return nil, 0, r.atEnd(avail, "truncated record at end of file")
		}
		data := r.buf[r.start+headerSize : r.start+headerSize+int(length)]
		if MaskedCRC(data) != binary.LittleEndian.Uint32(r.buf[r.start+total-footerSize:]) {
			r.skip(off, "data checksum mismatch")
			continue
		}
		r.closeBad(off)
		r.start += total
		r.lastEnd = off + int64(total)
		r.records++
		return data, off, nil
	}
}

// skip starts (or continues) a damaged stretch at off and moves one byte
// on, to look for the next record.
func (r *Reader) skip(off int64, reason string) {
	if r.bad < 0 {
		r.bad, r.badReason = off, reason
	}
	r.start++
}

// closeBad ends the damaged stretch, if any, at off.
func (r *Reader) closeBad(off int64) {
	if r.bad >= 0 {
		r.addDamage(r.bad, off-r.bad, r.badReason)
		r.bad = -1
	}
}

// atEnd handles the end of the input with avail bytes left that do not
// make a record: in tail mode they are kept for later; otherwise they are
// damage.
func (r *Reader) atEnd(avail int, reason string) error {
	if r.tail {
		if r.bad >= 0 && avail == 0 {
			// Nothing left to resync on: the stretch ends here for now.
			r.closeBad(r.base + int64(r.start))
		}
		return io.EOF
	}
	end := r.base + int64(len(r.buf))
	if r.bad >= 0 {
		r.closeBad(end)
	} else if avail > 0 {
		r.addDamage(r.base+int64(r.start), int64(avail), reason)
	}
	r.base += int64(len(r.buf))
	r.buf, r.start = r.buf[:0], 0
	return io.EOF
}

func (r *Reader) addDamage(off, length int64, reason string) {
	if k := len(r.damage); k > 0 {
		d := &r.damage[k-1]
		if d.Offset+d.Length == off && d.Reason == reason {
			d.Length += length
			return
		}
	}
	r.damage = append(r.damage, Damage{Offset: off, Length: length, Reason: reason})
}

// fill reads until n bytes are buffered past start or the input ends.
func (r *Reader) fill(n int) error {
	if len(r.buf)-r.start >= n {
		return nil
	}
	if r.tail {
		r.eof = false // a file being written may have grown
	}
	if r.eof {
		return nil
	}
	// Make room: drop consumed bytes, then grow.
	if r.start > 0 && (cap(r.buf)-r.start < n+readSize || r.start >= len(r.buf)) {
		m := copy(r.buf, r.buf[r.start:])
		r.base += int64(r.start)
		r.buf, r.start = r.buf[:m], 0
	}
	for len(r.buf)-r.start < n {
		if need := r.start + n + readSize; cap(r.buf) < need {
			nb := make([]byte, len(r.buf), max(need, 2*cap(r.buf)))
			copy(nb, r.buf)
			r.buf = nb
		}
		m, err := r.src.Read(r.buf[len(r.buf):cap(r.buf)])
		r.buf = r.buf[:len(r.buf)+m]
		if errors.Is(err, io.EOF) {
			r.eof = true
			return nil
		}
		if err != nil {
			return fmt.Errorf("tfevents: read: %w", err)
		}
		if m == 0 {
			r.eof = true // a reader that returns nothing is treated as at its end
			return nil
		}
	}
	return nil
}

// ReadFile reads every intact event of the event file at path and the
// damage found.
func ReadFile(path string) ([]Event, []Damage, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("tfevents: %w", err)
	}
	defer f.Close()
	r := NewReader(f)
	var evs []Event
	for {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			return evs, r.Damage(), nil
		}
		if err != nil {
			return evs, r.Damage(), fmt.Errorf("%s: %w", path, err)
		}
		evs = append(evs, ev)
	}
}
