package tfevents

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"
)

// FuzzReader: any input is read without panicking; every byte is either
// in an intact record or in a reported stretch of damage, in order; and
// reading the same input in tail mode, all at once, gives the same records.
func FuzzReader(f *testing.F) {
	f.Add(allKinds(f, false))
	f.Add(allKinds(f, true))
	if data, err := os.ReadFile(realFile); err == nil {
		f.Add(data[:4096])
	}
	f.Add([]byte{})
	f.Add(appendRecord(nil, []byte{0x2a, 0xff}))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data))
		var covered int64
		var recs [][]byte
		for {
			rec, err := r.NextRecord()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			covered += int64(headerSize + len(rec) + footerSize)
			recs = append(recs, bytes.Clone(rec))
		}
		end := int64(0)
		for _, d := range r.Damage() {
			if d.Offset < end || d.Length <= 0 || d.Offset+d.Length > int64(len(data)) {
				t.Fatalf("damage %v out of order or bounds (end %d, len %d)", d, end, len(data))
			}
			end = d.Offset + d.Length
			covered += d.Length
		}
		if covered != int64(len(data)) {
			t.Fatalf("records and damage cover %d of %d bytes", covered, len(data))
		}
		// Decoding never panics, and what decodes can be inspected.
		evs, _ := readAll(t, data)
		for _, ev := range evs {
			for _, v := range ev.Values {
				if v.Tensor != nil {
					v.Tensor.Float64s()
					v.Tensor.Strings()
				}
			}
		}
		// NextInto reads the same events as Next.
		ri := NewReader(bytes.NewReader(data))
		var ev Event
		for i := 0; ; i++ {
			if err := ri.NextInto(&ev); err != nil {
				if i != len(evs) {
					t.Fatalf("NextInto read %d events, Next %d", i, len(evs))
				}
				break
			}
			if len(ev.Values) != len(evs[i].Values) || ev.Step != evs[i].Step {
				t.Fatalf("event %d differs between NextInto and Next", i)
			}
		}
		// Tail mode over complete input reads the same records.
		tr := NewReader(bytes.NewReader(data), Tail(true))
		for i := 0; ; i++ {
			rec, err := tr.NextRecord()
			if err != nil {
				if i != len(recs) {
					t.Fatalf("tail mode read %d records, batch %d", i, len(recs))
				}
				break
			}
			if !bytes.Equal(rec, recs[i]) {
				t.Fatalf("record %d differs in tail mode", i)
			}
		}
	})
}

// FuzzDecodeEvent: any bytes decode or fail without panicking, and an
// event that decodes and can be encoded again is stable: decoding and
// encoding the encoding gives the same bytes.
func FuzzDecodeEvent(f *testing.F) {
	r := NewReader(bytes.NewReader(allKinds(f, false)))
	for {
		rec, err := r.NextRecord()
		if err != nil {
			break
		}
		f.Add(bytes.Clone(rec))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := DecodeEvent(data)
		if err != nil {
			if !errors.Is(err, ErrBadEvent) {
				t.Fatalf("error %v does not wrap ErrBadEvent", err)
			}
			return
		}
		enc, err := EncodeEvent(ev)
		if err != nil {
			return // KindOther values are not encoded
		}
		again, err := DecodeEvent(enc)
		if err != nil {
			t.Fatalf("re-encoded event does not decode: %v", err)
		}
		enc2, err := EncodeEvent(again)
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("encode(decode(encode(e))) != encode(e): %v\n%x\n%x", err, enc, enc2)
		}
	})
}
