package store

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/wjson"
)

// decodeHistoryLine is the reference the scanner must agree with: decode
// with wjson, flatten the map (the implementation the scanner replaced).
func decodeHistoryLine(line string, offset int) (int64, []Point, error) {
	v, err := wjson.Decode([]byte(line))
	if err != nil {
		return 0, nil, fmt.Errorf("%w: history line %d: %w", ErrInvalid, offset, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return 0, nil, fmt.Errorf("%w: history line %d is not a JSON object", ErrInvalid, offset)
	}
	step := int64(offset)
	if s, ok := m["_step"].(int64); ok {
		step = s
	}
	var pts []Point
	flattenRef("", m, &pts)
	sortPoints(pts)
	return step, pts, nil
}

func flattenRef(prefix string, m map[string]any, pts *[]Point) {
	for k, v := range m {
		if prefix == "" && k == "_step" {
			continue
		}
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		switch x := v.(type) {
		case int64:
			*pts = append(*pts, Point{key, float64(x)})
		case float64:
			if !math.IsNaN(x) && !math.IsInf(x, 0) {
				*pts = append(*pts, Point{key, x})
			}
		case map[string]any:
			if _, media := x["_type"]; !media {
				flattenRef(key, x, pts)
			}
		}
	}
}

// sortPoints orders by key, then value: flattened keys may collide
// ({"a.b":1,"a":{"b":2}}) and the reference's order among them is random.
func sortPoints(pts []Point) {
	slices.SortFunc(pts, func(a, b Point) int {
		return cmp.Or(strings.Compare(a.Key, b.Key), cmp.Compare(a.Value, b.Value))
	})
}

// knownDecodeQuirk reports inputs that wjson.Decode accepts and the
// scanner rightly rejects: wjson rewrites bare NaN/Infinity anywhere
// outside strings into sentinel strings (so {NaN:1} decodes), and
// json.Decoder.More ignores a trailing '}' or ']'.
func knownDecodeQuirk(line string) bool {
	if strings.Contains(line, "NaN") || strings.Contains(line, "Infinity") {
		return true
	}
	t := strings.TrimRight(line, " \t\r\n")
	return strings.HasSuffix(t, "}") || strings.HasSuffix(t, "]")
}

func checkAgainstDecode(t *testing.T, line string) {
	t.Helper()
	ws, wp, werr := decodeHistoryLine(line, 3)
	gs, gp, gerr := ParseHistoryLine(line, 3)
	if gerr != nil && !errors.Is(gerr, ErrInvalid) {
		t.Fatalf("%q: error %v does not wrap ErrInvalid", line, gerr)
	}
	switch {
	case werr != nil && gerr != nil:
		return
	case werr != nil:
		t.Fatalf("%q: scanner accepted (step %d, %v) what wjson rejects: %v", line, gs, gp, werr)
	case gerr != nil:
		if knownDecodeQuirk(line) {
			return
		}
		t.Fatalf("%q: scanner rejected what wjson accepts: %v", line, gerr)
	}
	gp = slices.Clone(gp)
	sortPoints(gp)
	if gs != ws || !slices.EqualFunc(gp, wp, func(a, b Point) bool {
		return a.Key == b.Key && math.Float64bits(a.Value) == math.Float64bits(b.Value)
	}) {
		t.Fatalf("%q:\n scanner step %d %v\n wjson   step %d %v", line, gs, gp, ws, wp)
	}
}

var scanSeeds = []string{
	`{"_step":42,"loss":0.5,"n":{"a":1,"b":{"c":2}},"s":"x","ok":true,"nan":NaN,"inf":-Infinity,"img":{"_type":"image-file","width":3}}`,
	`{"x":1}`, `{}`, ` { "a" : [1, {"b":2}, "x", null] , "c" : -0 } `,
	`{"a":1,"a":2}`, `{"a":{"b":1},"a":3}`, `{"a":{"b":1,"_type":"t"}}`, `{"a":{"b":{"_type":1,"c":2},"d":3}}`,
	`{"_step":1.5,"x":1}`, `{"_step":7,"_step":"a"}`, `{"_step":{"a":1},"b":2}`, `{"a.b":1,"a":{"b":2}}`,
	`{"big":99999999999999999999,"neg":-9223372036854775808,"max":9223372036854775807,"e":1e400,"u":1e-400}`,
	`{"k\u00e9y":1,"\ud800":2,"t\tab":3}`, `{"a":"\u0000wandb:NaN\u0000"}`, `{"x":1.25e+3,"y":-0.0,"z":0.1E-2}`,
	`{"a":[[[]]],"b":{"c":{}}}`, `{"_step":-3}`, `{"nested":{"_step":5}}`,
	// rejected
	``, `1`, `[]`, `{`, `{"a":1}x`, `{"a":1} {"b":2}`, `{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":-}`, `{"a":+1}`,
	`{"a":tru}`, `{"a":"\x01"}`, `{"a":"\q"}`, `{"a":"\u12"}`, `{"a":1,}`, `{,}`, `{"a" 1}`, `{"a":-NaN}`, `{a:1}`,
	`{"a":[1,]}`, `{"a":[1 2]}`, "\ufeff{}", `{"a":"x`, `{"a":1}}`, `{NaN:1}`, `{"a":1e}`, `{"a":Infinityx}`,
}

func TestParseHistoryLineMatchesDecode(t *testing.T) {
	for _, s := range scanSeeds {
		checkAgainstDecode(t, s)
	}
	deep := strings.Repeat(`{"a":`, 200) + "1" + strings.Repeat("}", 200)
	checkAgainstDecode(t, deep)
}

func TestParseHistoryLineErrorsNameTheLine(t *testing.T) {
	_, _, err := ParseHistoryLine(`{"a":1,"b":tru}`, 17)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "history line 17") || !strings.Contains(err.Error(), "byte 11") {
		t.Fatalf("err = %v", err)
	}
}

// FuzzParseHistoryLineMatchesDecode checks the scanner against wjson.Decode
// plus flattening on arbitrary input.
func FuzzParseHistoryLineMatchesDecode(f *testing.F) {
	for _, s := range scanSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) { checkAgainstDecode(t, line) })
}

func TestParseHistoryLinesBatch(t *testing.T) {
	var lines []string
	for i := range 3000 { // large enough to be split over workers
		lines = append(lines, `{"_step":`+strconv.Itoa(2*i)+`,"b":`+strconv.Itoa(i)+`,"a":{"x":0.5}}`)
	}
	got, err := ParseHistoryLines(lines, 10)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range got {
		if p.Step != int64(2*i) || len(p.Points) != 2 || p.Points[0] != (Point{"a.x", 0.5}) || p.Points[1] != (Point{"b", float64(i)}) {
			t.Fatalf("line %d: %+v", i, p)
		}
	}
	lines[2500] = `{"b":`
	if _, err := ParseHistoryLines(lines, 10); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "history line 2510") {
		t.Fatalf("bad line: %v", err)
	}
}

func BenchmarkParseHistoryLine(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString(`{"_step":12345,"_runtime":123.45,"_timestamp":1.7000012345e9`)
	for k := range 10 {
		fmt.Fprintf(&buf, `,"m%d":%v`, k, math.Sin(float64(k))*float64(k+1))
	}
	buf.WriteString("}")
	line := buf.String()
	b.Run("scanner", func(b *testing.B) {
		var sc lineScanner
		b.SetBytes(int64(len(line)))
		for b.Loop() {
			sc.pts = sc.pts[:0]
			if _, _, err := sc.scan(line, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("wjson", func(b *testing.B) {
		b.SetBytes(int64(len(line)))
		for b.Loop() {
			if _, _, err := decodeHistoryLine(line, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
}
