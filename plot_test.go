package wandb_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io"
	"log"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/core/runlog"
	"github.com/gowandb/wandb/core/runstate"
	"github.com/gowandb/wandb/plotting"
)

// chartWarnings collects a run's warnings (written from the writer
// goroutine too).
type chartWarnings struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *chartWarnings) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *chartWarnings) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// chartRun starts an offline run in a temporary directory, away from the
// user's WANDB_* environment.
func chartRun(t *testing.T) (*wandb.Run, *chartWarnings) {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "WANDB_") {
			t.Setenv(name, "")
		}
	}
	t.Setenv("WANDB_CONFIG_DIR", t.TempDir())
	warn := &chartWarnings{}
	run, err := wandb.Init(context.Background(),
		wandb.WithDir(t.TempDir()), wandb.WithMode(wandb.ModeOffline), wandb.WithSignalHandler(false),
		wandb.WithWarnings(warn), wandb.WithReinit(wandb.ReinitCreateNew), wandb.WithConsole("off"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = run.Finish(0) })
	return run, warn
}

// chartReplay finishes the run and reads its log back.
func chartReplay(t *testing.T, run *wandb.Run) (*runlog.Info, []map[string]any) {
	t.Helper()
	if err := run.Finish(0); err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	info, err := runlog.Replay(run.LogPath(), func(r runlog.Row) error {
		rows = append(rows, r.Map())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return info, rows
}

// checkFile checks that a media JSON's path, sha256 and size are those of
// its file, and returns the file.
func checkFile(t *testing.T, run *wandb.Run, v any) []byte {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("media value = %#v", v)
	}
	path, _ := m["path"].(string)
	data, err := os.ReadFile(filepath.Join(run.Dir(), filepath.FromSlash(path)))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if m["sha256"] != hex.EncodeToString(sum[:]) || m["size"] != int64(len(data)) {
		t.Fatalf("%s: sha256 %v size %v, file has %x and %d bytes", path, m["sha256"], m["size"], sum, len(data))
	}
	return data
}

// wandbPanel is W&B's CustomChartSpec.config_value, written out by hand.
func wandbPanel(spec, tableKey string, fields map[string]any, strs map[string]any) map[string]any {
	return map[string]any{
		"panel_type": "Vega2",
		"panel_config": map[string]any{
			"panelDefId":     spec,
			"fieldSettings":  fields,
			"stringSettings": strs,
			"transform":      map[string]any{"name": "tableWithLeafColNames"},
			"userQuery": map[string]any{"queryFields": []any{map[string]any{
				"name": "runSets",
				"args": []any{map[string]any{"name": "runSets", "value": "${runSets}"}},
				"fields": []any{
					map[string]any{"name": "id", "fields": []any{}},
					map[string]any{"name": "name", "fields": []any{}},
					map[string]any{"name": "_defaultColorIndex", "fields": []any{}},
					map[string]any{"name": "summaryTable", "args": []any{map[string]any{"name": "tableKey", "value": tableKey}}, "fields": []any{}},
				},
			}}},
		},
	}
}

func visualize(t *testing.T, info *runlog.Info, key string) any {
	t.Helper()
	w, _ := info.Config["_wandb"].(map[string]any)
	v, _ := w["visualize"].(map[string]any)
	got, ok := v[key]
	if !ok {
		t.Fatalf("config _wandb.visualize has no %q: %v", key, info.Config["_wandb"])
	}
	return got
}

// TestCustomChartRoundTrip logs a PR curve, then reads the run log back:
// the table under pr_table, the PNG under pr_png, and W&B's panel config at
// _wandb.visualize.pr.
func TestCustomChartRoundTrip(t *testing.T) {
	run, warn := chartRun(t)
	yTrue := []int{0, 0, 1, 1}
	yProbas := [][]float64{{0.9, 0.1}, {0.6, 0.4}, {0.65, 0.35}, {0.2, 0.8}}
	pr, err := wandb.PlotPRCurve(yTrue, yProbas, plotting.WithLabels("neg", "pos"))
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Log(map[string]any{"pr": pr, "loss": 0.5}); err != nil {
		t.Fatal(err)
	}
	info, rows := chartReplay(t, run)
	if len(rows) != 1 {
		t.Fatalf("%d rows", len(rows))
	}
	row := rows[0]
	if _, ok := row["pr"]; ok {
		t.Fatalf("the chart itself was logged under its key: %v", row["pr"])
	}
	if row["loss"] != 0.5 {
		t.Fatalf("loss = %v", row["loss"])
	}

	// The table: a normal table-file.
	tbl := row["pr_table"].(map[string]any)
	if tbl["_type"] != "table-file" || tbl["ncols"] != int64(3) || tbl["nrows"] != int64(42) ||
		!strings.HasPrefix(tbl["path"].(string), "media/table/pr_table_0_") {
		t.Fatalf("pr_table = %v", tbl)
	}
	var content struct {
		Columns []string `json:"columns"`
		Data    [][]any  `json:"data"`
	}
	if err := json.Unmarshal(checkFile(t, run, tbl), &content); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(content.Columns, []string{"class", "precision", "recall"}) || len(content.Data) != 42 ||
		!reflect.DeepEqual(content.Data[21], []any{"pos", 0.667, 1.0}) {
		t.Fatalf("table = %v, row 21 = %v", content.Columns, content.Data[21])
	}

	// The image: W&B's image-file JSON of a 640×480 PNG.
	img := row["pr_png"].(map[string]any)
	if img["_type"] != "image-file" || img["format"] != "png" || img["width"] != int64(640) || img["height"] != int64(480) ||
		!strings.HasPrefix(img["path"].(string), "media/images/pr_png_0_") {
		t.Fatalf("pr_png = %v", img)
	}
	if _, ok := img["caption"]; ok {
		t.Fatalf("caption without dropped points: %v", img)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(checkFile(t, run, img)))
	if err != nil || cfg.Width != 640 || cfg.Height != 480 {
		t.Fatalf("png %dx%d %v", cfg.Width, cfg.Height, err)
	}

	// The config entry, exactly W&B's.
	want := wandbPanel("wandb/area-under-curve/v0", "pr_table",
		map[string]any{"x": "recall", "y": "precision", "class": "class"},
		map[string]any{"title": "Precision-Recall Curve", "x-axis-title": "Recall", "y-axis-title": "Precision"})
	if got := visualize(t, info, "pr"); !reflect.DeepEqual(got, want) {
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		t.Fatalf("_wandb.visualize.pr\n got %s\nwant %s", gj, wj)
	}
	// The files are in the run's file list, and the summary has them too.
	if !containsAll(info.Files, tbl["path"].(string), img["path"].(string)) {
		t.Fatalf("files = %v", info.Files)
	}
	if s, ok := info.Summary["pr_table"].(map[string]any); !ok || s["path"] != tbl["path"] {
		t.Fatalf("summary pr_table = %v", info.Summary["pr_table"])
	}
	if warn.String() != "" {
		t.Fatalf("warnings: %s", warn)
	}
}

func containsAll(list []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, l := range list {
			found = found || l == w
		}
		if !found {
			return false
		}
	}
	return true
}

// TestPlotTableOfAUserTable: Run.PlotTable with a user's table and spec,
// an unset (null) field, a split table, and a chart inside a nested map.
func TestPlotTableOfAUserTable(t *testing.T) {
	run, warn := chartRun(t)
	tbl, err := wandb.NewTable([]string{"step", "value", "series"}, [][]any{{1, 0.5, "a"}, {2, 0.25, "a"}, {1, 0.7, "b"}})
	if err != nil {
		t.Fatal(err)
	}
	custom := run.PlotTable("wandb/line/v0", tbl, map[string]string{"x": "step", "y": "value", "stroke": ""}, map[string]string{"title": "Mine"})
	split := wandb.PlotLine(tbl, "step", "value", plotting.WithStroke("series"), plotting.WithSplitTable(true))
	cm, err := wandb.PlotConfusionMatrix([]int{0, 1}, []int{1, 1}, []string{"cat", "dog"})
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Log(map[string]any{"custom": custom, "split": split, "eval": map[string]any{"cm": cm, "acc": 0.5}}); err != nil {
		t.Fatal(err)
	}
	info, rows := chartReplay(t, run)
	row := rows[0]
	for _, k := range []string{"custom_table", "custom_png", "Custom Chart Tables/split_table", "split_png", "eval.cm_table", "eval.cm_png"} {
		if _, ok := row[k].(map[string]any); !ok {
			t.Errorf("row has no %q: %v", k, keys(row))
		}
	}
	if eval, _ := row["eval"].(map[string]any); eval["acc"] != 0.5 || eval["cm"] != nil {
		t.Errorf("eval = %v", row["eval"])
	}
	if got, want := visualize(t, info, "custom"), wandbPanel("wandb/line/v0", "custom_table",
		map[string]any{"x": "step", "y": "value", "stroke": nil}, map[string]any{"title": "Mine"}); !reflect.DeepEqual(got, want) {
		t.Errorf("custom = %v", got)
	}
	if got, want := visualize(t, info, "split"), wandbPanel("wandb/line/v0", "Custom Chart Tables/split_table",
		map[string]any{"x": "step", "y": "value", "stroke": "series"}, map[string]any{"title": ""}); !reflect.DeepEqual(got, want) {
		t.Errorf("split = %v", got)
	}
	if got, want := visualize(t, info, "eval.cm"), wandbPanel("wandb/confusion_matrix/v1", "eval.cm_table",
		map[string]any{"Actual": "Actual", "Predicted": "Predicted", "nPredictions": "nPredictions"},
		map[string]any{"title": "Confusion Matrix Curve"}); !reflect.DeepEqual(got, want) {
		t.Errorf("eval.cm = %v", got)
	}
	if warn.String() != "" {
		t.Fatalf("warnings: %s", warn)
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestLoggingAPlotLogsAnImage: a *plot.Plot is the Go matplotlib figure.
func TestLoggingAPlotLogsAnImage(t *testing.T) {
	run, _ := chartRun(t)
	p := plot.New()
	p.Title.Text = "mine"
	l, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 1}, {X: 1, Y: 3}})
	if err != nil {
		t.Fatal(err)
	}
	p.Add(l)
	small, err := wandb.NewPlotImage(p, 200, 100, "small one")
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Log(map[string]any{"fig": p, "nested": map[string]any{"fig": small}}); err != nil {
		t.Fatal(err)
	}
	_, rows := chartReplay(t, run)
	img := rows[0]["fig"].(map[string]any)
	if img["_type"] != "image-file" || img["format"] != "png" || img["width"] != int64(640) || img["height"] != int64(480) ||
		!strings.HasPrefix(img["path"].(string), "media/images/fig_0_") {
		t.Fatalf("fig = %v", img)
	}
	if _, err := png.Decode(bytes.NewReader(checkFile(t, run, img))); err != nil {
		t.Fatal(err)
	}
	nested := rows[0]["nested"].(map[string]any)["fig"].(map[string]any)
	if nested["width"] != int64(200) || nested["caption"] != "small one" ||
		!strings.HasPrefix(nested["path"].(string), "media/images/nested/fig_0_") {
		t.Fatalf("nested fig = %v", nested)
	}
}

// TestChartImageCountsDroppedPoints: NaN/Inf points are left out of the
// drawing, and the image's caption says how many.
func TestChartImageCountsDroppedPoints(t *testing.T) {
	run, _ := chartRun(t)
	c, err := plotting.Line([]int{0, 1, 2, 3}, []float64{1, math.NaN(), math.Inf(1), 2}, plotting.WithTitle("loss"))
	if err != nil {
		t.Fatal(err)
	}
	chart, err := wandb.PlotChart(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Log(map[string]any{"loss_chart": chart.WithImageSize(320, 240)}); err != nil {
		t.Fatal(err)
	}
	_, rows := chartReplay(t, run)
	img := rows[0]["loss_chart_png"].(map[string]any)
	if img["caption"] != "(2 NaN/Inf points dropped)" || img["width"] != int64(320) {
		t.Fatalf("image = %v", img)
	}
	// The table keeps every value, as W&B writes them (NaN, Infinity).
	content, err := runstate.DecodeJSON(checkFile(t, run, rows[0]["loss_chart_table"]))
	if err != nil {
		t.Fatal(err)
	}
	data := content.(map[string]any)["data"].([]any)
	if len(data) != 4 || !math.IsNaN(data[1].([]any)[1].(float64)) || !math.IsInf(data[2].([]any)[1].(float64), 1) {
		t.Fatalf("table data = %v", data)
	}
}

func TestBadChartsAreRefusedAndTheRowLands(t *testing.T) {
	run, _ := chartRun(t)
	var nilPlot *plot.Plot
	err := run.Log(map[string]any{
		"nochart": wandb.PlotTable("wandb/line/v0", nil, nil, nil),
		"noplot":  nilPlot,
		"loss":    1.0,
	})
	if !errors.Is(err, wandb.ErrInvalidValue) || !strings.Contains(err.Error(), `"nochart"`) || !strings.Contains(err.Error(), `"noplot"`) {
		t.Fatalf("err = %v", err)
	}
	// A user spec gonum cannot draw logs its table and config but no image.
	tbl, _ := wandb.NewTable([]string{"a"}, [][]any{{1}})
	if err := run.Log(map[string]any{"mine": wandb.PlotTable("me/special/v1", tbl, map[string]string{"value": "a"}, nil)}); err != nil {
		t.Fatal(err)
	}
	info, rows := chartReplay(t, run)
	if rows[0]["loss"] != 1.0 || len(rows[0]) != 4 { // loss, _step, _runtime, _timestamp
		t.Fatalf("row 0 = %v", rows[0])
	}
	if _, ok := rows[1]["mine_table"]; !ok {
		t.Fatalf("row 1 = %v", rows[1])
	}
	if _, ok := rows[1]["mine_png"]; ok {
		t.Fatalf("undrawable chart got an image: %v", rows[1])
	}
	visualize(t, info, "mine")
}

func TestChartConstructorsRefuseBadInput(t *testing.T) {
	for name, err := range map[string]error{
		"pr":     second(wandb.PlotPRCurve([]int{0, 1}, [][]float64{{1}})),
		"roc":    second(wandb.PlotROCCurve(nil, nil)),
		"cm":     second(wandb.PlotConfusionMatrix([]int{0}, nil, nil)),
		"probs":  second(wandb.PlotConfusionMatrixFromProbs([]int{0}, [][]float64{{}}, nil)),
		"series": second(wandb.PlotLineSeries([][]int{{1}, {2}}, [][]int{{1}})),
		"nil":    second(wandb.PlotChart(nil)),
	} {
		if err == nil || !strings.HasPrefix(err.Error(), "wandb: ") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if _, err := wandb.NewPlotImage(plot.New(), 0, 10); !errors.Is(err, wandb.ErrInvalidValue) {
		t.Errorf("zero-width plot image: %v", err)
	}
}

func second(_ *wandb.CustomChart, err error) error { return err }

// TestChartPanelConfigMatchesTheLoggedOne: CustomChart.PanelConfig is what
// Log stores.
func TestChartPanelConfigMatchesTheLoggedOne(t *testing.T) {
	c, err := wandb.PlotROCCurve([]int{0, 1, 1}, [][]float64{{0.8, 0.2}, {0.3, 0.7}, {0.6, 0.4}}, plotting.WithTitle("R"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Spec() != plotting.SpecAreaUnderCurve || c.TableKey("k") != "k_table" || c.Table().NumRows() == 0 ||
		c.Fields()["x"] != "fpr" || c.StringFields()["title"] != "R" {
		t.Fatalf("chart = %v %v %v", c.Spec(), c.Fields(), c.StringFields())
	}
	want := c.PanelConfig("k")
	pc := want["panel_config"].(map[string]any)
	if pc["panelDefId"] != plotting.SpecAreaUnderCurve {
		t.Fatalf("panel config = %v", want)
	}
	if _, err := c.Plot(); err != nil {
		t.Fatal(err)
	}
}

// TestLogWithoutChartsKeepsTheCallersMap: plain rows go to the handler as
// they are, and rows with charts never change the caller's maps.
func TestLogWithoutChartsKeepsTheCallersMap(t *testing.T) {
	run, _ := chartRun(t)
	cm, _ := wandb.PlotConfusionMatrix([]int{0}, []int{0}, nil)
	nested := map[string]any{"cm": cm}
	data := map[string]any{"eval": nested, "x": 1}
	if err := run.Log(data); err != nil {
		t.Fatal(err)
	}
	if data["eval"].(map[string]any)["cm"] != cm || len(data) != 2 || len(nested) != 1 {
		t.Fatalf("the caller's map changed: %v", data)
	}
}

// TestSelfNestedMapDoesNotHang: a map that holds itself is refused by the
// handler, and the chart hook does not recurse forever on it.
func TestSelfNestedMapDoesNotHang(t *testing.T) {
	run, _ := chartRun(t)
	m := map[string]any{}
	m["self"] = m
	if err := run.Log(map[string]any{"m": m}); !errors.Is(err, wandb.ErrInvalidValue) {
		t.Fatalf("err = %v", err)
	}
}

// BenchmarkLogWithChartCheck is the cost of the chart hook on a 10-scalar row
// (the bench in bench_test.go measures the whole Log).
func BenchmarkLogWithChartCheck(b *testing.B) {
	run, err := wandb.Init(context.Background(), wandb.WithDir(b.TempDir()), wandb.WithMode(wandb.ModeOffline),
		wandb.WithSignalHandler(false), wandb.WithReinit(wandb.ReinitCreateNew), wandb.WithWarnings(nil), wandb.WithConsole("off"))
	if err != nil {
		b.Fatal(err)
	}
	defer run.Finish(0)
	row := map[string]any{}
	for i := range 10 {
		row[fmt.Sprintf("metric_%d", i)] = float64(i)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := run.Log(row); err != nil {
			b.Fatal(err)
		}
	}
}

var _ runstate.Binder = (*wandb.PlotImage)(nil)

func ExamplePlotPRCurve() {
	dir, err := os.MkdirTemp("", "wandb-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	run, err := wandb.Init(context.Background(), wandb.WithDir(dir), wandb.WithMode(wandb.ModeOffline),
		wandb.WithSignalHandler(false), wandb.WithWarnings(io.Discard), wandb.WithConsole("off"))
	if err != nil {
		log.Fatal(err)
	}
	yTrue := []int{0, 0, 1, 1}
	yProbas := [][]float64{{0.9, 0.1}, {0.6, 0.4}, {0.65, 0.35}, {0.2, 0.8}}
	pr, err := wandb.PlotPRCurve(yTrue, yProbas, plotting.WithLabels("cat", "dog"))
	if err != nil {
		log.Fatal(err)
	}
	// Logs pr_table (the curve's table), pr_png (the chart drawn with
	// gonum/plot) and the config entry _wandb.visualize.pr.
	if err := run.Log(map[string]any{"pr": pr}); err != nil {
		log.Fatal(err)
	}
	spec, _ := run.Config().GetPath("_wandb", "visualize", "pr", "panel_config", "panelDefId")
	fmt.Println(spec, pr.TableKey("pr"), pr.Table().NumRows())
	if err := run.Finish(0); err != nil {
		log.Fatal(err)
	}
	// Output: wandb/area-under-curve/v0 pr_table 42
}

func ExamplePlotLine() {
	table, err := wandb.NewTable([]string{"step", "loss"}, [][]any{{0, 1.0}, {1, 0.6}, {2, 0.4}})
	if err != nil {
		log.Fatal(err)
	}
	chart := wandb.PlotLine(table, "step", "loss", plotting.WithTitle("Loss"))
	// Logged with run.Log(map[string]any{"loss_chart": chart}); it can also
	// be drawn locally.
	var svg bytes.Buffer
	if err := chart.Chart().Render(&svg, "svg", 320, 240); err != nil {
		log.Fatal(err)
	}
	fmt.Println(chart.Spec(), chart.Fields(), strings.HasPrefix(svg.String(), "<?xml"))
	// Output: wandb/line/v0 map[stroke: x:step y:loss] true
}
