package runconfig

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"
)

type color int

func (c color) String() string { return [...]string{"red", "green"}[c] }

type ptrStringer struct{ v string }

func (p *ptrStringer) String() string { return p.v }

type name string

type point struct{ X, Y int }

type image struct{ Path string }

func (image) WandbMediaType() string { return "image-file" }

type ptrMedia struct{}

func (*ptrMedia) WandbMediaType() string { return "table" }

type Base struct {
	ID     int
	Shared string
}

type tagged struct {
	Base
	*Extra
	LR        float64        `wandb:"learning_rate" json:"lr"`
	Epochs    int            `json:"epochs"`
	Skipped   string         `json:"-"`
	Dash      string         `json:"-,"`
	WandbSkip string         `wandb:"-" json:"kept"`
	Empty     string         `json:"empty,omitempty"`
	ZeroPt    point          `json:"zero,omitzero"`
	Plain     bool           // no tag: field name
	Shared    string         // shadows Base.Shared
	Opt       *point         `json:"opt"`
	NilOpt    *point         `json:"nil_opt"`
	When      time.Time      `json:"when"`
	Every     time.Duration  `json:"every"`
	Tags      []string       `json:"tags"`
	Extras    map[string]any `json:"extras"`
	private   int
}

type Extra struct{ Dropout float64 }

type inner struct {
	Seed int `json:"seed"`
	skip int
}

type withUnexportedEmbed struct {
	inner
	*Extra
	Name string
}

type cyclic struct {
	Name string
	Next *cyclic
}

func TestNormalize(t *testing.T) {
	ts := time.Date(2021, 2, 16, 15, 44, 7, 123456789, time.UTC)
	n5 := 5
	var nilPtr *int
	var nilIface error
	tests := []struct {
		name string
		in   any
		want any
	}{
		{"nil", nil, nil},
		{"bool", true, true},
		{"string", "x", "x"},
		{"named string", name("bert"), "bert"},
		{"invalid UTF-8 string", "a\xffb", "a\uFFFDb"},
		{"int", 5, int64(5)},
		{"int8", int8(-5), int64(-5)},
		{"int16", int16(5), int64(5)},
		{"int32", int32(5), int64(5)},
		{"int64", int64(math.MaxInt64), int64(math.MaxInt64)},
		{"uint", uint(5), int64(5)},
		{"uint8", uint8(5), int64(5)},
		{"uint16", uint16(5), int64(5)},
		{"uint32", uint32(5), int64(5)},
		{"uint64 small", uint64(5), int64(5)},
		{"uint64 above MaxInt64", uint64(math.MaxUint64), float64(math.MaxUint64)},
		{"uintptr", uintptr(7), int64(7)},
		{"float32 shortest form", float32(0.1), 0.1},
		{"float32 NaN", float32(math.NaN()), math.NaN()},
		{"float64", 0.25, 0.25},
		{"NaN kept", math.NaN(), math.NaN()},
		{"+Inf kept", math.Inf(1), math.Inf(1)},
		{"-Inf kept", math.Inf(-1), math.Inf(-1)},
		{"json.Number int", json.Number("42"), int64(42)},
		{"json.Number float", json.Number("4.5"), 4.5},
		{"pointer", &n5, int64(5)},
		{"nil pointer", nilPtr, nil},
		{"nil interface", nilIface, nil},
		{"time.Time", ts, "2021-02-16T15:44:07.123456789Z"},
		{"time.Duration", 90 * time.Second, "1m30s"},
		{"Stringer int", color(1), "green"},
		{"Stringer pointer", &ptrStringer{"p"}, "p"},
		{"Stringer struct without exported fields", big.NewInt(12345), "12345"},
		{"Stringer byte slice", net.IPv4(10, 0, 0, 1), "10.0.0.1"},
		{"bytes UTF-8", []byte("héllo"), "héllo"},
		{"slice", []int{1, 2}, []any{int64(1), int64(2)}},
		{"nil slice", []int(nil), []any{}},
		{"array", [2]string{"a", "b"}, []any{"a", "b"}},
		{"byte array is a list", [2]byte{1, 2}, []any{int64(1), int64(2)}},
		{"nested any", []any{1, "a", []any{true}}, []any{int64(1), "a", []any{true}}},
		{"map string keys", map[string]int{"a": 1}, map[string]any{"a": int64(1)}},
		{"map int keys", map[int]string{4: "3.7"}, map[string]any{"4": "3.7"}},
		{"map Stringer keys", map[color]int{0: 1}, map[string]any{"red": int64(1)}},
		{"map any keys", map[any]any{1: "a", true: "b", nil: "c", 1.5: "d", "s": "e"},
			map[string]any{"1": "a", "true": "b", "null": "c", "1.5": "d", "s": "e"}},
		{"nil map", map[string]int(nil), map[string]any{}},
		{"struct", point{1, 2}, map[string]any{"X": int64(1), "Y": int64(2)}},
		{"pointer to struct", &point{1, 2}, map[string]any{"X": int64(1), "Y": int64(2)}},
		{"struct with tags", tagged{
			Base:      Base{ID: 7, Shared: "base"},
			LR:        0.1,
			Epochs:    3,
			Skipped:   "no",
			Dash:      "dash",
			WandbSkip: "no",
			Shared:    "outer",
			Opt:       &point{1, 2},
			When:      ts,
			Every:     time.Second,
			Tags:      []string{"a"},
			Extras:    map[string]any{"k": uint8(1)},
			private:   9,
		}, map[string]any{
			"ID":            int64(7),
			"Shared":        "outer",
			"learning_rate": 0.1,
			"epochs":        int64(3),
			"-":             "dash",
			"Plain":         false,
			"opt":           map[string]any{"X": int64(1), "Y": int64(2)},
			"nil_opt":       nil,
			"when":          "2021-02-16T15:44:07.123456789Z",
			"every":         "1s",
			"tags":          []any{"a"},
			"extras":        map[string]any{"k": int64(1)},
		}},
		{"unexported embedded struct promoted, nil embedded pointer skipped", withUnexportedEmbed{inner: inner{Seed: 3}, Name: "n"},
			map[string]any{"seed": int64(3), "Name": "n"}},
		{"embedded pointer promoted", tagged{Extra: &Extra{Dropout: 0.5}}, nil}, // checked below
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Normalize(tt.in)
			if err != nil {
				t.Fatalf("Normalize: %v", err)
			}
			if tt.name == "embedded pointer promoted" {
				if m := got.(map[string]any); m["Dropout"] != 0.5 {
					t.Errorf("Dropout = %v, want 0.5", m["Dropout"])
				}
				return
			}
			if !equalValues(got, tt.want) || !sameTypes(got, tt.want) {
				t.Errorf("Normalize(%#v) = %#v, want %#v", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizeDoesNotAlias(t *testing.T) {
	in := map[string]any{"a": []any{1}, "m": map[string]any{"x": 1}}
	got, err := Normalize(in)
	if err != nil {
		t.Fatal(err)
	}
	got.(map[string]any)["m"].(map[string]any)["x"] = 2
	if in["m"].(map[string]any)["x"] != 1 {
		t.Error("Normalize returned the caller's map")
	}
}

func TestNormalizeRejects(t *testing.T) {
	loop := &cyclic{Name: "a"}
	loop.Next = loop
	selfMap := map[string]any{}
	selfMap["self"] = selfMap
	tests := []struct {
		name     string
		in       any
		wantPath string // `at "<path>"`, or "" for the root
		wantMsg  string
	}{
		{"channel", map[string]any{"c": make(chan int)}, "c", "unsupported Go type chan int"},
		{"func", []any{1, func() {}}, "[1]", "unsupported Go type func()"},
		{"complex64", complex64(1), "", "unsupported Go type complex64"},
		{"complex128", map[string]any{"opt": map[string]any{"z": 1i}}, "opt.z", "unsupported Go type complex128"},
		{"media value", map[string]any{"img": image{"a.png"}}, "img", "media type runconfig.image cannot be stored in config"},
		{"media pointer", map[string]any{"tbl": &ptrMedia{}}, "tbl", "media type *runconfig.ptrMedia cannot be stored in config"},
		{"media in list", []any{&image{}}, "[0]", "media type *runconfig.image"},
		{"invalid UTF-8 bytes", map[string]any{"b": []byte{0xff, 0xfe}}, "b", "[]uint8 is not valid UTF-8 text"},
		{"unsupported key", map[[2]int]int{{1, 2}: 3}, "", "unsupported map key type [2]int"},
		{"colliding keys", map[any]int{1: 1, "1": 2}, "", `two keys that both convert to "1"`},
		{"cyclic pointer", loop, "Next.Next", "nested deeper than 64 levels"},
		{"cyclic map", selfMap, "self.self", "nested deeper than 64 levels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Normalize(tt.in)
			if err == nil {
				t.Fatal("Normalize succeeded, want error")
			}
			if !errors.Is(err, ErrInvalidValue) {
				t.Errorf("error %v does not wrap ErrInvalidValue", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "runconfig: invalid config value") {
				t.Errorf("error %q lacks the prefix", msg)
			}
			if !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("error %q does not contain %q", msg, tt.wantMsg)
			}
			if tt.wantPath != "" && !strings.Contains(msg, ` at "`+tt.wantPath) {
				t.Errorf("error %q does not name path %q", msg, tt.wantPath)
			}
		})
	}
}

func TestUpdateErrorNamesTopLevelKey(t *testing.T) {
	_, err := New().Update(map[string]any{"--opt": map[string]any{"fn": func() {}}}, false)
	if err == nil || !strings.Contains(err.Error(), `at "opt.fn": unsupported Go type func()`) {
		t.Errorf("error = %v", err)
	}
}
