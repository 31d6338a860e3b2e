package dashboard

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gowandb/wandb/core/runfilter"
	"github.com/gowandb/wandb/core/store"
)

type projectJSON struct {
	Entity    string    `json:"entity"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
	Runs      int       `json:"runs"`
	Running   int       `json:"running"`
	LastRunAt time.Time `json:"lastRunAt"`
}

func (d *dash) projects(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	entity := r.PathValue("entity")
	if err := d.checkEntity(ctx, entity); err != nil {
		d.fail(w, err)
		return
	}
	ps, err := d.st.ListProjects(ctx, entity)
	if err != nil {
		d.fail(w, fmt.Errorf("dashboard: projects of %q: %w", entity, err))
		return
	}
	out := []projectJSON{}
	for _, p := range ps {
		runs, err := d.st.ListRuns(ctx, store.RunFilter{Entity: entity, Project: p.Name})
		if err != nil {
			d.fail(w, fmt.Errorf("dashboard: runs of %s/%s: %w", entity, p.Name, err))
			return
		}
		pj := projectJSON{Entity: entity, Name: p.Name, CreatedAt: p.CreatedAt, Runs: len(runs)}
		for _, run := range runs {
			if run.State == store.StateRunning {
				pj.Running++
			}
			if run.CreatedAt.After(pj.LastRunAt) {
				pj.LastRunAt = run.CreatedAt
			}
		}
		out = append(out, pj)
	}
	writeJSON(w, http.StatusOK, map[string]any{"projects": out})
}

// runJSON is a run as the runs table and run page see it.
type runJSON struct {
	Name        string    `json:"name"`
	DisplayName string    `json:"displayName"`
	State       string    `json:"state"`
	Stopped     bool      `json:"stopped"`
	User        string    `json:"user"`
	CreatedAt   time.Time `json:"createdAt"`
	HeartbeatAt time.Time `json:"heartbeatAt"`
	Runtime     float64   `json:"runtime"`
	Tags        []string  `json:"tags"`
	Group       string    `json:"group"`
	JobType     string    `json:"jobType"`
	Notes       string    `json:"notes"`
	ExitCode    *int      `json:"exitCode"`
	Steps       int       `json:"historyLines"`
	Config      []any     `json:"c,omitempty"` // values in the order of configKeys
	Summary     []any     `json:"s,omitempty"` // values in the order of summaryKeys
}

func (d *dash) view(r *store.Run) *runView {
	v := &runView{run: r, config: flatConfig(r.Config), summary: flatSummary(r.Summary)}
	if rt, ok := v.summary["_runtime"].(float64); ok {
		v.runtime = rt
	} else {
		end := r.HeartbeatAt
		if r.State == store.StateRunning {
			end = d.cfg.now()
		}
		if end.IsZero() || end.Before(r.CreatedAt) {
			end = r.UpdatedAt
		}
		v.runtime = math.Max(0, end.Sub(r.CreatedAt).Seconds())
	}
	return v
}

func baseRunJSON(v *runView) runJSON {
	r := v.run
	tags := r.Tags
	if tags == nil {
		tags = []string{}
	}
	return runJSON{Name: r.Name, DisplayName: r.DisplayName, State: string(r.State), Stopped: r.Stopped,
		User: r.Entity, CreatedAt: r.CreatedAt, HeartbeatAt: r.HeartbeatAt, Runtime: math.Round(v.runtime*10) / 10,
		Tags: tags, Group: r.Group, JobType: r.JobType, Notes: r.Notes, ExitCode: r.ExitCode, Steps: r.HistoryLineCount}
}

// runs lists a project's runs matching ?filter= (a core/runfilter
// expression such as `config.lr > 0.01 and state = finished`, or W&B's
// Mongo-style JSON) and ?q= (a
// case-insensitive search in name, display name, tags, group, job type and
// notes), with their config and summary values as columns.
func (d *dash) runs(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	entity, project := r.PathValue("entity"), r.PathValue("project")
	if err := d.checkEntity(ctx, entity); err != nil {
		d.fail(w, err)
		return
	}
	if _, err := d.st.Project(ctx, entity, project); err != nil {
		d.fail(w, fmt.Errorf("dashboard: project %s/%s: %w", entity, project, err))
		return
	}
	f, err := runfilter.Parse(r.URL.Query().Get("filter"), runfilter.WithCache(d.filters))
	if err != nil {
		d.fail(w, asBadRequest(fmt.Errorf("dashboard: filter: %w", err)))
		return
	}
	q := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("q")))
	runs, err := d.st.ListRuns(ctx, store.RunFilter{Entity: entity, Project: project})
	if err != nil {
		d.fail(w, fmt.Errorf("dashboard: runs of %s/%s: %w", entity, project, err))
		return
	}
	views := make([]*runView, 0, len(runs))
	ck, sk := map[string]int{}, map[string]int{}
	for i := range runs {
		v := d.view(&runs[i])
		for k := range v.config {
			ck[k]++
		}
		for k := range v.summary {
			sk[k]++
		}
		if !f.Match(&runs[i]) || (q != "" && !searchMatch(&runs[i], q)) {
			continue
		}
		views = append(views, v)
	}
	configKeys, summaryKeys := sortedKeys(ck), sortedKeys(sk)
	out := make([]runJSON, 0, len(views))
	for _, v := range views {
		j := baseRunJSON(v)
		j.Config = make([]any, len(configKeys))
		for i, k := range configKeys {
			j.Config[i] = jsonSafe(v.config[k])
		}
		j.Summary = make([]any, len(summaryKeys))
		for i, k := range summaryKeys {
			j.Summary[i] = jsonSafe(v.summary[k])
		}
		out = append(out, j)
	}
	writeJSON(w, http.StatusOK, map[string]any{"total": len(runs), "configKeys": configKeys,
		"summaryKeys": summaryKeys, "runs": out})
}

func searchMatch(r *store.Run, q string) bool {
	for _, s := range []string{r.Name, r.DisplayName, r.Group, r.JobType, r.Notes, strings.Join(r.Tags, " ")} {
		if strings.Contains(strings.ToLower(s), q) {
			return true
		}
	}
	return false
}

// projectRuns resolves ?runs=a,b,c to runs of the project (at most max).
func (d *dash) projectRuns(ctx context.Context, r *http.Request, max int) ([]store.Run, error) {
	entity, project := r.PathValue("entity"), r.PathValue("project")
	if err := d.checkEntity(ctx, entity); err != nil {
		return nil, err
	}
	var out []store.Run
	for _, name := range strings.Split(r.URL.Query().Get("runs"), ",") {
		if name == "" {
			continue
		}
		if len(out) == max {
			return nil, badRequestf("at most %d runs per request", max)
		}
		run, err := d.st.Run(ctx, entity, project, name)
		if err != nil {
			return nil, fmt.Errorf("dashboard: run %s/%s/%s: %w", entity, project, name, err)
		}
		out = append(out, run)
	}
	return out, nil
}

// keys returns the union of the numeric history keys of ?runs=.
func (d *dash) keys(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	runs, err := d.projectRuns(ctx, r, 200)
	if err != nil {
		d.fail(w, err)
		return
	}
	set := map[string]int{}
	for _, run := range runs {
		ks, err := d.st.Keys(ctx, run.ID)
		if err != nil {
			d.fail(w, fmt.Errorf("dashboard: history keys of %s: %w", run.Name, err))
			return
		}
		for _, k := range ks {
			set[k]++
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": sortedKeys(set)})
}

// MaxBuckets is the most buckets a chart asks for per run and key.
const MaxBuckets = 2000

// seriesJSON is one run's sampled line of one key: per bucket its x (the
// last point's step, or x key value), last value, min and max.
type seriesJSON struct {
	Run   string    `json:"run"`
	Key   string    `json:"key"`
	X     []float64 `json:"x"`
	Y     []float64 `json:"y"`
	Min   []float64 `json:"min"`
	Max   []float64 `json:"max"`
	Count int       `json:"count"` // points in range
	Steps [2]int64  `json:"steps"` // the run's first and last step
}

// series answers charts: ?runs=a,b&keys=k1,k2 (or &key=k1&key=k2)&x=_step&buckets=N and
// optionally &min=&max= (a step range, for zoom). Each (run, key) is
// sampled by store.SampledHistory into at most N buckets.
func (d *dash) series(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	runs, err := d.projectRuns(ctx, r, 200)
	if err != nil {
		d.fail(w, err)
		return
	}
	keys := r.URL.Query()["key"] // repeated: exact keys, commas allowed
	for _, k := range strings.Split(r.URL.Query().Get("keys"), ",") {
		if k != "" {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 || len(keys) > 200 {
		d.fail(w, badRequestf("keys= (comma-separated) or key= (repeated) needs 1 to 200 history keys"))
		return
	}
	buckets, err := queryInt(r, "buckets", 1000)
	if err != nil {
		d.fail(w, err)
		return
	}
	if buckets < 1 || buckets > MaxBuckets {
		d.fail(w, badRequestf("buckets=%d: must be 1 to %d", buckets, MaxBuckets))
		return
	}
	lo, err := queryInt(r, "min", math.MinInt64)
	if err != nil {
		d.fail(w, err)
		return
	}
	hi, err := queryInt(r, "max", math.MaxInt64)
	if err != nil {
		d.fail(w, err)
		return
	}
	xKey := r.URL.Query().Get("x")
	type job struct {
		run   *store.Run
		key   string
		first int64
		last  int64
		out   *seriesJSON
	}
	var jobs []job
	for i := range runs {
		run := &runs[i]
		first, last, err := d.stepRange(ctx, run)
		if err != nil {
			d.fail(w, err)
			return
		}
		for _, k := range keys {
			jobs = append(jobs, job{run: run, key: k, first: first, last: last,
				out: &seriesJSON{Run: run.Name, Key: k, Steps: [2]int64{first, last}}})
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, len(jobs))
	for i := range jobs {
		j := &jobs[i]
		from, to := max(lo, j.first), min(hi, j.last)
		j.out.X, j.out.Y, j.out.Min, j.out.Max = []float64{}, []float64{}, []float64{}, []float64{}
		if from > to {
			continue
		}
		n := alignBuckets(from, to, int(buckets))
		ck := seriesKey{run: j.run.ID, lines: j.run.HistoryLineCount, key: j.key, x: xKey, from: from, to: to, buckets: n}
		if v, ok := d.cache.get(ck); ok {
			j.out.X, j.out.Y, j.out.Min, j.out.Max, j.out.Count = v.x, v.y, v.min, v.max, v.count
			continue
		}
		wg.Add(1)
		// One semaphore for all requests: a page of many charts queues
		// here instead of running more queries than there are cores.
		d.sem <- struct{}{}
		go func(i int) {
			defer func() { <-d.sem; wg.Done() }()
			bs, err := d.st.SampledHistory(ctx, j.run.ID, j.key, xKey, from, to, n)
			if err != nil {
				errs[i] = fmt.Errorf("dashboard: history of %s key %q: %w", j.run.Name, j.key, err)
				return
			}
			for _, b := range bs {
				j.out.X = append(j.out.X, b.X)
				j.out.Y = append(j.out.Y, b.Last)
				j.out.Min = append(j.out.Min, b.Min)
				j.out.Max = append(j.out.Max, b.Max)
				j.out.Count += b.Count
			}
			d.cache.put(ck, seriesVal{j.out.X, j.out.Y, j.out.Min, j.out.Max, j.out.Count})
		}(i)
	}
	wg.Wait()
	out := make([]*seriesJSON, len(jobs))
	for i, j := range jobs {
		if errs[i] != nil {
			d.fail(w, errs[i])
			return
		}
		out[i] = j.out
	}
	writeJSON(w, http.StatusOK, map[string]any{"series": out})
}

// alignBuckets returns a bucket count near n (at least n/2) whose bucket
// width is a multiple of store.DefaultChunkSize when buckets are that wide
// anyway: a chunk that lies inside one bucket is answered from its summary,
// without decoding its points, so a 10^6-step chart costs a few ms, not
// tens. (Chunks hold DefaultChunkSize consecutive points from the first
// step, so the widths line up for densely logged steps.)
func alignBuckets(from, to int64, n int) int {
	span := to - from + 1
	w := (span + int64(n) - 1) / int64(n)
	const c = store.DefaultChunkSize
	if w < c/2 {
		return n
	}
	w = (w + c - 1) / c * c
	return int(max(1, (span+w-1)/w))
}

// stepRange returns the first and last history steps of a run.
func (d *dash) stepRange(ctx context.Context, run *store.Run) (int64, int64, error) {
	if run.HistoryLineCount == 0 {
		return 0, -1, nil
	}
	head, err := d.st.HistoryRows(ctx, run.ID, 0, 1)
	if err != nil {
		return 0, 0, fmt.Errorf("dashboard: history of %s: %w", run.Name, err)
	}
	tail, err := d.st.HistoryTail(ctx, run.ID, 1)
	if err != nil {
		return 0, 0, fmt.Errorf("dashboard: history of %s: %w", run.Name, err)
	}
	if len(head) == 0 || len(tail) == 0 {
		return 0, -1, nil
	}
	first, last := head[0].Step, tail[0].Step
	if last < first {
		first, last = last, first
	}
	return first, last, nil
}

func sortStrings(s []string) []string { sort.Strings(s); return s }

// runView is a run with its config and summary flattened, as the runs
// table and the filter see it.
type runView struct {
	run     *store.Run
	config  map[string]any
	summary map[string]any
	runtime float64
}
