package tfevents

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Cut at every offset, a file gives back every event that lies wholly
// before the cut, and the partial record after them is one stretch of
// damage from its start to the cut.
func TestTruncatedAtEveryOffset(t *testing.T) {
	data := allKinds(t, false)
	bounds := recordBounds(t, data)
	full, _ := readAll(t, data)
	for cut := 0; cut <= len(data); cut++ {
		evs, damage := readAll(t, data[:cut])
		whole := 0
		for whole+1 < len(bounds) && bounds[whole+1] <= int64(cut) {
			whole++
		}
		if len(evs) != whole || !reflect.DeepEqual(evs, full[:whole:whole]) && whole > 0 {
			t.Fatalf("cut %d: %d events, want the first %d", cut, len(evs), whole)
		}
		var want []Damage
		if last := bounds[whole]; last < int64(cut) {
			reason := "truncated record at end of file"
			if int64(cut)-last < headerSize {
				reason = "truncated record header at end of file"
			}
			want = []Damage{{Offset: last, Length: int64(cut) - last, Reason: reason}}
		}
		if !reflect.DeepEqual(damage, want) {
			t.Fatalf("cut %d: damage %v, want %v", cut, damage, want)
		}
	}
}

// A byte flipped anywhere loses the one record that holds it: every other
// event is read, and the damage is exactly that record.
func TestFlippedByteLosesOneRecord(t *testing.T) {
	data := allKinds(t, false)
	bounds := recordBounds(t, data)
	full, _ := readAll(t, data)
	for off := range data {
		bad := bytes.Clone(data)
		bad[off] ^= 0x5a
		k := 0
		for bounds[k+1] <= int64(off) {
			k++
		}
		evs, damage := readAll(t, bad)
		want := append(append([]Event{}, full[:k]...), full[k+1:]...)
		// Losing the record that carried a tag's plugin metadata changes
		// how that tag's later values are classified, not what is read.
		if !reflect.DeepEqual(brief(evs), brief(want)) {
			t.Fatalf("flip at %d (record %d): %d events, want %d", off, k, len(evs), len(want))
		}
		if len(damage) != 1 || damage[0].Offset != bounds[k] || damage[0].Length != bounds[k+1]-bounds[k] {
			t.Fatalf("flip at %d (record %d at %d..%d): damage %v", off, k, bounds[k], bounds[k+1], damage)
		}
	}
}

// brief is what a reader must keep of events whatever metadata was lost.
func brief(evs []Event) []string {
	var out []string
	for _, ev := range evs {
		s := fmt.Sprintf("%d@%f:", ev.Step, ev.WallTime)
		for _, v := range ev.Values {
			s += v.Tag + ","
		}
		out = append(out, s)
	}
	return out
}

// Garbage between records, and a record whose checksums hold but whose
// protobuf does not decode, are reported; reading goes on after them.
func TestGarbageAndBadProtobuf(t *testing.T) {
	data := allKinds(t, false)
	bounds := recordBounds(t, data)
	junk := bytes.Repeat([]byte{0xff}, 37)
	badProto := appendRecord(nil, []byte{0x0a, 0x05, 'a'}) // a string field cut short
	var file []byte
	file = append(file, data[:bounds[2]]...)
	file = append(file, junk...)
	file = append(file, badProto...)
	file = append(file, data[bounds[2]:]...)
	evs, damage := readAll(t, file)
	full, _ := readAll(t, data)
	if !reflect.DeepEqual(evs, full) {
		t.Fatalf("%d events, want %d", len(evs), len(full))
	}
	if len(damage) != 2 || damage[0].Offset != bounds[2] || damage[0].Length != 37 ||
		damage[1].Offset != bounds[2]+37 || damage[1].Length != int64(len(badProto)) {
		t.Fatalf("damage %v", damage)
	}
	if damage[0].Reason != "length checksum mismatch" || !strings.HasPrefix(damage[1].Reason, "tfevents: bad event: ") {
		t.Fatalf("reasons %q, %q", damage[0].Reason, damage[1].Reason)
	}
}

// A length that passes its checksum but is over the limit is damage.
func TestMaxRecordSize(t *testing.T) {
	data := allKinds(t, false)
	evs, damage := readAll(t, data, MaxRecordSize(40))
	if len(evs) == 0 || len(damage) == 0 {
		t.Fatalf("%d events, damage %v", len(evs), damage)
	}
	for _, ev := range evs {
		for _, v := range ev.Values {
			if v.Kind == KindImage {
				t.Error("an image record over the limit was read")
			}
		}
	}
}

// In tail mode a partial record is not damage: Next returns io.EOF and
// reads the record once the rest of it is written; turning tail mode off
// makes a partial end damage.
func TestTailResumesPartialRecord(t *testing.T) {
	data := allKinds(t, false)
	bounds := recordBounds(t, data)
	full, _ := readAll(t, data)
	path := filepath.Join(t.TempDir(), "events.out.tfevents.1.h")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rf, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rf.Close()
	r := NewReader(rf, Tail(true))
	var got []Event
	drain := func() {
		for {
			ev, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ev)
		}
	}
	// Write the file a few bytes at a time, reading after each write.
	for off := 0; off < len(data); off += 7 {
		end := min(off+7, len(data))
		if _, err := f.Write(data[off:end]); err != nil {
			t.Fatal(err)
		}
		drain()
		if len(r.Damage()) > 0 {
			t.Fatalf("after %d bytes: damage %v", end, r.Damage())
		}
		if int64(r.Buffered())+r.Offset() != int64(end) {
			t.Fatalf("after %d bytes: offset %d + buffered %d", end, r.Offset(), r.Buffered())
		}
	}
	if !reflect.DeepEqual(got, full) {
		t.Fatalf("tail read %d events, want %d", len(got), len(full))
	}
	// Bytes written after the reader saw the end are read when tail mode
	// is turned off (the file is finished), not taken for damage.
	f.Write(data[bounds[1] : bounds[1]+20])
	drain()
	f.Write(data[bounds[1]+20 : bounds[2]])
	r.SetTail(false)
	drain()
	if len(r.Damage()) != 0 || len(got) != len(full)+1 {
		t.Fatalf("after the end: %d events, damage %v", len(got), r.Damage())
	}
	r.SetTail(true)
	// A torn write at the end: partial in tail mode, damage without it.
	f.Write(data[bounds[1] : bounds[1]+20])
	drain()
	if len(r.Damage()) != 0 || r.Buffered() != 20 {
		t.Fatalf("tail: damage %v, buffered %d", r.Damage(), r.Buffered())
	}
	r.SetTail(false)
	drain()
	want := []Damage{{Offset: int64(len(data)) + bounds[2] - bounds[1], Length: 20, Reason: "truncated record at end of file"}}
	if !reflect.DeepEqual(r.Damage(), want) {
		t.Fatalf("damage %v, want %v", r.Damage(), want)
	}
}

// errReader fails after its data.
type errReader struct {
	data []byte
	err  error
}

func (e *errReader) Read(p []byte) (int, error) {
	if len(e.data) == 0 {
		return 0, e.err
	}
	n := copy(p, e.data)
	e.data = e.data[n:]
	return n, nil
}

// An input error is returned, wrapped, after the events before it.
func TestReadError(t *testing.T) {
	data := allKinds(t, false)
	boom := errors.New("disk on fire")
	r := NewReader(&errReader{data: data[:100], err: boom})
	var err error
	n := 0
	for err == nil {
		_, err = r.Next()
		n++
	}
	if !errors.Is(err, boom) || err.Error() != "tfevents: read: disk on fire" {
		t.Fatalf("err %v", err)
	}
}
