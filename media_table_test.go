package wandb

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gowandb/wandb/core/runstate"
)

func mustTable(t testing.TB) func(*Table, error) *Table {
	return func(tb *Table, err error) *Table {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return tb
	}
}

func TestTableGolden(t *testing.T) {
	img := mustImage(t)(NewImageFromPixels(gradient(2, 2), []int{2, 2, 3}, Caption("cell")))
	h, _ := NewHistogram([]float64{1, 2, 2, 3}, 2)
	when := time.Date(2000, 12, 1, 0, 0, 0, 0, time.UTC)
	tb := mustTable(t)(NewTable([]string{"id", "name", "score", "ok", "none", "img", "hist", "list", "when"}, [][]any{
		{1, "a", 0.5, true, nil, img, h, []float64{1, 2}, when},
		{2, "b", math.NaN(), false, nil, nil, nil, map[string]any{"x": 1}, when},
	}))
	dir, got := bindGolden(t, "table", tb)
	file := readBound(t, dir, got)
	want := `{"columns":["id","name","score","ok","none","img","hist","list","when"],"data":[` +
		`[1,"a",0.5,true,null,` + string(mustJSON(t, img, dir)) + `,{"_type":"histogram","values":[1,3],"bins":[1.0,2.0,3.0]},[1.0,2.0],975628800000],` +
		`[2,"b",NaN,false,null,null,null,{"x":1},975628800000]]}`
	if file != want {
		t.Errorf("table file\n got %s\nwant %s", file, want)
	}
	if p := got["path"].(string); !strings.HasPrefix(p, "media/table/k_3_") || !strings.HasSuffix(p, ".table.json") {
		t.Errorf("path %s", p)
	}
}

// mustJSON is a media value's JSON bound at key k, step 3.
func mustJSON(t *testing.T, b runstate.Binder, dir string) []byte {
	t.Helper()
	j, _, err := b.BindToRun(runstate.Binding{FilesDir: dir, Key: "k", Step: 3})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func TestTableAPI(t *testing.T) {
	tb := mustTable(t)(NewTable([]string{"a"}, nil))
	if err := tb.AddRow(1); err != nil {
		t.Fatal(err)
	}
	if err := tb.AddRow(2); err != nil {
		t.Fatal(err)
	}
	if err := tb.AddColumn("b", []any{"x", "y"}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tb.Columns(), []string{"a", "b"}) || !reflect.DeepEqual(tb.Rows(), [][]any{{1, "x"}, {2, "y"}}) || tb.NumRows() != 2 {
		t.Errorf("columns %v rows %v", tb.Columns(), tb.Rows())
	}
	if col, ok := tb.Column("b"); !ok || !reflect.DeepEqual(col, []any{"x", "y"}) {
		t.Errorf("column b = %v", col)
	}
	if _, ok := tb.Column("c"); ok {
		t.Error("column c found")
	}
	// Rows returns a copy.
	tb.Rows()[0][0] = 99
	if tb.Rows()[0][0] != 1 {
		t.Error("Rows gave the table's own slices")
	}
	// A table without columns takes its rows from its first column.
	empty := mustTable(t)(NewTable(nil, nil))
	if err := empty.AddColumn("c", []any{1, 2, 3}); err != nil || empty.NumRows() != 3 {
		t.Errorf("first column: %v, %d rows", err, empty.NumRows())
	}
	if tb.LogMode() != TableImmutable {
		t.Errorf("default log mode %s", tb.LogMode())
	}
}

func TestTableBadInput(t *testing.T) {
	tb := mustTable(t)(NewTable([]string{"a", "b"}, nil))
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"short row", tb.AddRow(1), "a row of 1 values for 2 columns"},
		{"bad string", tb.AddRow(1, "\xff"), `column "b": string is not valid UTF-8`},
		{"bad type", tb.AddRow(1, make(chan int)), "cannot log a value of type chan int"},
		{"table in a table", tb.AddRow(1, tb), "a table cannot hold a table"},
		{"media in a list", tb.AddRow(1, []*HTML{{}}), "media inside a list"},
		{"column length", tb.AddColumn("c", []any{1}), `column "c" has 1 values for 0 rows`},
		{"repeated column", tb.AddColumn("a", nil), `column "a" appears twice`},
		{"new table repeated column", errOf(NewTable([]string{"x", "x"}, nil)), `column "x" appears twice`},
		{"new table bad row", errOf(NewTable([]string{"x"}, [][]any{{1}, {1, 2}})), "(row 1)"},
		{"log mode", errOf(NewTable(nil, nil, LogMode("SOMETIMES"))), `log mode "SOMETIMES"`},
		{"incremental add column", mustTable(t)(NewTable([]string{"x"}, nil, LogMode(TableIncremental))).AddColumn("y", nil), "AddColumn is not supported for tables with log mode INCREMENTAL"},
	}
	for _, tt := range tests {
		if tt.err == nil || !strings.Contains(tt.err.Error(), tt.want) || !strings.HasPrefix(tt.err.Error(), "wandb: table: ") {
			t.Errorf("%s: error %v, want it to name %q", tt.name, tt.err, tt.want)
		}
	}
	if tb.NumRows() != 0 {
		t.Errorf("refused rows were added: %v", tb.Rows())
	}
}

func errOf[T any](_ T, err error) error { return err }

func TestTableRowLimit(t *testing.T) {
	rows := make([][]any, MaxTableRows+3)
	for i := range rows {
		rows[i] = []any{i}
	}
	tb := mustTable(t)(NewTable([]string{"i"}, rows))
	_, got := bindGolden(t, "table_over_limit", tb)
	if got["nrows"] != float64(MaxTableRows) {
		t.Errorf("nrows = %v: the file holds the first %d rows", got["nrows"], MaxTableRows)
	}
	if tb.NumRows() != MaxTableRows+3 {
		t.Errorf("the table lost rows: %d", tb.NumRows())
	}
	strict := mustTable(t)(NewTable([]string{"i"}, rows[:MaxTableRows], StrictRowLimit(true)))
	if err := strict.AddRow(1); !errors.Is(err, ErrTableRowLimit) {
		t.Errorf("strict AddRow past the limit: %v", err)
	}
	if _, err := NewTable([]string{"i"}, rows, StrictRowLimit(true)); !errors.Is(err, ErrTableRowLimit) {
		t.Errorf("strict NewTable past the limit: %v", err)
	}
}

// logged returns the JSON logged for key "t" in each row.
func loggedTables(t *testing.T, rows []map[string]any) []map[string]any {
	var out []map[string]any
	for _, r := range rows {
		if v, ok := r["t"].(map[string]any); ok {
			out = append(out, v)
		}
	}
	return out
}

func tableFileRows(t *testing.T, run *Run, v map[string]any) [][]any {
	t.Helper()
	var f struct {
		Data [][]any `json:"data"`
	}
	if err := json.Unmarshal([]byte(readBound(t, run.Dir(), v)), &f); err != nil {
		t.Fatal(err)
	}
	return f.Data
}

func TestTableLogModes(t *testing.T) {
	for _, mode := range []TableLogMode{TableImmutable, TableMutable, TableIncremental} {
		t.Run(string(mode), func(t *testing.T) {
			run, warns := mediaRun(t)
			tb := mustTable(t)(NewTable([]string{"a"}, [][]any{{1}}, LogMode(mode)))
			if err := run.Log(map[string]any{"t": tb}); err != nil {
				t.Fatal(err)
			}
			if err := run.Flush(t.Context()); err != nil {
				t.Fatal(err)
			}
			if err := tb.AddRow(2); err != nil {
				t.Fatal(err)
			}
			if err := run.Log(map[string]any{"t": tb}); err != nil {
				t.Fatal(err)
			}
			rows, info := mediaReplay(t, run)
			logged := loggedTables(t, rows)
			if len(logged) != 2 {
				t.Fatalf("logged %v", logged)
			}
			for _, v := range logged {
				checkMediaFile(t, run, info, v)
				if v["log_mode"] != string(mode) || v["ncols"] != int64(1) {
					t.Errorf("%v", v)
				}
			}
			first, second := logged[0], logged[1]
			switch mode {
			case TableImmutable:
				if first["_type"] != "table-file" || second["path"] != first["path"] || second["nrows"] != int64(1) {
					t.Errorf("immutable: %v then %v", first, second)
				}
			case TableMutable:
				if second["path"] == first["path"] || second["nrows"] != int64(2) || !reflect.DeepEqual(tableFileRows(t, run, second), [][]any{{1.0}, {2.0}}) {
					t.Errorf("mutable: %v then %v", first, second)
				}
			case TableIncremental:
				if first["_type"] != "incremental-table-file" || first["increment_num"] != int64(0) || second["increment_num"] != int64(1) || second["nrows"] != int64(2) {
					t.Errorf("incremental: %v then %v", first, second)
				}
				if !reflect.DeepEqual(tableFileRows(t, run, second), [][]any{{2.0}}) {
					t.Errorf("increment 1 holds %v", tableFileRows(t, run, second))
				}
				if prev := second["previous_increments_paths"].([]any); len(prev) != 1 || prev[0] != first["path"] {
					t.Errorf("previous_increments_paths = %v", prev)
				}
			}
			if warns.String() != "" {
				t.Errorf("warnings: %s", warns)
			}
		})
	}
}

func TestTableMediaCellsRoundTrip(t *testing.T) {
	run, warns := mediaRun(t)
	img := mustImage(t)(NewImageFromPixels(gradient(2, 2), []int{2, 2, 3}))
	audio := mustAudio(t)(NewAudio([]float64{0, 0.5}, 100))
	video := mustVideo(t)(NewVideoFromPixels(clip(2, 2, 2), []int{2, 2, 2, 3}))
	html, _ := NewHTML("<p>x</p>")
	cloud := mustObject3D(t)(NewPointCloud([][]float64{{1, 2, 3}}))
	tb := mustTable(t)(NewTable([]string{"image", "audio", "video", "html", "object"}, [][]any{{img, audio, video, html, cloud}}))
	if err := run.Log(map[string]any{"t": tb}); err != nil {
		t.Fatal(err)
	}
	// An IMMUTABLE table already logged refers to its first file; a new one
	// in the summary gets a file named <key>_summary_<hash>.
	fresh := mustTable(t)(NewTable([]string{"image"}, [][]any{{img}}))
	if err := run.Summary().Update(map[string]any{"final": fresh, "again": tb}); err != nil {
		t.Fatal(err)
	}
	rows, info := mediaReplay(t, run)
	v := loggedTables(t, rows)[0]
	if v["_type"] != "table-file" || v["nrows"] != int64(1) || v["ncols"] != int64(5) {
		t.Errorf("t = %v", v)
	}
	checkMediaFile(t, run, info, v)
	data := tableFileRows(t, run, v)
	types := []string{"image-file", "audio-file", "video-file", "html-file", "object3D-file"}
	for i, cell := range data[0] {
		c := cell.(map[string]any)
		if c["_type"] != types[i] {
			t.Errorf("cell %d = %v", i, c)
		}
		// json.Unmarshal gives float64 sizes.
		c["size"] = int64(c["size"].(float64))
		checkMediaFile(t, run, info, c)
		if p := c["path"].(string); !strings.Contains(p, "/t_0_") {
			t.Errorf("cell %d file %s is not named after the table's key and step", i, p)
		}
	}
	final := info.Summary["final"].(map[string]any)
	if !strings.HasPrefix(final["path"].(string), "media/table/final_summary_") {
		t.Errorf("summary table = %v", final)
	}
	checkMediaFile(t, run, info, final)
	if again := info.Summary["again"].(map[string]any); again["path"] != v["path"] {
		t.Errorf("summary again = %v, want the first file %v", again, v["path"])
	}
	if warns.String() != "" {
		t.Errorf("warnings: %s", warns)
	}
}

// A table may be changed while the writer logs it.
func TestTableConcurrentUse(t *testing.T) {
	run, _ := mediaRun(t)
	tb := mustTable(t)(NewTable([]string{"i", "sq"}, nil, LogMode(TableIncremental)))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			_ = tb.AddRow(i, i*i)
		}
	}()
	for i := 0; i < 20; i++ {
		if err := run.Log(map[string]any{"t": tb}); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if err := run.Log(map[string]any{"t": tb}); err != nil {
		t.Fatal(err)
	}
	rows, _ := mediaReplay(t, run)
	total := 0
	var last map[string]any
	for _, v := range loggedTables(t, rows) {
		total += len(tableFileRows(t, run, v))
		last = v
	}
	if total != 200 || last["nrows"] != int64(200) {
		t.Errorf("increments hold %d rows, last nrows %v", total, last["nrows"])
	}
}
