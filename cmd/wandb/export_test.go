package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gowandb/wandb"
)

// The clock is not injectable from outside the wandb package, so the
// varying _runtime and _timestamp values are replaced before comparing.
var timeFieldsRE = regexp.MustCompile(`"(_runtime|_timestamp)":[^,}]+`)

func normaliseJSONL(b []byte) []byte {
	return timeFieldsRE.ReplaceAll(b, []byte(`"$1":0`))
}

func normaliseCSV(t *testing.T, b []byte) []byte {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("export --format csv wrote bad CSV: %v\n%s", err, b)
	}
	for i, name := range recs[0] {
		if name == "_runtime" || name == "_timestamp" {
			for _, rec := range recs[1:] {
				if rec[i] == "" {
					t.Errorf("row %v has no %s", rec, name)
				}
				rec[i] = "0"
			}
		}
	}
	var out bytes.Buffer
	w := csv.NewWriter(&out)
	w.WriteAll(recs)
	return out.Bytes()
}

func TestExportJSONLGolden(t *testing.T) {
	dir := goldenRun(t, t.TempDir())
	r := mustCLI(t, nil, "export", dir, "--format", "jsonl")
	if r.stderr != "" {
		t.Errorf("stderr: %s", r.stderr)
	}
	checkGolden(t, "export.jsonl", normaliseJSONL([]byte(r.stdout)))
}

func TestExportCSVGolden(t *testing.T) {
	dir := goldenRun(t, t.TempDir())
	r := mustCLI(t, nil, "export", dir, "--format", "csv")
	checkGolden(t, "export.csv", normaliseCSV(t, []byte(r.stdout)))
}

func TestExportDefaultsToJSONLAndWritesFile(t *testing.T) {
	tmp := t.TempDir()
	dir := goldenRun(t, tmp)
	stdout := mustCLI(t, nil, "export", dir).stdout
	out := filepath.Join(tmp, "history.jsonl")
	r := mustCLI(t, nil, "export", dir, "-o", out)
	if r.stdout != "" {
		t.Errorf("with -o, stdout = %q", r.stdout)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != stdout {
		t.Errorf("-o file:\n%s\nstdout export:\n%s", got, stdout)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, ".history.jsonl.tmp*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestExportAcceptsLogFileAndLatestRunLink(t *testing.T) {
	root := t.TempDir()
	dir := goldenRun(t, root)
	want := mustCLI(t, nil, "export", dir).stdout
	logs, _ := filepath.Glob(filepath.Join(dir, "run-*.wandb"))
	if len(logs) != 1 {
		t.Fatalf("run logs in %s: %v", dir, logs)
	}
	for _, arg := range []string{logs[0], filepath.Join(root, "wandb", "latest-run")} {
		if got := mustCLI(t, nil, "export", arg).stdout; got != want {
			t.Errorf("export %s:\n%s\nwant:\n%s", arg, got, want)
		}
	}
}

// A torn run log (a copy cut in the middle) exports its intact rows, in
// order, and warns about the damage; it is not an error.
func TestExportTornLog(t *testing.T) {
	root := t.TempDir()
	r := startRun(t, root, wandb.WithID("torn0001"))
	const rows = 200
	for i := range rows {
		logRow(t, r, map[string]any{"i": i, "pad": strings.Repeat("x", 100)})
	}
	finish(t, r, 0)
	data, err := os.ReadFile(r.LogPath())
	if err != nil {
		t.Fatal(err)
	}
	torn := filepath.Join(t.TempDir(), "run-torn0001.wandb")
	if err := os.WriteFile(torn, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"jsonl", "csv"} {
		res := cli(t, nil, "export", torn, "--format", format)
		if res.code != 0 {
			t.Fatalf("export --format %s of a torn log: exit %d, stderr %s", format, res.code, res.stderr)
		}
		if !strings.Contains(res.stderr, "wandb: warning: "+torn+" is damaged") || !strings.Contains(res.stderr, "offset ") {
			t.Errorf("stderr does not name the damage:\n%s", res.stderr)
		}
		lines := strings.Split(strings.TrimSuffix(res.stdout, "\n"), "\n")
		if format == "csv" {
			lines = lines[1:]
		}
		if n := len(lines); n < rows/4 || n >= rows {
			t.Fatalf("--format %s: %d rows exported from half a log of %d rows", format, n, rows)
		}
		for i, l := range lines {
			step := `"_step":` + strconv.Itoa(i)
			if format == "csv" {
				step = strconv.Itoa(i) + ","
			}
			if !strings.Contains(l, step) {
				t.Fatalf("--format %s: row %d is %s; want step %d", format, i, l, i)
			}
		}
	}
}

func TestExportCSVHeader(t *testing.T) {
	dir := goldenRun(t, t.TempDir())
	r := mustCLI(t, nil, "export", dir, "--format", "csv")
	header, _, _ := strings.Cut(r.stdout, "\n")
	cols := strings.Split(header, ",")
	if cols[0] != "_step" {
		t.Errorf("first column %q, want _step", cols[0])
	}
	if !slices.IsSorted(cols[1:]) {
		t.Errorf("columns after _step are not sorted: %v", cols)
	}
	for _, c := range []string{"nested.a", "nested.b.c", "list", "_runtime", "_timestamp"} {
		if !slices.Contains(cols, c) {
			t.Errorf("header %v lacks %s", cols, c)
		}
	}
}
