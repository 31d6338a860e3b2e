package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/wjson"
)

// theRun resolves the run of the request's path after the access check.
func (d *dash) theRun(ctx context.Context, r *http.Request) (store.Run, error) {
	entity, project, name := r.PathValue("entity"), r.PathValue("project"), r.PathValue("run")
	if err := d.checkEntity(ctx, entity); err != nil {
		return store.Run{}, err
	}
	run, err := d.st.Run(ctx, entity, project, name)
	if err != nil {
		return store.Run{}, fmt.Errorf("dashboard: run %s/%s/%s: %w", entity, project, name, err)
	}
	return run, nil
}

type runDetailJSON struct {
	runJSON
	Config   map[string]any         `json:"config"`
	Summary  map[string]any         `json:"summary"`
	Metadata map[string]any         `json:"metadata"`
	Keys     []string               `json:"keys"`
	Charts   map[string]customChart `json:"customCharts"`
	Events   int                    `json:"eventLines"`
	Logs     int                    `json:"logLines"`
}

func (d *dash) run(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	run, err := d.theRun(ctx, r)
	if err != nil {
		d.fail(w, err)
		return
	}
	d.writeRun(ctx, w, run)
}

func (d *dash) writeRun(ctx context.Context, w http.ResponseWriter, run store.Run) {
	v := d.view(&run)
	keys, err := d.st.Keys(ctx, run.ID)
	if err != nil {
		d.fail(w, fmt.Errorf("dashboard: history keys of %s: %w", run.Name, err))
		return
	}
	out := runDetailJSON{runJSON: baseRunJSON(v), Config: map[string]any{}, Summary: map[string]any{},
		Metadata: map[string]any{}, Keys: keys, Charts: customCharts(run.Config), Events: run.EventsLineCount, Logs: run.LogLineCount}
	for k, x := range v.config {
		out.Config[k] = jsonSafe(x)
	}
	for k, x := range v.summary {
		out.Summary[k] = jsonSafe(x)
	}
	if rc, err := d.blobs.Get(ctx, store.RunFileKey(run, "wandb-metadata.json")); err == nil {
		b, _ := io.ReadAll(io.LimitReader(rc, 1<<20))
		rc.Close()
		if m, ok := jsonSafe(decodeObject(b)).(map[string]any); ok {
			out.Metadata = m
		}
	}
	writeJSON(w, http.StatusOK, out)
}

type updateRequest struct {
	DisplayName *string   `json:"displayName"`
	Notes       *string   `json:"notes"`
	Tags        *[]string `json:"tags"`
}

// updateRun edits a run's display name, notes and tags.
func (d *dash) updateRun(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	run, err := d.theRun(ctx, r)
	if err != nil {
		d.fail(w, err)
		return
	}
	var req updateRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		d.fail(w, badRequestf("run update needs a JSON body {\"notes\"?, \"tags\"?, \"displayName\"?}: %v", err))
		return
	}
	if req.Tags != nil {
		clean := []string{}
		for _, t := range *req.Tags {
			if t = strings.TrimSpace(t); t != "" {
				clean = append(clean, t)
			}
		}
		req.Tags = &clean
	}
	run, err = d.st.UpsertRun(ctx, store.RunUpsert{Entity: run.Entity, Project: run.Project, Name: run.Name,
		DisplayName: req.DisplayName, Notes: req.Notes, Tags: req.Tags})
	if err != nil {
		d.fail(w, fmt.Errorf("dashboard: updating run %s: %w", run.Name, err))
		return
	}
	d.writeRun(ctx, w, run)
}

// stopRun asks the run's client to stop (it learns it from its next
// file_stream response).
func (d *dash) stopRun(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	run, err := d.theRun(ctx, r)
	if err != nil {
		d.fail(w, err)
		return
	}
	if run.State != store.StateRunning {
		d.fail(w, fmt.Errorf("dashboard: run %s is %s, not running: %w", run.Name, run.State, store.ErrConflict))
		return
	}
	if err := d.st.StopRun(ctx, run.ID); err != nil {
		d.fail(w, fmt.Errorf("dashboard: stopping run %s: %w", run.Name, err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"stopped": true})
}

type logLine struct {
	N    int    `json:"n"`
	Text string `json:"text"`
}

// logs returns output.log lines: ?offset=&limit= (default: the last 2,000
// lines), or with ?q= every line containing q (case-insensitive), at most
// limit of them.
func (d *dash) logs(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	run, err := d.theRun(ctx, r)
	if err != nil {
		d.fail(w, err)
		return
	}
	limit, err := queryInt(r, "limit", 2000)
	if err != nil {
		d.fail(w, err)
		return
	}
	limit = max(1, min(limit, 20000))
	total := run.LogLineCount
	off, err := queryInt(r, "offset", int64(max(0, total-int(limit))))
	if err != nil {
		d.fail(w, err)
		return
	}
	q := strings.ToLower(r.URL.Query().Get("q"))
	out := []logLine{}
	if q == "" {
		lines, err := d.st.ReadLines(ctx, run.ID, store.StreamOutput, int(off), int(limit))
		if err != nil {
			d.fail(w, fmt.Errorf("dashboard: logs of %s: %w", run.Name, err))
			return
		}
		for i, l := range lines {
			out = append(out, logLine{int(off) + i, l})
		}
	} else {
		const page = 5000
		for o := 0; o < total && len(out) < int(limit); o += page {
			lines, err := d.st.ReadLines(ctx, run.ID, store.StreamOutput, o, page)
			if err != nil {
				d.fail(w, fmt.Errorf("dashboard: logs of %s: %w", run.Name, err))
				return
			}
			for i, l := range lines {
				if strings.Contains(strings.ToLower(l), q) && len(out) < int(limit) {
					out = append(out, logLine{o + i, l})
				}
			}
			if len(lines) < page {
				break
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"total": total, "lines": out})
}

// system returns the run's system metrics (the events stream) as one
// series per key over _runtime, thinned to at most 1,000 points a key.
func (d *dash) system(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	run, err := d.theRun(ctx, r)
	if err != nil {
		d.fail(w, err)
		return
	}
	lines, err := d.st.ReadLines(ctx, run.ID, store.StreamEvents, 0, 0)
	if err != nil {
		d.fail(w, fmt.Errorf("dashboard: system metrics of %s: %w", run.Name, err))
		return
	}
	stride := max(1, (len(lines)+999)/1000)
	type ser struct {
		X []float64 `json:"x"`
		Y []float64 `json:"y"`
	}
	out := map[string]*ser{}
	for i := 0; i < len(lines); i += stride {
		_, pts, err := store.ParseHistoryLine(lines[i], i)
		if err != nil {
			continue
		}
		x := float64(i)
		for _, p := range pts {
			if p.Key == "_runtime" {
				x = p.Value
			}
		}
		for _, p := range pts {
			if strings.HasPrefix(p.Key, "_") {
				continue
			}
			s := out[p.Key]
			if s == nil {
				s = &ser{}
				out[p.Key] = s
			}
			s.X = append(s.X, x)
			s.Y = append(s.Y, p.Value)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"series": out})
}

type fileJSON struct {
	Name      string    `json:"name"`
	Size      int64     `json:"size"`
	UpdatedAt time.Time `json:"updatedAt"`
}

func (d *dash) files(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	run, err := d.theRun(ctx, r)
	if err != nil {
		d.fail(w, err)
		return
	}
	fs, err := d.st.ListFiles(ctx, run.ID)
	if err != nil {
		d.fail(w, fmt.Errorf("dashboard: files of %s: %w", run.Name, err))
		return
	}
	out := make([]fileJSON, 0, len(fs))
	for _, f := range fs {
		out = append(out, fileJSON{f.Name, f.Size, f.UpdatedAt})
	}
	writeJSON(w, http.StatusOK, map[string]any{"files": out})
}

// file serves a run file's content. Every file is served with a sandbox
// CSP, so an html or svg file opened directly runs in an opaque origin;
// ?download=1 makes it an attachment.
func (d *dash) file(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	run, err := d.theRun(ctx, r)
	if err != nil {
		d.fail(w, err)
		return
	}
	name := r.PathValue("path")
	if _, err := d.st.File(ctx, run.ID, name); err != nil {
		d.fail(w, fmt.Errorf("dashboard: file %q of %s: %w", name, run.Name, err))
		return
	}
	rc, err := d.blobs.Get(ctx, store.RunFileKey(run, name))
	if err != nil {
		d.fail(w, fmt.Errorf("dashboard: file %q of %s: %w", name, run.Name, err))
		return
	}
	defer rc.Close()
	serveContent(w, r, name, rc)
}

func isText(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".log", ".txt", ".md", ".yaml", ".yml", ".json", ".csv", ".py", ".go", ".toml", ".cfg", ".ini", ".sh", ".patch", ".diff":
		return true
	}
	return path.Base(name) == "requirements.txt" || path.Base(name) == "diff.patch"
}

// mediaItem is one file of a media value at one step.
type mediaItem struct {
	Path    string `json:"path"`
	Caption string `json:"caption,omitempty"`
	Width   int    `json:"width,omitempty"`
	Height  int    `json:"height,omitempty"`
	Rows    int    `json:"rows,omitempty"`
	Cols    int    `json:"cols,omitempty"`
	// Boxes and Masks map an image's annotation layers to their files
	// (boxes2D JSON, mask PNG).
	Boxes map[string]string `json:"boxes,omitempty"`
	Masks map[string]string `json:"masks,omitempty"`
}

type mediaStep struct {
	Step  int64       `json:"step"`
	Items []mediaItem `json:"items"`
}

type mediaKey struct {
	Key   string      `json:"key"`
	Type  string      `json:"type"` // image, table, html, video, audio, object3D
	Steps []mediaStep `json:"steps"`
}

// media lists the media values of the run's history, per key and step:
// images (with captions), tables, html, videos, audio and 3D objects.
// It reads at most the last 20,000 history rows.
func (d *dash) media(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	run, err := d.theRun(ctx, r)
	if err != nil {
		d.fail(w, err)
		return
	}
	const maxRows, page = 20000, 2000
	start := max(0, run.HistoryLineCount-maxRows)
	keys := map[string]*mediaKey{}
	var order []string
	for off := start; off < run.HistoryLineCount; off += page {
		rows, err := d.st.HistoryRows(ctx, run.ID, off, page)
		if err != nil {
			d.fail(w, fmt.Errorf("dashboard: history of %s: %w", run.Name, err))
			return
		}
		for _, row := range rows {
			if !strings.Contains(row.JSON, `"_type"`) {
				continue
			}
			for k, v := range decodeObject([]byte(row.JSON)) {
				o, ok := v.(map[string]any)
				if !ok {
					continue
				}
				kind, items := mediaItems(o)
				if kind == "" {
					continue
				}
				mk := keys[k]
				if mk == nil {
					mk = &mediaKey{Key: k, Type: kind}
					keys[k] = mk
					order = append(order, k)
				}
				mk.Steps = append(mk.Steps, mediaStep{Step: row.Step, Items: items})
			}
		}
		if len(rows) < page {
			break
		}
	}
	out := []*mediaKey{}
	for _, k := range sortStrings(order) {
		out = append(out, keys[k])
	}
	writeJSON(w, http.StatusOK, map[string]any{"media": out})
}

var mediaKinds = map[string]string{
	"image-file": "image", "images/separated": "image", "table-file": "table",
	"incremental-table-file": "table", "html-file": "html", "html": "html", "video-file": "video",
	"videos": "video", "audio-file": "audio", "audio": "audio", "object3D-file": "object3D", "object3D": "object3D",
}

// mediaItems returns the kind and files of a media value; "" if it is not
// one the dashboard shows.
func mediaItems(o map[string]any) (string, []mediaItem) {
	t, _ := o["_type"].(string)
	kind := mediaKinds[t]
	if kind == "" {
		return "", nil
	}
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	num := func(m map[string]any, k string) int {
		switch x := m[k].(type) {
		case int64:
			return int(x)
		case float64:
			return int(x)
		}
		return 0
	}
	layers := func(m map[string]any, k string) map[string]string {
		ls, _ := m[k].(map[string]any)
		var out map[string]string
		for name, l := range ls {
			if lm, ok := l.(map[string]any); ok && str(lm, "path") != "" {
				if out == nil {
					out = map[string]string{}
				}
				out[name] = str(lm, "path")
			}
		}
		return out
	}
	one := func(m map[string]any) mediaItem {
		return mediaItem{Path: str(m, "path"), Caption: str(m, "caption"), Width: num(m, "width"),
			Height: num(m, "height"), Rows: num(m, "nrows"), Cols: num(m, "ncols"),
			Boxes: layers(m, "boxes"), Masks: layers(m, "masks")}
	}
	if p := str(o, "path"); p != "" {
		return kind, []mediaItem{one(o)}
	}
	var items []mediaItem
	if fns, ok := o["filenames"].([]any); ok { // images/separated, object3D
		caps, _ := o["captions"].([]any)
		for i, f := range fns {
			it := mediaItem{Width: num(o, "width"), Height: num(o, "height")}
			it.Path, _ = f.(string)
			if i < len(caps) {
				it.Caption, _ = caps[i].(string)
			}
			items = append(items, it)
		}
		return kind, items
	}
	for _, list := range []string{"html", "videos", "audio"} {
		if l, ok := o[list].([]any); ok {
			caps, _ := o["captions"].([]any)
			for i, x := range l {
				if m, ok := x.(map[string]any); ok {
					it := one(m)
					if it.Caption == "" && i < len(caps) {
						it.Caption, _ = caps[i].(string)
					}
					items = append(items, it)
				}
			}
		}
	}
	if len(items) == 0 {
		return "", nil
	}
	return kind, items
}

// MaxTableBytes bounds the table files the table endpoint reads.
const MaxTableBytes = 64 << 20

// table pages through a table-file: ?path=&offset=&limit=&sort=<col>&desc=1.
func (d *dash) table(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	run, err := d.theRun(ctx, r)
	if err != nil {
		d.fail(w, err)
		return
	}
	name := r.URL.Query().Get("path")
	if _, err := d.st.File(ctx, run.ID, name); err != nil {
		d.fail(w, fmt.Errorf("dashboard: table %q of %s: %w", name, run.Name, err))
		return
	}
	off, err := queryInt(r, "offset", 0)
	if err != nil {
		d.fail(w, err)
		return
	}
	limit, err := queryInt(r, "limit", 50)
	if err != nil {
		d.fail(w, err)
		return
	}
	limit = max(1, min(limit, 1000))
	rc, err := d.blobs.Get(ctx, store.RunFileKey(run, name))
	if err != nil {
		d.fail(w, fmt.Errorf("dashboard: table %q of %s: %w", name, run.Name, err))
		return
	}
	b, err := io.ReadAll(io.LimitReader(rc, MaxTableBytes+1))
	rc.Close()
	if err != nil {
		d.fail(w, fmt.Errorf("dashboard: reading table %q: %w", name, err))
		return
	}
	if len(b) > MaxTableBytes {
		d.fail(w, badRequestf("table %q is larger than %d bytes", name, MaxTableBytes))
		return
	}
	t, err := ParseTable(b)
	if err != nil {
		d.fail(w, asBadRequest(fmt.Errorf("dashboard: table %s: %w", name, err)))
		return
	}
	if col := r.URL.Query().Get("sort"); col != "" {
		if err := t.Sort(col, r.URL.Query().Get("desc") != ""); err != nil {
			d.fail(w, asBadRequest(err))
			return
		}
	}
	total := len(t.Data)
	lo := min(int(max(0, off)), total)
	hi := min(lo+int(limit), total)
	writeJSON(w, http.StatusOK, map[string]any{"columns": t.Columns, "total": total, "offset": lo, "rows": t.Data[lo:hi]})
}

// Table is a W&B table file: {"columns": [...], "data": [[...], ...]}.
type Table struct {
	Columns []string `json:"columns"`
	Data    [][]any  `json:"data"`
}

// ParseTable decodes a table file (W&B's NaN/Infinity tokens allowed);
// rows are padded or cut to the column count, cells made JSON-safe.
func ParseTable(b []byte) (*Table, error) {
	v, err := wjson.Decode(b)
	if err != nil {
		return nil, fmt.Errorf("dashboard: table file is not JSON: %w", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("dashboard: table file is not a JSON object")
	}
	cols, ok := m["columns"].([]any)
	if !ok {
		return nil, errors.New("dashboard: table file has no \"columns\" list")
	}
	t := &Table{Columns: make([]string, len(cols)), Data: [][]any{}}
	for i, c := range cols {
		t.Columns[i] = fmt.Sprint(c)
	}
	rows, _ := m["data"].([]any)
	for i, r := range rows {
		row, ok := r.([]any)
		if !ok {
			return nil, fmt.Errorf("dashboard: table row %d is not a list", i)
		}
		out := make([]any, len(cols))
		for j := range out {
			if j < len(row) {
				out[j] = jsonSafe(row[j])
			}
		}
		t.Data = append(t.Data, out)
	}
	return t, nil
}

// Sort orders the rows by column col: numbers, then text (NaN included),
// then nulls, each ascending or, with desc, descending.
func (t *Table) Sort(col string, desc bool) error {
	idx := -1
	for i, c := range t.Columns {
		if c == col {
			idx = i
		}
	}
	if idx < 0 {
		return fmt.Errorf("dashboard: table has no column %q", col)
	}
	rank := func(v any) int {
		if v == nil {
			return 2
		}
		if _, ok := toFloat(v); ok {
			return 0
		}
		return 1
	}
	sortStable(t.Data, func(x, y []any) bool {
		a, b := x[idx], y[idx]
		ra, rb := rank(a), rank(b)
		if ra != rb {
			return ra < rb
		}
		if desc {
			a, b = b, a
		}
		switch ra {
		case 0:
			fa, _ := toFloat(a)
			fb, _ := toFloat(b)
			return fa < fb
		case 1:
			return fmt.Sprint(a) < fmt.Sprint(b)
		}
		return false
	})
	return nil
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, !math.IsNaN(x)
	case int64:
		return float64(x), true
	}
	return 0, false
}
