package plotting

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
)

func TestPresetShapes(t *testing.T) {
	line, _ := Line([]int{1, 2}, []float32{0.5, 0.25}, WithTitle("t"))
	scatter, _ := Scatter([]float64{1}, []float64{2})
	bar, _ := Bar([]string{"a", "b"}, []uint8{3, 4}, WithTitle("bars"))
	hist, _ := Histogram([]float64{1, 2, 3})
	series, _ := LineSeries([][]int{{0, 1, 2}}, [][]float64{{1, 2, 3}, {4, 5}}, WithXName("epoch"))
	for _, c := range []struct {
		name    string
		c       *Chart
		spec    string
		columns []string
		rows    [][]any
		fields  map[string]string
		strs    map[string]string
	}{
		{"line", line, SpecLine, []string{"x", "y"},
			[][]any{{int64(1), float32(0.5)}, {int64(2), float32(0.25)}},
			map[string]string{"x": "x", "y": "y", "stroke": ""}, map[string]string{"title": "t"}},
		{"scatter", scatter, SpecScatter, []string{"x", "y"}, [][]any{{1.0, 2.0}},
			map[string]string{"x": "x", "y": "y"}, map[string]string{"title": ""}},
		{"bar", bar, SpecBar, []string{"label", "value"}, [][]any{{"a", uint64(3)}, {"b", uint64(4)}},
			map[string]string{"label": "label", "value": "value"}, map[string]string{"title": "bars"}},
		{"histogram", hist, SpecHistogram, []string{"value"}, [][]any{{1.0}, {2.0}, {3.0}},
			map[string]string{"value": "value"}, map[string]string{"title": ""}},
		// One shared x series; the second line is cut to its 2 y values
		// (Python's zip).
		{"lineseries", series, SpecLineSeries, []string{"step", "lineKey", "lineVal"},
			[][]any{{int64(0), "line_0", 1.0}, {int64(1), "line_0", 2.0}, {int64(2), "line_0", 3.0},
				{int64(0), "line_1", 4.0}, {int64(1), "line_1", 5.0}},
			map[string]string{"step": "step", "lineKey": "lineKey", "lineVal": "lineVal"},
			map[string]string{"title": "", "xname": "epoch"}},
	} {
		if c.c == nil {
			t.Fatalf("%s: nil chart", c.name)
		}
		if c.c.Spec != c.spec || !reflect.DeepEqual(c.c.Columns, c.columns) || !reflect.DeepEqual(c.c.Rows, c.rows) ||
			!reflect.DeepEqual(c.c.Fields, c.fields) || !reflect.DeepEqual(c.c.StringFields, c.strs) {
			t.Errorf("%s = %+v", c.name, *c.c)
		}
	}
}

func TestTablePresetsNameTheirColumns(t *testing.T) {
	cols := []string{"step", "value", "series"}
	rows := [][]any{{1, 0.5, "a"}}
	l := LineTable(cols, rows, "step", "value", WithStroke("series"), WithTitle("T"), WithSplitTable(true))
	if !reflect.DeepEqual(l.Fields, map[string]string{"x": "step", "y": "value", "stroke": "series"}) ||
		l.Title != "T" || !l.SplitTable || l.TableKey("k") != "Custom Chart Tables/k_table" {
		t.Fatalf("line = %+v", *l)
	}
	if l := LineTable(cols, rows, "step", "value"); l.Fields["stroke"] != "" {
		t.Fatalf("unset stroke = %q", l.Fields["stroke"])
	}
	if s := ScatterTable(cols, rows, "step", "value"); s.Spec != SpecScatter || s.Fields["y"] != "value" {
		t.Fatalf("scatter = %+v", *s)
	}
	if b := BarTable(cols, rows, "series", "value"); b.Spec != SpecBar || b.Fields["label"] != "series" {
		t.Fatalf("bar = %+v", *b)
	}
	if h := HistogramTable(cols, rows, "value"); h.Spec != SpecHistogram || h.Fields["value"] != "value" {
		t.Fatalf("histogram = %+v", *h)
	}
}

// TestPanelConfigIsWandbsStructure checks the _wandb.visualize entry key
// by key against W&B's CustomChartSpec.config_value.
func TestPanelConfigIsWandbsStructure(t *testing.T) {
	c, _ := Line([]int{1}, []int{2}, WithTitle("My chart"))
	got, err := json.Marshal(c.PanelConfig("loss_curve"))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"panel_config":{"fieldSettings":{"stroke":null,"x":"x","y":"y"},` +
		`"panelDefId":"wandb/line/v0","stringSettings":{"title":"My chart"},` +
		`"transform":{"name":"tableWithLeafColNames"},"userQuery":{"queryFields":[{` +
		`"args":[{"name":"runSets","value":"${runSets}"}],"fields":[` +
		`{"fields":[],"name":"id"},{"fields":[],"name":"name"},{"fields":[],"name":"_defaultColorIndex"},` +
		`{"args":[{"name":"tableKey","value":"loss_curve_table"}],"fields":[],"name":"summaryTable"}],` +
		`"name":"runSets"}]}},"panel_type":"Vega2"}`
	if string(got) != want {
		t.Fatalf("panel config\n got %s\nwant %s", got, want)
	}
}

func TestNewChartCopiesItsInput(t *testing.T) {
	cols := []string{"a", "b"}
	rows := [][]any{{1, 2}}
	fields := map[string]string{"x": "a", "y": "b"}
	c := NewChart("me/custom/v1", cols, rows, fields, map[string]string{"title": "hi"})
	cols[0], rows[0][0], fields["x"] = "z", 9, "z"
	if c.Columns[0] != "a" || c.Rows[0][0] != 1 || c.Fields["x"] != "a" || c.Title != "hi" {
		t.Fatalf("chart = %+v", *c)
	}
	if c := NewChart("s", nil, nil, nil, nil); c.Fields == nil || c.StringFields == nil {
		t.Fatal("nil maps are not made empty")
	}
}

func ExampleLine() {
	c, err := Line([]int{0, 1, 2}, []float64{0.9, 0.5, 0.3}, WithTitle("loss"))
	if err != nil {
		panic(err)
	}
	fmt.Println(c.Spec, c.Columns, c.Rows, c.StringFields["title"])
	// Output: wandb/line/v0 [x y] [[0 0.9] [1 0.5] [2 0.3]] loss
}
