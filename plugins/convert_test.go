package plugins

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"

	"google.golang.org/protobuf/proto"

	pb "github.com/gowandb/wandb/plugins/proto"
)

// roundTrip marshals m and unmarshals it into a new message, as the wire
// does.
func roundTrip[M proto.Message](t *testing.T, m M, fresh M) M {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := proto.Unmarshal(b, fresh); err != nil {
		t.Fatal(err)
	}
	return fresh
}

func TestEmissionRoundTrip(t *testing.T) {
	in := Emission{
		History: &HistoryRow{Step: 7, Row: map[string]json.RawMessage{"loss": json.RawMessage(`0.5`), "nested": json.RawMessage(`{"a":[1,NaN]}`)}},
		Summary: map[string]json.RawMessage{"best": json.RawMessage(`Infinity`)},
		Config:  map[string]json.RawMessage{"lr": json.RawMessage(`0.01`)},
		Files: []File{
			{Path: "a/b.txt", Data: []byte("hello")},
			{Path: "empty.txt", Data: []byte{}},
			{Path: "already/there.bin"},
		},
		Log: &LogLine{Level: LevelWarn, Text: "careful"},
	}
	out := emissionFromProto(roundTrip(t, emissionToProto(in), &pb.Emission{}))
	if !reflect.DeepEqual(stringify(in), stringify(out)) {
		t.Fatalf("round trip changed the emission:\n in %+v\nout %+v", stringify(in), stringify(out))
	}
	// Presence of file data survives the wire: empty is not absent.
	if out.Files[1].Data == nil || len(out.Files[1].Data) != 0 {
		t.Errorf("empty file data came back as %#v, want empty non-nil", out.Files[1].Data)
	}
	if out.Files[2].Data != nil {
		t.Errorf("absent file data came back as %#v, want nil", out.Files[2].Data)
	}
	if err := out.Validate(); err != nil {
		t.Errorf("Validate after round trip: %v", err)
	}
}

// stringify makes an emission comparable with DeepEqual (RawMessage vs
// []byte and nil vs empty aside).
func stringify(e Emission) map[string]any {
	vals := func(m map[string]json.RawMessage) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			out[k] = string(v)
		}
		return out
	}
	m := map[string]any{"summary": vals(e.Summary), "config": vals(e.Config)}
	if e.History != nil {
		m["step"], m["row"] = e.History.Step, vals(e.History.Row)
	}
	var files []string
	for _, f := range e.Files {
		files = append(files, f.Path+"="+string(f.Data))
	}
	m["files"] = files
	if e.Log != nil {
		m["log"] = *e.Log
	}
	return m
}

func TestUnknownLevelFromWireIsRefused(t *testing.T) {
	e := emissionFromProto(&pb.Emission{Log: &pb.LogLine{Level: pb.Level(42), Text: "x"}})
	if e.Log.Level != "level(42)" {
		t.Fatalf("level = %q", e.Log.Level)
	}
	if err := e.Validate(); err == nil {
		t.Fatal("an unknown level passed Validate")
	}
}

func TestObservationsRoundTrip(t *testing.T) {
	in := []Observation{
		Scalar("loss", 3, 0.25),
		Scalar("nan", 4, math.NaN()),
		TensorObservation("w", 5, &Tensor{Shape: []int{2, 3}, DType: Float32, Float32: []float32{1, 2, 3, 4, 5, 6}}),
		TensorObservation("g", 5, &Tensor{Shape: []int{2}, DType: Float64, Float64: []float64{-1, 1e300}}),
		TensorObservation("empty", 6, &Tensor{Shape: []int{0}, DType: Float64, Float64: []float64{}}),
		FrameObservation("env", 7, &Frame{Width: 1, Height: 2, RGBA: []byte{1, 2, 3, 4, 5, 6, 7, 8}}),
	}
	msg := roundTrip(t, &pb.ObserveBatch{Observations: observationsToProto(in)}, &pb.ObserveBatch{})
	out := observationsFromProto(msg.GetObservations())
	if len(out) != len(in) {
		t.Fatalf("%d observations came back, want %d", len(out), len(in))
	}
	for i := range in {
		if err := out[i].Validate(); err != nil {
			t.Errorf("#%d: %v", i, err)
		}
		if in[i].Kind == KindScalar && math.IsNaN(in[i].Scalar) {
			if !math.IsNaN(out[i].Scalar) {
				t.Errorf("NaN came back as %v", out[i].Scalar)
			}
			continue
		}
		if !reflect.DeepEqual(in[i], out[i]) {
			t.Errorf("#%d: got %+v, want %+v", i, out[i], in[i])
		}
	}
}

func TestRunInfoRoundTrip(t *testing.T) {
	in := RunInfo{ID: "abc", Name: "n", Project: "p", Entity: "e", Dir: "/d", Config: map[string]any{
		"lr": 0.5, "epochs": int64(3), "opt": map[string]any{"name": "adam", "betas": []any{0.9, 0.99}}, "bad": math.Inf(1),
	}}
	pm, err := runInfoToProto(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := runInfoFromProto(roundTrip(t, pm, &pb.RunInfo{}))
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsInf(out.Config["bad"].(float64), 1) {
		t.Errorf("Infinity came back as %v", out.Config["bad"])
	}
	delete(in.Config, "bad")
	delete(out.Config, "bad")
	if !reflect.DeepEqual(in, out) {
		t.Errorf("got %#v, want %#v", out, in)
	}
}

func TestManifestRoundTrip(t *testing.T) {
	in := Manifest{Name: "x", Version: "1.0", ProtocolVersion: ProtocolVersion, Provides: []string{"summary"}, Description: "d"}
	if out := manifestFromProto(roundTrip(t, manifestToProto(in), &pb.Manifest{})); !reflect.DeepEqual(in, out) {
		t.Errorf("got %+v, want %+v", out, in)
	}
}
