package record

import (
	"fmt"
	"math"
	"testing"

	"github.com/gowandb/wandb/core/record/recordpb"
	"github.com/gowandb/wandb/core/wjson"
	"google.golang.org/protobuf/proto"
)

// TestHistoryEncoderMatchesProto: the hand-written encoder produces bytes
// that decode with the generated types to the same record.
func TestHistoryEncoderMatchesProto(t *testing.T) {
	var e HistoryEncoder
	for round := range 2 { // the second round reuses the buffers
		e.Reset()
		e.AddItem("s", nil, []byte(`"text"`))
		e.AddDouble("f", nil, 0.25)
		e.AddDouble("nan", nil, math.NaN())
		e.AddFloat("f32", nil, 0.1)
		e.AddInt("i", nil, -42)
		e.AddInt("big", nil, math.MaxInt64)
		e.AddItem("", []string{"a", "b"}, []byte(`1`))
		b := e.Finish(7, int64(3+round))
		var r recordpb.Record
		if err := proto.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		h := r.GetHistory()
		if r.Num != 7 || h.GetStep().GetNum() != int64(3+round) || len(h.Item) != 7 {
			t.Fatalf("record = %v", &r)
		}
		want := []string{`"text"`, "0.25", "NaN", "0.1", "-42", "9223372036854775807", "1"}
		for i, it := range h.Item {
			if got := ItemJSON(it); got != want[i] {
				t.Errorf("item %d: %s, want %s", i, got, want[i])
			}
		}
		if got := h.Item[6].NestedKey; len(got) != 2 || got[0] != "a" || got[1] != "b" {
			t.Errorf("nested key = %v", got)
		}
		// Re-encoding with the generated code gives the same bytes.
		again, err := proto.MarshalOptions{Deterministic: true}.Marshal(&r)
		if err != nil {
			t.Fatal(err)
		}
		if string(again) != string(b) {
			t.Errorf("generated encoding differs:\n% x\n% x", again, b)
		}
	}
}

func TestStepZeroIsOmitted(t *testing.T) {
	var e HistoryEncoder
	e.Reset()
	b := e.Finish(0, 0)
	var r recordpb.Record
	if err := proto.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if r.GetHistory() == nil || r.GetHistory().GetStep().GetNum() != 0 {
		t.Fatalf("record = %v", &r)
	}
}

// The two benchmarks below are the measurement behind writing numbers in
// binary: the same 13-number row (10 metrics, _step, _runtime, _timestamp)
// encoded as W&B's value_json and as value_double/value_int.
var keys = func() []string {
	k := make([]string, 13)
	for i := range 10 {
		k[i] = fmt.Sprintf("metric_%d", i)
	}
	k[10], k[11], k[12] = "_step", "_runtime", "_timestamp"
	return k
}()

func BenchmarkHistoryRowJSON(b *testing.B) {
	var e HistoryEncoder
	var buf []byte
	x := 0.123456789012345
	for b.Loop() {
		e.Reset()
		for i, k := range keys {
			x += 1e-9
			if i == 10 {
				buf = wjson.AppendFloat(buf[:0], 12345)
			} else {
				buf = wjson.AppendFloat(buf[:0], x)
			}
			e.AddItem(k, nil, buf)
		}
		_ = e.Finish(1, 12345)
	}
}

func BenchmarkHistoryRowBinary(b *testing.B) {
	var e HistoryEncoder
	x := 0.123456789012345
	for b.Loop() {
		e.Reset()
		for i, k := range keys {
			x += 1e-9
			if i == 10 {
				e.AddInt(k, nil, 12345)
			} else {
				e.AddDouble(k, nil, x)
			}
		}
		_ = e.Finish(1, 12345)
	}
}
