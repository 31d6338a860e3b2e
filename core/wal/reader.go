package wal

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// Damage describes a stretch of a run log that could not be read.
type Damage struct {
	// Offset is the absolute file offset where the damage starts.
	Offset int64
	// Length is how many bytes were skipped because of it.
	Length int64
	// Reason says what was wrong.
	Reason string
}

func (d Damage) String() string {
	return fmt.Sprintf("offset %d (+%d bytes): %s", d.Offset, d.Length, d.Reason)
}

// Reader reads records from a run log. Corrupt chunks are skipped up to the
// next block, where reading resumes; every skipped stretch is reported by
// Damage. A truncated tail (a torn last write) is reported the same way.
type Reader struct {
	r      *bufio.Reader
	block  [BlockSize]byte
	n      int   // valid bytes in block
	pos    int   // read position in block
	base   int64 // absolute offset of block[0]
	eof    bool
	rec    []byte
	recOff int64 // offset of the first chunk of rec, -1 when none
	recEnd int64 // offset just past the last chunk read for rec
	damage []Damage
	// lastEnd is the absolute offset just past the last intact record.
	lastEnd int64
}

// NewReader checks the header and returns a reader positioned at the first
// record.
func NewReader(r io.Reader) (*Reader, error) {
	rd := &Reader{r: bufio.NewReaderSize(r, BlockSize), recOff: -1}
	var h [HeaderSize]byte
	if _, err := io.ReadFull(rd.r, h[:]); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadHeader, err)
	}
	if string(h[0:4]) != ":W&B" || h[4] != 0xE1 || h[5] != 0xBE {
		return nil, ErrBadHeader
	}
	if h[6] != Version {
		return nil, fmt.Errorf("%w: %d", ErrUnsupportedVersion, h[6])
	}
	// Block 0 starts at offset 0; the header took its first bytes.
	copy(rd.block[:], h[:])
	rd.n, rd.pos = HeaderSize, HeaderSize
	rd.lastEnd = HeaderSize
	if err := rd.fill(); err != nil {
		return nil, err
	}
	return rd, nil
}

// NewReaderAt returns a reader that starts at the block containing offset,
// in a run log whose first byte is at offset 0 of r's stream when offset
// is 0. r must be positioned at that block's start; use BlockStart to find
// it. Chunks that continue a record begun in an earlier block are skipped
// and reported as damage, so callers reading a tail should ignore damage
// at the very start.
func NewReaderAt(r io.Reader, blockStart int64) (*Reader, error) {
	if blockStart == 0 {
		return NewReader(r)
	}
	if blockStart%BlockSize != 0 {
		return nil, fmt.Errorf("wal: %d is not a block boundary", blockStart)
	}
	rd := &Reader{r: bufio.NewReaderSize(r, BlockSize), recOff: -1, base: blockStart, lastEnd: blockStart}
	if err := rd.fill(); err != nil {
		return nil, err
	}
	return rd, nil
}

// BlockStart returns the start of the block that holds offset.
func BlockStart(offset int64) int64 { return offset - offset%BlockSize }

// fill reads the rest of the current block (after the bytes already held).
func (r *Reader) fill() error {
	for r.n < BlockSize && !r.eof {
		m, err := r.r.Read(r.block[r.n:])
		r.n += m
		if errors.Is(err, io.EOF) {
			r.eof = true
		} else if err != nil {
			return fmt.Errorf("wal: read: %w", err)
		}
	}
	return nil
}

// nextBlock moves to the following block.
func (r *Reader) nextBlock() (bool, error) {
	if r.n < BlockSize {
		return false, nil
	}
	r.base += BlockSize
	r.n, r.pos = 0, 0
	if err := r.fill(); err != nil {
		return false, err
	}
	return r.n > 0, nil
}

func (r *Reader) addDamage(off, length int64, reason string) {
	if length <= 0 {
		length = 0
	}
	// Merge adjacent reports of the same stretch.
	if k := len(r.damage); k > 0 {
		d := &r.damage[k-1]
		if d.Offset+d.Length == off && d.Reason == reason {
			d.Length += length
			return
		}
	}
	r.damage = append(r.damage, Damage{Offset: off, Length: length, Reason: reason})
}

// dropPartial reports a record whose chunks were cut short: the damage runs
// from its first chunk to the end of the chunks read for it (recEnd).
func (r *Reader) dropPartial(reason string) {
	if r.recOff >= 0 {
		r.addDamage(r.recOff, r.recEnd-r.recOff, reason)
	}
	r.rec = r.rec[:0]
	r.recOff = -1
}

// Next returns the next intact record. The returned slice is valid until the
// following call. At the end of the log it returns io.EOF.
func (r *Reader) Next() ([]byte, error) {
	for {
		left := r.n - r.pos
		if left < HeaderSize {
			if r.n < BlockSize {
				// End of file.
				if left > 0 && !allZero(r.block[r.pos:r.n]) {
					r.addDamage(r.base+int64(r.pos), int64(left), "truncated chunk header at end of log")
				}
				r.dropPartial("record cut short at end of log")
				return nil, io.EOF
			}
			ok, err := r.nextBlock()
			if err != nil {
				return nil, err
			}
			if !ok {
				r.dropPartial("record cut short at end of log")
				return nil, io.EOF
			}
			continue
		}
		h := r.block[r.pos : r.pos+HeaderSize]
		sum := binary.LittleEndian.Uint32(h[0:4])
		length := int(binary.LittleEndian.Uint16(h[4:6]))
		t := h[6]
		chunkOff := r.base + int64(r.pos)
		if t == chunkZero && length == 0 && sum == 0 {
			// Preallocated or zero-filled space: the rest of this block is empty.
			if !allZero(r.block[r.pos:r.n]) {
				r.addDamage(chunkOff, int64(r.n-r.pos), "non-zero bytes after an empty chunk")
			}
			r.pos = r.n
			continue
		}
		if r.pos+HeaderSize+length > r.n {
			if r.n < BlockSize {
				r.addDamage(chunkOff, int64(r.n-r.pos), "truncated chunk at end of log")
			} else {
				r.addDamage(chunkOff, int64(r.n-r.pos), "chunk length runs past the block")
			}
			r.pos = r.n
			r.dropPartial("record lost with a damaged chunk")
			continue
		}
		payload := r.block[r.pos+HeaderSize : r.pos+HeaderSize+length]
		if t < chunkFull || t > chunkLast || !checksumOK(sum, t, payload) {
			reason := "checksum mismatch"
			if t < chunkFull || t > chunkLast {
				reason = fmt.Sprintf("unknown chunk type %d", t)
			}
			r.addDamage(chunkOff, int64(r.n-r.pos), reason)
			r.pos = r.n // resync at the next block
			r.dropPartial("record lost with a damaged chunk")
			continue
		}
		r.pos += HeaderSize + length
		end := r.base + int64(r.pos)
		switch t {
		case chunkFull:
			r.dropPartial("record missing its last chunk")
			r.lastEnd = end
			return payload, nil
		case chunkFirst:
			r.dropPartial("record missing its last chunk")
			r.rec = append(r.rec[:0], payload...)
			r.recOff = chunkOff
			r.recEnd = end
		case chunkMiddle, chunkLast:
			if r.recOff < 0 {
				r.addDamage(chunkOff, int64(HeaderSize+length), "chunk without the start of its record")
				continue
			}
			r.rec = append(r.rec, payload...)
			r.recEnd = end
			if t == chunkLast {
				r.recOff = -1
				r.lastEnd = end
				return r.rec, nil
			}
		}
	}
}

// Damage lists the stretches skipped so far, in file order.
func (r *Reader) Damage() []Damage { return r.damage }

// IntactEnd is the absolute offset just past the last intact record read.
func (r *Reader) IntactEnd() int64 { return r.lastEnd }

func checksumOK(sum uint32, t byte, payload []byte) bool {
	if crc32.Update(typeCRC[t], ieeeTable, payload) == sum {
		return true
	}
	return maskedCastagnoli(t, payload) == sum
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
