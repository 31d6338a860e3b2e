package plugins_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/wjson"
	"github.com/gowandb/wandb/plugins"
)

func raw(s string) json.RawMessage { return json.RawMessage(s) }

func TestEmissionValidate(t *testing.T) {
	row := func(step int64, kv ...string) *plugins.HistoryRow {
		m := map[string]json.RawMessage{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = raw(kv[i+1])
		}
		return &plugins.HistoryRow{Step: step, Row: m}
	}
	tests := []struct {
		name string
		e    plugins.Emission
		bad  string // "" when valid
	}{
		{"history row", plugins.Emission{History: row(3, "loss", "0.5")}, ""},
		{"next step", plugins.Emission{History: row(plugins.NextStep, "loss", "NaN")}, ""},
		{"summary and log", plugins.Emission{Summary: map[string]json.RawMessage{"a": raw(`{"b":1}`)}, Log: &plugins.LogLine{Level: plugins.LevelInfo, Text: "hi"}}, ""},
		{"file with data", plugins.Emission{Files: []plugins.File{{Path: "media/x.png", Data: []byte{1}}}}, ""},
		{"empty", plugins.Emission{}, "empty"},
		{"step below next", plugins.Emission{History: row(-2, "a", "1")}, "history step -2"},
		{"empty row", plugins.Emission{History: row(1)}, "empty history row"},
		{"bad json", plugins.Emission{History: row(1, "a", "{not json")}, `history key "a": value is not JSON`},
		{"two values", plugins.Emission{Summary: map[string]json.RawMessage{"a": raw("1 2")}}, `summary key "a"`},
		{"empty key", plugins.Emission{Config: map[string]json.RawMessage{"": raw("1")}}, "config key"},
		{"reserved _step", plugins.Emission{History: row(1, "_step", "3")}, "set by the run"},
		{"escaping path", plugins.Emission{Files: []plugins.File{{Path: "../x"}}}, "file path"},
		{"absolute path", plugins.Emission{Files: []plugins.File{{Path: "/etc/passwd"}}}, "file path"},
		{"unclean path", plugins.Emission{Files: []plugins.File{{Path: "a//b"}}}, "file path"},
		{"level", plugins.Emission{Log: &plugins.LogLine{Level: "loud", Text: "x"}}, "log level"},
		{"log utf8", plugins.Emission{Log: &plugins.LogLine{Level: plugins.LevelInfo, Text: "\xff"}}, "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.e.Validate()
			switch {
			case tt.bad == "" && err != nil:
				t.Fatalf("valid emission refused: %v", err)
			case tt.bad != "" && err == nil:
				t.Fatal("invalid emission accepted")
			case tt.bad != "" && (!strings.Contains(err.Error(), tt.bad) || !errors.Is(err, plugins.ErrInvalidEmission)):
				t.Fatalf("error %q: want it to contain %q and wrap ErrInvalidEmission", err, tt.bad)
			}
		})
	}
}

func TestObservationValidate(t *testing.T) {
	tests := []struct {
		name string
		o    plugins.Observation
		bad  string
	}{
		{"scalar", plugins.Scalar("loss", 0, 1), ""},
		{"tensor", plugins.TensorObservation("w", 1, &plugins.Tensor{Shape: []int{2, 2}, DType: plugins.Float32, Float32: make([]float32, 4)}), ""},
		{"scalar tensor", plugins.TensorObservation("w", 1, &plugins.Tensor{DType: plugins.Float64, Float64: []float64{1}}), ""},
		{"frame", plugins.FrameObservation("f", 1, &plugins.Frame{Width: 2, Height: 1, RGBA: make([]byte, 8)}), ""},
		{"no key", plugins.Scalar("", 0, 1), "key"},
		{"negative step", plugins.Scalar("a", -1, 1), "negative step"},
		{"shape mismatch", plugins.TensorObservation("w", 1, &plugins.Tensor{Shape: []int{2, 2}, DType: plugins.Float32, Float32: make([]float32, 3)}), "needs 4 elements"},
		{"dtype", plugins.TensorObservation("w", 1, &plugins.Tensor{Shape: []int{1}, DType: "int8"}), "dtype"},
		{"mixed data", plugins.TensorObservation("w", 1, &plugins.Tensor{Shape: []int{1}, DType: plugins.Float32, Float32: []float32{1}, Float64: []float64{1}}), "float64 data"},
		{"huge shape", plugins.TensorObservation("w", 1, &plugins.Tensor{Shape: []int{1 << 20, 1 << 20}, DType: plugins.Float32}), "more than"},
		{"frame bytes", plugins.FrameObservation("f", 1, &plugins.Frame{Width: 2, Height: 2, RGBA: make([]byte, 8)}), "needs 16 RGBA bytes"},
		{"frame size", plugins.FrameObservation("f", 1, &plugins.Frame{Width: 0, Height: 2}), "frame size"},
		{"nil tensor", plugins.Observation{Kind: plugins.KindTensor, Key: "t"}, "without a tensor"},
		{"kind", plugins.Observation{Key: "k"}, "unknown kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.o.Validate()
			switch {
			case tt.bad == "" && err != nil:
				t.Fatalf("valid observation refused: %v", err)
			case tt.bad != "" && err == nil:
				t.Fatal("invalid observation accepted")
			case tt.bad != "" && (!strings.Contains(err.Error(), tt.bad) || !errors.Is(err, plugins.ErrInvalidObservation)):
				t.Fatalf("error %q: want it to contain %q and wrap ErrInvalidObservation", err, tt.bad)
			}
		})
	}
}

func TestValuesWritesWandbTokens(t *testing.T) {
	vals, err := plugins.Values(map[string]any{
		"nan": math.NaN(), "inf": math.Inf(-1), "f": 2.0, "n": 3, "s": "x",
		"nested": map[string]any{"b": []any{math.Inf(1), float32(0.5)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"nan": "NaN", "inf": "-Infinity", "f": "2.0", "n": "3", "s": `"x"`, "nested": `{"b":[Infinity,0.5]}`}
	for k, w := range want {
		if got := string(vals[k]); got != w {
			t.Errorf("%s = %s, want %s", k, got, w)
		}
	}
	e := plugins.Emission{Summary: vals}
	if err := e.Validate(); err != nil {
		t.Errorf("Values output fails Validate: %v", err)
	}
	if _, err := plugins.Values(map[string]any{"ch": make(chan int)}); err == nil {
		t.Error("a channel was turned into JSON")
	}
}

func TestManifestValidate(t *testing.T) {
	for _, name := range []string{"", "Upper", "-x", "a b", strings.Repeat("a", 65)} {
		if err := (plugins.Manifest{Name: name}).Validate(); err == nil {
			t.Errorf("name %q accepted", name)
		}
	}
	if err := (plugins.Manifest{Name: "tensorboard", Provides: []string{""}}).Validate(); err == nil {
		t.Error("empty capability accepted")
	}
	if err := (plugins.Manifest{Name: "tensor-board_2.x", Provides: []string{"history"}}).Validate(); err != nil {
		t.Error(err)
	}
}

func TestVersionErrorNamesBothVersions(t *testing.T) {
	err := error(&plugins.VersionError{Plugin: "wandb-plugin-x", Host: 1, PluginVersion: 2})
	for _, want := range []string{"version 2", "version 1", "wandb-plugin-x"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not contain %q", err, want)
		}
	}
}

func TestDecodeValueMatchesTheJSONDecoder(t *testing.T) {
	for _, in := range []string{
		"0", "-0", "12", "-12", "9223372036854775807", "9223372036854775808", "1.5", "-0.25", "1e3", "1E-3", "2.5e+10",
		"1e400", "true", "false", "null", `"s"`, `"a\"b"`, "[1,2]", `{"a":NaN}`, "NaN", "Infinity", "-Infinity",
		" 1", "1 ", "01", "+1", "1.", ".5", "-", "1e", "0x10", "inf", "", "nan",
	} {
		got, gotErr := plugins.DecodeValue([]byte(in))
		want, wantErr := wjson.Decode([]byte(in))
		if (gotErr != nil) != (wantErr != nil) {
			t.Errorf("%q: error %v, the decoder says %v", in, gotErr, wantErr)
			continue
		}
		if gotErr == nil && fmt.Sprintf("%T %v", got, got) != fmt.Sprintf("%T %v", want, want) {
			t.Errorf("%q: %T %v, the decoder gives %T %v", in, got, got, want, want)
		}
	}
}
