package tfevents

import (
	"bytes"
	"math"
	"os"
	"slices"
	"testing"
)

// realFile is an event file written by TensorFlow (Keras' TensorBoard
// callback, 2020) in the shared test data, outside this repository.
const realFile = "../../../../shared/testdata/tensorboard/events.out.tfevents.1585769947.cvp"

func readRealFile(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(realFile)
	if os.IsNotExist(err) {
		t.Skipf("%s is absent (the shared test data is not checked out beside the repository)", realFile)
	}
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// The real file holds 105 events: the file version, a graph_def, a
// meta_graph_def, then 102 TF1 simple_value scalars: six tags (batch_loss,
// batch_acc, epoch_acc, epoch_loss, epoch_val_acc, epoch_val_loss) at each
// of the steps 0 to 16, one value per event, the six of a step together.
func TestRealFileContents(t *testing.T) {
	data := readRealFile(t)
	if len(data) != 170975 {
		t.Fatalf("size %d, want 170975", len(data))
	}
	evs, damage := readAll(t, data)
	if len(damage) != 0 {
		t.Fatalf("damage in a clean file: %v", damage)
	}
	if len(evs) != 105 {
		t.Fatalf("%d events, want 105", len(evs))
	}
	if evs[0].FileVersion != FileVersion || evs[0].WallTime != 1585769947 || len(evs[0].Values) != 0 {
		t.Errorf("first event = %+v, want the file version at 1585769947", evs[0])
	}
	if !slices.Equal(evs[1].Other, []int{4}) || !slices.Equal(evs[2].Other, []int{9}) {
		t.Errorf("events 1 and 2 hold fields %v and %v, want graph_def [4] and meta_graph_def [9]", evs[1].Other, evs[2].Other)
	}
	tags := []string{"batch_loss", "batch_acc", "epoch_acc", "epoch_loss", "epoch_val_acc", "epoch_val_loss"}
	for i, ev := range evs[3:] {
		step, k := int64(i/6), i%6
		if ev.Step != step || len(ev.Values) != 1 {
			t.Fatalf("event %d: step %d with %d values, want step %d with one", i+3, ev.Step, len(ev.Values), step)
		}
		v := ev.Values[0]
		if v.Tag != tags[k] || v.Kind != KindScalar || v.Plugin != "" || v.Tensor != nil {
			t.Fatalf("event %d: %q %s plugin %q, want %q, a TF1 scalar", i+3, v.Tag, v.Kind, v.Plugin, tags[k])
		}
		if ev.WallTime < 1585769947 || ev.WallTime > 1585769983 {
			t.Errorf("event %d: wall time %f out of the file's 36 s", i+3, ev.WallTime)
		}
	}
	for _, c := range []struct {
		ev   int
		want float64
	}{
		{3, 3.9135773181915283},      // batch_loss, step 0
		{4, 0},                       // batch_acc, step 0
		{7, 1},                       // epoch_val_acc, step 0
		{104, 2.932505594799295e-05}, // epoch_val_loss, step 16
	} {
		if got := evs[c.ev].Values[0].Scalar; got != c.want {
			t.Errorf("event %d: %v, want %v", c.ev, got, c.want)
		}
	}
	if got := evs[104].WallTime; math.Abs(got-1585769982.149663) > 1e-6 {
		t.Errorf("last wall time %f, want 1585769982.149663", got)
	}
}

// Our encoder writes TensorFlow's bytes: every scalar event of the real
// file re-encodes to the record TensorFlow wrote, and the first record of
// a Writer starts with the well-known bytes of the file_version record.
func TestEncoderMatchesTensorFlow(t *testing.T) {
	data := readRealFile(t)
	r := NewReader(bytes.NewReader(data))
	for i := 0; ; i++ {
		rec, err := r.NextRecord()
		if err != nil {
			break
		}
		rec = bytes.Clone(rec)
		ev, err := DecodeEvent(rec)
		if err != nil {
			t.Fatal(err)
		}
		if len(ev.Other) > 0 {
			continue // graphs are not decoded
		}
		got, err := EncodeEvent(ev)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, rec) {
			t.Fatalf("event %d: encoded\n%x\nTensorFlow wrote\n%x", i, got, rec)
		}
	}
	var buf bytes.Buffer
	w, err := NewWriter(&buf, WithClock(fixedClock(t0)))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := []byte{0x18, 0, 0, 0, 0, 0, 0, 0, 0xa3, 0x7f, 0x4b, 0x22}
	if !bytes.HasPrefix(buf.Bytes(), want) || !bytes.HasPrefix(data, want) {
		t.Errorf("first record header % x, want % x", buf.Bytes()[:12], want)
	}
}
