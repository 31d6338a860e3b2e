package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"mime"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/gowandb/wandb/core/runfilter"
	"github.com/gowandb/wandb/core/server/gql"
	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/wjson"
)

// Query API limits.
const (
	defaultPage      = 50    // runs, projects and files per page by default
	maxPage          = 1000  // and at most
	maxHistoryRows   = 10000 // history rows per request
	defaultSamples   = 500   // W&B's sampledHistory default
	defaultBuckets   = 1000  // bucketedHistory
	historyChunkRows = 1000  // rows read from the store at a time
)

// queryAPI serves schema/query.graphql: projects, runs with W&B's filters,
// order and cursors, history (raw, sampled, bucketed) and run files with
// signed download URLs. The cache keeps parsed run config and summary
// across requests.
type queryAPI struct {
	s     *Server
	cache *runfilter.Cache
	lists runLists
}

// registerQuery registers the query API's root fields (schema/query.graphql)
// and the download route.
func (s *Server) registerQuery(e *gql.Executor) {
	q := &queryAPI{s: s, cache: runfilter.NewCache(0)}
	e.Query("project", q.project)
	e.Query("entity", q.entity)
	e.Query("projects", q.projects)
	e.Query("models", q.projects)
	s.extendProject("runs", q.runs)
	s.extendProject("runCount", q.runCount)
	s.extendProject("run", q.run)
	s.extendRun("history", q.history)
	s.extendRun("historyRows", q.historyRows)
	s.extendRun("sampledHistory", q.sampledHistory)
	s.extendRun("historyKeys", q.historyKeys)
	s.extendRun("bucketedHistory", q.bucketedHistory)
	s.extendRun("files", q.files)
	s.extendRun("fileCount", q.fileCount)
	s.extendRun("user", q.user)
	s.extendRun("commit", constant(nil))
	s.extendRun("readOnly", constant(false))
	s.extendRun("systemMetrics", constant("{}"))
	s.extendProject("internalId", func(_ context.Context, p store.Project, _ map[string]any) (any, error) {
		return nodeID("Project", p.ID), nil
	})
	s.extendProject("readOnly", func(context.Context, store.Project, map[string]any) (any, error) { return false, nil })
	s.addRoute("GET /files/download/{token}", s.downloadHandler(), false) // the token authorizes
}

// constant is a Run field with a fixed value (fields W&B clients select
// that this server does not keep).
func constant(v any) RunField {
	return func(context.Context, store.Run, map[string]any) (any, error) { return v, nil }
}

// fileCount is Run.fileCount.
func (q *queryAPI) fileCount(ctx context.Context, r store.Run, _ map[string]any) (any, error) {
	fs, err := q.s.store.ListFiles(ctx, r.ID)
	if err != nil {
		return nil, fmt.Errorf("files of run %s: %w", r.Name, err)
	}
	return len(fs), nil
}

// user is Run.user: the user whose personal entity holds the run.
func (q *queryAPI) user(ctx context.Context, r store.Run, _ map[string]any) (any, error) {
	u, err := q.s.store.UserByName(ctx, r.Entity)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("user of run %s: %w", r.Name, err)
	}
	return map[string]any{"id": nodeID("User", u.ID), "name": u.Name, "username": u.Name, "entity": u.Name,
		"email": u.Email, "admin": u.Admin, "flags": "{}", "teams": nil}, nil
}

// intArg reads an Int or Int64 argument; def when absent.
func intArg(args map[string]any, k string, def int64) int64 {
	switch v := args[k].(type) {
	case int64:
		return v
	case int:
		return int64(v)
	case float64:
		return int64(v)
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n
		}
	case string:
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
	}
	return def
}

// pageArgs reads first (1..maxPage, default defaultPage) and the after
// cursor (an offset).
func pageArgs(args map[string]any) (first, offset int, err error) {
	f := intArg(args, "first", defaultPage)
	if f < 0 {
		return 0, 0, badRequestf("first must not be negative, got %d", f)
	}
	first = int(min(f, maxPage))
	if a := str(args, "after"); a != "" {
		offset, err = parseCursor(a)
	}
	return first, offset, err
}

// cursor is an opaque page cursor: base64 of "o:<offset of the next item>".
func cursor(offset int) string {
	return base64.StdEncoding.EncodeToString([]byte("o:" + strconv.Itoa(offset)))
}

func parseCursor(c string) (int, error) {
	b, err := base64.StdEncoding.DecodeString(c)
	if err == nil {
		if rest, ok := strings.CutPrefix(string(b), "o:"); ok {
			if n, err := strconv.Atoi(rest); err == nil && n >= 0 {
				return n, nil
			}
		}
	}
	return 0, badRequestf("malformed cursor %q (use a cursor the server returned)", c)
}

// page cuts items[offset:offset+first] into a connection.
func page[T any](items []T, first, offset int, node func(T) any) map[string]any {
	lo := min(offset, len(items))
	hi := min(lo+first, len(items))
	edges := make([]any, 0, hi-lo)
	for i := lo; i < hi; i++ {
		edges = append(edges, map[string]any{"node": node(items[i]), "cursor": cursor(i + 1)})
	}
	var end any
	if hi > lo {
		end = cursor(hi)
	}
	return map[string]any{"edges": edges, "totalCount": len(items),
		"pageInfo": map[string]any{"endCursor": end, "hasNextPage": hi < len(items)}}
}

// project is Query.project(name, entityName): null when missing, 403 for
// an entity the key may not read.
func (q *queryAPI) project(ctx context.Context, args map[string]any) (any, error) {
	entity, name, err := q.s.entityProject(ctx, str(args, "entityName"), str(args, "name"))
	if err != nil {
		return nil, err
	}
	p, err := q.s.store.Project(ctx, entity, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("project %s/%s: %w", entity, name, err)
	}
	return &projectObj{s: q.s, p: p}, nil
}

// entity is Query.entity(name) with its projects.
func (q *queryAPI) entity(ctx context.Context, args map[string]any) (any, error) {
	name := str(args, "name")
	if err := q.s.checkEntity(ctx, name); err != nil {
		return nil, err
	}
	e, err := q.s.store.Entity(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("entity %s: %w", name, err)
	}
	v := entityValue(e)
	v["projects"] = gql.Resolver(func(ctx context.Context, a map[string]any) (any, error) {
		return q.projectPage(ctx, name, a)
	})
	return v, nil
}

// projects is Query.projects / Query.models(entityName, first, after).
func (q *queryAPI) projects(ctx context.Context, args map[string]any) (any, error) {
	entity := str(args, "entityName")
	if entity == "" {
		entity = userFrom(ctx).Name
	}
	if err := q.s.checkEntity(ctx, entity); err != nil {
		return nil, err
	}
	return q.projectPage(ctx, entity, args)
}

func (q *queryAPI) projectPage(ctx context.Context, entity string, args map[string]any) (any, error) {
	first, offset, err := pageArgs(args)
	if err != nil {
		return nil, err
	}
	ps, err := q.s.store.ListProjects(ctx, entity)
	if err != nil {
		return nil, fmt.Errorf("projects of %s: %w", entity, err)
	}
	return page(ps, first, offset, func(p store.Project) any { return &projectObj{s: q.s, p: p} }), nil
}

// selectRuns lists the project's runs that pass the filters argument, in
// the order argument's order.
func (q *queryAPI) selectRuns(ctx context.Context, p store.Project, args map[string]any) ([]store.Run, error) {
	var f *runfilter.Filter
	if src := str(args, "filters"); src != "" {
		var err error
		if f, err = runfilter.ParseMongo([]byte(src), runfilter.WithCache(q.cache)); err != nil {
			return nil, fmt.Errorf("%w: filters: %w", store.ErrInvalid, err)
		}
	}
	o, err := runfilter.ParseOrder(str(args, "order"), runfilter.WithCache(q.cache))
	if err != nil {
		return nil, fmt.Errorf("%w: order: %w", store.ErrInvalid, err)
	}
	runs, err := q.lists.list(ctx, q.s.store, p)
	if err != nil {
		return nil, err
	}
	if !f.MatchAll() {
		runs = f.Apply(runs)
	}
	if o.String() != runfilter.DefaultOrder { // ListRuns is newest first already
		o.Sort(runs)
	}
	return runs, nil
}

// runs is Project.runs(filters, order, first, after).
func (q *queryAPI) runs(ctx context.Context, p store.Project, args map[string]any) (any, error) {
	first, offset, err := pageArgs(args)
	if err != nil {
		return nil, err
	}
	runs, err := q.selectRuns(ctx, p, args)
	if err != nil {
		return nil, err
	}
	return page(runs, first, offset, func(r store.Run) any { return q.s.runValue(r) }), nil
}

// runCount is Project.runCount(filters).
func (q *queryAPI) runCount(ctx context.Context, p store.Project, args map[string]any) (any, error) {
	runs, err := q.selectRuns(ctx, p, map[string]any{"filters": args["filters"]})
	if err != nil {
		return nil, err
	}
	return len(runs), nil
}

// run is Project.run(name): null when missing.
func (q *queryAPI) run(ctx context.Context, p store.Project, args map[string]any) (any, error) {
	r, err := q.s.store.Run(ctx, p.Entity, p.Name, str(args, "name"))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("run %s/%s/%s: %w", p.Entity, p.Name, str(args, "name"), err)
	}
	return q.s.runValue(r), nil
}

// mimeType is the file's MIME type by extension ("" when unknown).
func mimeType(name string) any {
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return nil
}

// files is Run.files(names, first, after).
func (q *queryAPI) files(ctx context.Context, r store.Run, args map[string]any) (any, error) {
	first, offset, err := pageArgs(args)
	if err != nil {
		return nil, err
	}
	fs, err := q.s.store.ListFiles(ctx, r.ID)
	if err != nil {
		return nil, fmt.Errorf("files of run %s: %w", r.Name, err)
	}
	if names, ok := args["names"].([]any); ok && len(names) > 0 {
		// Every name asked gets a node, in the order asked, stored or not
		// (W&B does the same; its legacy upload flow relies on it).
		stored := make(map[string]store.File, len(fs))
		for _, f := range fs {
			stored[f.Name] = f
		}
		fs = fs[:0:0]
		for i, n := range names {
			name, _ := n.(string)
			if err := validFileName(name); err != nil {
				return nil, badRequestf("files(names[%d]): %v", i, err)
			}
			f, ok := stored[name]
			if !ok {
				f = store.File{RunID: r.ID, Name: name}
			}
			fs = append(fs, f)
		}
	}
	base := q.s.baseURL
	if base == "" {
		base = baseFrom(ctx)
	}
	base = strings.TrimSuffix(base, "/")
	exp := q.s.now().Add(q.s.uploadTTL).Unix()
	conn := page(fs, first, offset, func(f store.File) any {
		u := base + "/files/download/" + q.s.downloadToken(downloadClaim{Run: r.ID, Name: f.Name, Exp: exp})
		var md5 any
		if f.MD5 != "" {
			md5 = f.MD5
		}
		var updatedAt any // null for a name with nothing stored yet
		if !f.UpdatedAt.IsZero() {
			updatedAt = f.UpdatedAt
		}
		url := gql.Resolver(func(ctx context.Context, a map[string]any) (any, error) {
			if up, _ := a["upload"].(bool); up {
				if err := q.s.checkEntity(ctx, r.Entity); err != nil {
					return nil, err
				}
				return base + "/files/upload/" + q.s.token(uploadClaim{r.ID, f.Name, exp}), nil
			}
			return u, nil
		})
		return map[string]any{"id": base64.StdEncoding.EncodeToString([]byte("File:" + strconv.FormatInt(r.ID, 10) + "/" + f.Name)),
			"name": f.Name, "sizeBytes": f.Size, "md5": md5, "mimetype": mimeType(f.Name),
			"url": url, "directUrl": u, "updatedAt": updatedAt}
	})
	conn["uploadHeaders"] = []string{}
	return conn, nil
}

// stepRange finds the offsets [lo, hi) of the rows with minStep <= step <
// maxStep by binary search (steps are non-decreasing, as W&B's _step is).
func (q *queryAPI) stepRange(ctx context.Context, r store.Run, minStep, maxStep int64) (int, int, error) {
	n := r.HistoryLineCount
	search := func(step int64) (int, error) {
		lo, hi := 0, n
		for lo < hi {
			mid := int(uint(lo+hi) >> 1)
			rows, err := q.s.store.HistoryRows(ctx, r.ID, mid, 1)
			if err != nil {
				return 0, fmt.Errorf("history of run %s: %w", r.Name, err)
			}
			if len(rows) == 0 || rows[0].Step >= step {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		return lo, nil
	}
	lo, err := search(minStep)
	if err != nil {
		return 0, 0, err
	}
	hi := n
	if maxStep < math.MaxInt64 {
		if hi, err = search(maxStep); err != nil {
			return 0, 0, err
		}
	}
	return lo, max(lo, hi), nil
}

// stepBounds reads minStep (default 0) and maxStep (default: no bound,
// exclusive).
func stepBounds(args map[string]any) (int64, int64, error) {
	lo, hi := intArg(args, "minStep", 0), intArg(args, "maxStep", math.MaxInt64)
	if lo < 0 || hi < lo {
		return 0, 0, badRequestf("step range [%d, %d) is empty or negative", lo, hi)
	}
	return lo, hi, nil
}

// readRows reads the rows at offsets [lo, hi), a chunk at a time.
func (q *queryAPI) readRows(ctx context.Context, r store.Run, lo, hi int) ([]store.HistoryRow, error) {
	out := make([]store.HistoryRow, 0, hi-lo)
	for off := lo; off < hi; off += historyChunkRows {
		rows, err := q.s.store.HistoryRows(ctx, r.ID, off, min(historyChunkRows, hi-off))
		if err != nil {
			return nil, fmt.Errorf("history of run %s: %w", r.Name, err)
		}
		if len(rows) == 0 {
			break
		}
		out = append(out, rows...)
	}
	return out, nil
}

// spread picks n of the offsets [lo, hi), evenly spaced, first and last
// included.
func spread(lo, hi, n int) []int {
	count := hi - lo
	if n >= count {
		out := make([]int, 0, count)
		for i := lo; i < hi; i++ {
			out = append(out, i)
		}
		return out
	}
	if n == 1 {
		return []int{hi - 1}
	}
	out := make([]int, n)
	for i := range out {
		out[i] = lo + int(int64(i)*int64(count-1)/int64(n-1))
	}
	return out
}

// sampleRows reads up to n rows spread over offsets [lo, hi): all of them
// when they are few, else one read per picked offset.
func (q *queryAPI) sampleRows(ctx context.Context, r store.Run, lo, hi, n int) ([]store.HistoryRow, error) {
	if hi-lo <= 4*n {
		rows, err := q.readRows(ctx, r, lo, hi)
		if err != nil {
			return nil, err
		}
		if len(rows) <= n {
			return rows, nil
		}
		out := make([]store.HistoryRow, 0, n)
		for _, i := range spread(0, len(rows), n) {
			out = append(out, rows[i])
		}
		return out, nil
	}
	out := make([]store.HistoryRow, 0, n)
	for _, off := range spread(lo, hi, n) {
		rows, err := q.s.store.HistoryRows(ctx, r.ID, off, 1)
		if err != nil {
			return nil, fmt.Errorf("history of run %s: %w", r.Name, err)
		}
		out = append(out, rows...)
	}
	return out, nil
}

func rowTexts(rows []store.HistoryRow) []string {
	out := make([]string, len(rows))
	for i, row := range rows {
		out[i] = row.JSON
	}
	return out
}

// history is Run.history(samples, minStep, maxStep): raw rows, evenly
// spread when more than samples match.
func (q *queryAPI) history(ctx context.Context, r store.Run, args map[string]any) (any, error) {
	minStep, maxStep, err := stepBounds(args)
	if err != nil {
		return nil, err
	}
	n := intArg(args, "samples", maxHistoryRows)
	if n < 1 {
		return nil, badRequestf("samples must be at least 1, got %d", n)
	}
	lo, hi, err := q.stepRange(ctx, r, minStep, maxStep)
	if err != nil {
		return nil, err
	}
	rows, err := q.sampleRows(ctx, r, lo, hi, int(min(n, maxHistoryRows)))
	if err != nil {
		return nil, err
	}
	return rowTexts(rows), nil
}

// historyRows is Run.historyRows(first, minStep, maxStep): a page of raw
// rows in order.
func (q *queryAPI) historyRows(ctx context.Context, r store.Run, args map[string]any) (any, error) {
	minStep, maxStep, err := stepBounds(args)
	if err != nil {
		return nil, err
	}
	first := intArg(args, "first", historyChunkRows)
	if first < 1 {
		return nil, badRequestf("first must be at least 1, got %d", first)
	}
	lo, _, err := q.stepRange(ctx, r, minStep, math.MaxInt64)
	if err != nil {
		return nil, err
	}
	rows, err := q.readRows(ctx, r, lo, min(lo+int(min(first, maxHistoryRows)), r.HistoryLineCount))
	if err != nil {
		return nil, err
	}
	if i := slices.IndexFunc(rows, func(row store.HistoryRow) bool { return row.Step >= maxStep }); i >= 0 {
		rows = rows[:i]
	}
	return rowTexts(rows), nil
}

// sampleSpec is one spec of W&B's sampledHistory.
type sampleSpec struct {
	Keys    []string `json:"keys"`
	Samples *int     `json:"samples"`
	MinStep *int64   `json:"minStep"`
	MaxStep *int64   `json:"maxStep"`
}

// sampledHistory is Run.sampledHistory(specs): per spec, up to samples
// rows (evenly spread) holding every key, with only those keys and _step.
func (q *queryAPI) sampledHistory(ctx context.Context, r store.Run, args map[string]any) (any, error) {
	specs, _ := args["specs"].([]any)
	out := make([]any, 0, len(specs))
	for i, x := range specs {
		src, ok := x.(string)
		if !ok {
			return nil, badRequestf("specs[%d] is not a JSON string", i)
		}
		var sp sampleSpec
		dec := json.NewDecoder(strings.NewReader(src))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&sp); err != nil {
			return nil, badRequestf("specs[%d]: want {\"keys\":[...],\"samples\":N,\"minStep\":a,\"maxStep\":b}: %v", i, err)
		}
		if len(sp.Keys) == 0 {
			return nil, badRequestf("specs[%d]: keys is empty", i)
		}
		n := defaultSamples
		if sp.Samples != nil {
			n = *sp.Samples
		}
		if n < 1 || n > maxHistoryRows {
			return nil, badRequestf("specs[%d]: samples %d not in 1..%d", i, n, maxHistoryRows)
		}
		minStep, maxStep := int64(0), int64(math.MaxInt64)
		if sp.MinStep != nil {
			minStep = *sp.MinStep
		}
		if sp.MaxStep != nil {
			maxStep = *sp.MaxStep
		}
		if minStep < 0 || maxStep < minStep {
			return nil, badRequestf("specs[%d]: step range [%d, %d) is empty or negative", i, minStep, maxStep)
		}
		picked, err := q.sampleKeys(ctx, r, sp.Keys, minStep, maxStep, n)
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(append([]map[string]any{}, picked...))
		if err != nil {
			return nil, fmt.Errorf("sampled history: %w", err)
		}
		out = append(out, json.RawMessage(b))
	}
	return out, nil
}

// sampleKeys picks up to n rows with minStep <= step < maxStep holding
// every key, spread by step. The per-key chunk index finds the rarest
// numeric key and the steps where it was logged (its last point in each
// of n step buckets), so sparse keys ("val_loss" every 100 steps) are
// sampled as well as dense ones; only the rows at those steps are read
// (values that are not finite numbers, NaN or strings, are then found only
// on those rows). A range of at most 4n rows, or keys none of which is
// numeric, are read in full (or spread over) and filtered.
func (q *queryAPI) sampleKeys(ctx context.Context, r store.Run, keys []string, minStep, maxStep int64, n int) ([]map[string]any, error) {
	last, err := q.lastStep(ctx, r)
	if err != nil {
		return nil, err
	}
	hiStep := min(maxStep-1, last)
	if hiStep < minStep {
		return []map[string]any{}, nil
	}
	rare, rareCount := "", 0
	for _, k := range keys {
		if k == "_step" {
			continue
		}
		bs, err := q.s.store.SampledHistory(ctx, r.ID, k, "", minStep, hiStep, 1)
		if err != nil {
			return nil, fmt.Errorf("sampled history of run %s: %w", r.Name, err)
		}
		c := 0
		if len(bs) == 1 {
			c = bs[0].Count
		}
		if c > 0 && (rare == "" || c < rareCount) {
			rare, rareCount = k, c
		}
	}
	picked := []map[string]any{}
	lo, hi, err := q.stepRange(ctx, r, minStep, maxStep)
	if err != nil {
		return nil, err
	}
	if rare == "" || hi-lo <= 4*n {
		rows, err := q.sampleRows(ctx, r, lo, hi, min(4*n, maxHistoryRows))
		if err != nil {
			return nil, err
		}
		for _, row := range rows {
			if m := projectRow(row, keys); m != nil {
				picked = append(picked, m)
			}
		}
		if len(picked) > n {
			idx := spread(0, len(picked), n)
			sel := make([]map[string]any, len(idx))
			for j, k := range idx {
				sel[j] = picked[k]
			}
			picked = sel
		}
		return picked, nil
	}
	bs, err := q.s.store.SampledHistory(ctx, r.ID, rare, "", minStep, hiStep, min(n, rareCount))
	if err != nil {
		return nil, fmt.Errorf("sampled history of run %s: %w", r.Name, err)
	}
	for _, b := range bs {
		row, ok, err := q.rowAtStep(ctx, r, b.LastStep)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if m := projectRow(row, keys); m != nil {
			picked = append(picked, m)
		}
	}
	return picked, nil
}

// rowAtStep reads the last row logged at step: the row at offset step
// when steps follow offsets (the common case), else found by binary search.
func (q *queryAPI) rowAtStep(ctx context.Context, r store.Run, step int64) (store.HistoryRow, bool, error) {
	read := func(off int) (store.HistoryRow, bool, error) {
		rows, err := q.s.store.HistoryRows(ctx, r.ID, off, 2)
		if err != nil {
			return store.HistoryRow{}, false, fmt.Errorf("history of run %s: %w", r.Name, err)
		}
		if len(rows) == 0 || rows[0].Step != step {
			return store.HistoryRow{}, false, nil
		}
		if len(rows) == 2 && rows[1].Step == step {
			return store.HistoryRow{}, false, nil // more rows at this step: search
		}
		return rows[0], true, nil
	}
	if step < int64(r.HistoryLineCount) {
		if row, ok, err := read(int(step)); ok || err != nil {
			return row, ok, err
		}
	}
	_, hi, err := q.stepRange(ctx, r, step, step+1)
	if err != nil || hi == 0 {
		return store.HistoryRow{}, false, err
	}
	rows, err := q.s.store.HistoryRows(ctx, r.ID, hi-1, 1)
	if err != nil {
		return store.HistoryRow{}, false, fmt.Errorf("history of run %s: %w", r.Name, err)
	}
	if len(rows) == 0 || rows[0].Step != step {
		return store.HistoryRow{}, false, nil
	}
	return rows[0], true, nil
}

// projectRow keeps keys of a raw row (nested keys by "." path when the row
// has no such flat key), with _step; nil when a key is missing.
// Non-finite numbers become the strings "NaN", "Infinity", "-Infinity".
func projectRow(row store.HistoryRow, keys []string) map[string]any {
	v, err := wjson.Decode([]byte(row.JSON))
	if err != nil {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	out := map[string]any{"_step": row.Step}
	for _, k := range keys {
		if k == "_step" {
			continue
		}
		x, ok := m[k]
		if !ok {
			x, ok = nested(m, k)
		}
		if !ok {
			return nil
		}
		out[k] = finite(x)
	}
	return out
}

func nested(m map[string]any, key string) (any, bool) {
	var cur any = m
	for part := range strings.SplitSeq(key, ".") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = mm[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// finite replaces non-finite floats (which JSON cannot hold) with W&B's
// token names as strings.
func finite(v any) any {
	switch x := v.(type) {
	case float64:
		switch {
		case math.IsNaN(x):
			return "NaN"
		case math.IsInf(x, 1):
			return "Infinity"
		case math.IsInf(x, -1):
			return "-Infinity"
		}
	case []any:
		for i := range x {
			x[i] = finite(x[i])
		}
	case map[string]any:
		for k, e := range x {
			x[k] = finite(e)
		}
	}
	return v
}

// lastStep is the step of the run's last history row (-1 without rows).
func (q *queryAPI) lastStep(ctx context.Context, r store.Run) (int64, error) {
	if r.HistoryLineCount == 0 {
		return -1, nil
	}
	rows, err := q.s.store.HistoryTail(ctx, r.ID, 1)
	if err != nil {
		return 0, fmt.Errorf("history of run %s: %w", r.Name, err)
	}
	if len(rows) == 0 {
		return -1, nil
	}
	return rows[0].Step, nil
}

// historyKeys is Run.historyKeys in W&B's shape.
func (q *queryAPI) historyKeys(ctx context.Context, r store.Run, _ map[string]any) (any, error) {
	keys, err := q.s.store.Keys(ctx, r.ID)
	if err != nil {
		return nil, fmt.Errorf("history keys of run %s: %w", r.Name, err)
	}
	last, err := q.lastStep(ctx, r)
	if err != nil {
		return nil, err
	}
	km := make(map[string]any, len(keys))
	for _, k := range keys {
		km[k] = map[string]any{"typeCounts": []any{map[string]any{"type": "number"}}}
	}
	b, err := json.Marshal(map[string]any{"lastStep": last, "keys": km})
	if err != nil {
		return nil, fmt.Errorf("history keys: %w", err)
	}
	return json.RawMessage(b), nil
}

// bucketedHistory is Run.bucketedHistory(key, xKey, minStep, maxStep,
// buckets) over store.SampledHistory (maxStep inclusive, default the last
// step).
func (q *queryAPI) bucketedHistory(ctx context.Context, r store.Run, args map[string]any) (any, error) {
	key := str(args, "key")
	if key == "" {
		return nil, badRequestf("key is empty")
	}
	n := intArg(args, "buckets", defaultBuckets)
	if n < 1 || n > store.MaxBuckets {
		return nil, badRequestf("buckets %d not in 1..%d", n, store.MaxBuckets)
	}
	minStep := intArg(args, "minStep", 0)
	maxStep := intArg(args, "maxStep", -1)
	if maxStep < 0 {
		last, err := q.lastStep(ctx, r)
		if err != nil {
			return nil, err
		}
		if last < minStep {
			return []any{}, nil
		}
		maxStep = last
	}
	bs, err := q.s.store.SampledHistory(ctx, r.ID, key, str(args, "xKey"), minStep, maxStep, int(n))
	if err != nil {
		return nil, fmt.Errorf("bucketed history of run %s: %w", r.Name, err)
	}
	out := make([]any, len(bs))
	for i, b := range bs {
		out[i] = map[string]any{"start": b.Start, "end": b.End, "firstStep": b.FirstStep, "lastStep": b.LastStep,
			"count": b.Count, "min": b.Min, "max": b.Max, "last": b.Last, "x": b.X}
	}
	return out, nil
}
