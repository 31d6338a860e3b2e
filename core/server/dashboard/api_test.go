package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gowandb/wandb/core/server/dashboard"
	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/plotting"
)

// browser is an HTTP client with a cookie jar, like a signed-in tab.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
}

func newBrowser(t *testing.T, e *testEnv) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: e.srv.URL, c: &http.Client{Jar: jar}}
}

func (b *browser) do(method, path, body string, hdr map[string]string) (int, http.Header, string) {
	b.t.Helper()
	req, err := http.NewRequest(method, b.base+path, strings.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(out)
}

func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	code, _, body := b.do("GET", path, "", nil)
	return code, body
}

// post sends a state-changing request with the session's CSRF token.
func (b *browser) post(path, body string) (int, string) {
	b.t.Helper()
	code, _, out := b.do("POST", path, body, map[string]string{dashboard.CSRFHeader: b.csrf})
	return code, out
}

func (b *browser) login(key string) {
	b.t.Helper()
	code, _, body := b.do("POST", "/api/ui/login", `{"apiKey":"`+key+`"}`, nil)
	if code != http.StatusOK {
		b.t.Fatalf("login: %d %s", code, body)
	}
	var me struct{ CSRF string }
	if err := json.Unmarshal([]byte(body), &me); err != nil || me.CSRF == "" {
		b.t.Fatalf("login answer %s: %v", body, err)
	}
	b.csrf = me.CSRF
}

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decoding %q: %v", body, err)
	}
	return v
}

// seedRun stores a run with history lines, output lines and files.
func seedRun(t *testing.T, e *testEnv, entity, project, name string, state store.RunState, config, summary string, history []string) store.Run {
	t.Helper()
	ctx := context.Background()
	tags := []string{"t-" + name}
	r, err := e.st.UpsertRun(ctx, store.RunUpsert{Entity: entity, Project: project, Name: name, Tags: &tags,
		Config: json.RawMessage(config), Summary: json.RawMessage(summary), State: &state})
	if err != nil {
		t.Fatal(err)
	}
	if len(history) > 0 {
		if _, err := e.st.AppendHistory(ctx, r.ID, 0, history); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func putFile(t *testing.T, e *testEnv, r store.Run, name, content string) {
	t.Helper()
	ctx := context.Background()
	size, md5, err := e.blobs.Put(ctx, r.Entity+"/"+r.Project+"/"+r.Name+"/"+name, strings.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.PutFile(ctx, store.File{RunID: r.ID, Name: name, Size: size, MD5: md5}); err != nil {
		t.Fatal(err)
	}
}

func TestPagesServeTheAppOrSayHowToBuildIt(t *testing.T) {
	built := fstest.MapFS{
		"index.html":    {Data: []byte(`<!doctype html><script type="module" src="/assets/app-X.js"></script>`)},
		"app-X.js":      {Data: []byte(strings.Repeat("console.log(1);", 200))},
		".gitkeep":      {Data: nil},
		"sub/inner.txt": {Data: []byte("no")},
	}
	e := newTestEnv(t, dashboard.WithAssets(built))
	b := newBrowser(t, e)
	for _, p := range []string{"/", "/login", "/p/alice/proj", "/r/alice/proj/abc", "/alice/proj", "/alice/proj/runs/abc"} {
		code, h, body := b.do("GET", p, "", nil)
		if code != 200 || !strings.Contains(body, "app-X.js") {
			t.Errorf("GET %s = %d %q, want the app's index.html", p, code, body)
		}
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "object-src 'none'") {
			t.Errorf("GET %s: CSP %q", p, csp)
		}
	}
	code, h, body := b.do("GET", "/assets/app-X.js", "", map[string]string{"Accept-Encoding": "identity"})
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/javascript") || !strings.Contains(h.Get("Cache-Control"), "immutable") || len(body) != 3000 {
		t.Errorf("asset: %d %v len %d", code, h, len(body))
	}
	for _, p := range []string{"/assets/index.html", "/assets/missing.js", "/assets/..%2fsecret"} {
		if code, _ := b.get(p); code != 404 {
			t.Errorf("GET %s = %d, want 404", p, code)
		}
	}

	bare := newTestEnv(t, dashboard.WithAssets(fstest.MapFS{".gitkeep": {}}))
	code, body = newBrowser(t, bare).get("/")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "make web") {
		t.Errorf("unbuilt: %d %q, want 503 saying to run make web", code, body)
	}
}

func TestSignInSessionCSRFAndSignOut(t *testing.T) {
	e := newTestEnv(t)
	b := newBrowser(t, e)
	if code, body := b.get("/api/ui/me"); code != 401 || !strings.Contains(body, "not signed in") {
		t.Fatalf("me before sign-in: %d %s", code, body)
	}
	// Refused sign-ins: unknown key, not JSON, another origin.
	if code, _, body := b.do("POST", "/api/ui/login", `{"apiKey":"nope-nope-nope-nope"}`, nil); code != 401 || !strings.Contains(body, "unknown API key") {
		t.Errorf("wrong key: %d %s", code, body)
	}
	if code, _, _ := b.do("POST", "/api/ui/login", "apiKey="+aliceKey, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}); code != http.StatusUnsupportedMediaType {
		t.Errorf("form sign-in: %d, want 415", code)
	}
	if code, _, _ := b.do("POST", "/api/ui/login", `{"apiKey":"`+aliceKey+`"}`, map[string]string{"Origin": "https://evil.example"}); code != 403 {
		t.Errorf("cross-origin sign-in: %d, want 403", code)
	}

	code, h, body := b.do("POST", "/api/ui/login", `{"apiKey":"`+aliceKey+`"}`, nil)
	if code != 200 {
		t.Fatalf("login: %d %s", code, body)
	}
	cookie := h.Get("Set-Cookie")
	for _, want := range []string{dashboard.SessionCookie + "=", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("Set-Cookie %q lacks %q", cookie, want)
		}
	}
	me := decode[struct {
		User     struct{ Name string }
		Entities []struct{ Name string }
		CSRF     string
	}](t, body)
	if me.User.Name != "alice" || len(me.Entities) != 1 || me.Entities[0].Name != "alice" || me.CSRF == "" {
		t.Fatalf("me: %+v", me)
	}
	b.csrf = me.CSRF
	seedRun(t, e, "alice", "proj", "r1", store.StateRunning, `{}`, `{}`, nil)

	// A state-changing request needs the CSRF token.
	for _, tok := range []string{"", "wrong"} {
		code, _, body := b.do("POST", "/api/ui/runs/alice/proj/r1/stop", "", map[string]string{dashboard.CSRFHeader: tok})
		if code != 403 || !strings.Contains(body, "CSRF") {
			t.Errorf("stop with CSRF %q: %d %s, want 403", tok, code, body)
		}
	}
	if code, body := b.post("/api/ui/runs/alice/proj/r1/stop", ""); code != 200 {
		t.Fatalf("stop with CSRF: %d %s", code, body)
	}
	if r, _ := e.st.Run(context.Background(), "alice", "proj", "r1"); !r.Stopped {
		t.Error("the run is not marked stopped")
	}

	if code, body := b.post("/api/ui/logout", ""); code != 200 {
		t.Fatalf("logout: %d %s", code, body)
	}
	if code, _ := b.get("/api/ui/me"); code != 401 {
		t.Errorf("me after logout: %d, want 401", code)
	}
}

func TestUsersSeeOnlyTheirEntities(t *testing.T) {
	e := newTestEnv(t)
	r := seedRun(t, e, "alice", "secret", "r1", store.StateFinished, `{}`, `{}`, []string{`{"_step":0,"loss":1}`})
	putFile(t, e, r, "output.log", "hello")
	bob := newBrowser(t, e)
	bob.login(bobKey)
	for _, p := range []string{"/api/ui/entities/alice/projects", "/api/ui/projects/alice/secret/runs",
		"/api/ui/projects/alice/secret/series?runs=r1&keys=loss", "/api/ui/runs/alice/secret/r1",
		"/api/ui/runs/alice/secret/r1/file/output.log", "/api/ui/runs/alice/secret/r1/logs"} {
		if code, body := bob.get(p); code != 404 {
			t.Errorf("bob GET %s = %d %s, want 404", p, code, body)
		}
	}
	if code, _ := bob.post("/api/ui/runs/alice/secret/r1/stop", ""); code != 404 {
		t.Errorf("bob stops alice's run: %d, want 404", code)
	}
	// Basic api:KEY works without a session, for scripts.
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/ui/entities/alice/projects", nil)
	req.SetBasicAuth("api", aliceKey)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), `"name":"secret"`) || !strings.Contains(string(body), `"runs":1`) {
		t.Errorf("alice with Basic auth: %d %s", res.StatusCode, body)
	}
}

type runsAnswer struct {
	Total       int
	ConfigKeys  []string
	SummaryKeys []string
	Runs        []struct {
		Name    string
		State   string
		Tags    []string
		C       []any
		S       []any
		Runtime float64
	}
}

func TestRunsTableFilterSearchAndColumns(t *testing.T) {
	e := newTestEnv(t)
	seedRun(t, e, "alice", "p", "a", store.StateFinished, `{"lr":{"value":0.1},"opt":{"value":"adam"},"_wandb":{"value":{"x":1}}}`, `{"loss":0.2,"img":{"_type":"image-file","path":"x.png"},"_runtime":42}`, nil)
	seedRun(t, e, "alice", "p", "b", store.StateRunning, `{"lr":{"value":0.001},"opt":{"value":"sgd"}}`, `{"loss":NaN}`, nil)
	seedRun(t, e, "alice", "p", "c", store.StateFinished, `{"lr":{"value":0.01}}`, `{}`, nil)
	b := newBrowser(t, e)
	b.login(aliceKey)

	code, body := b.get("/api/ui/projects/alice/p/runs")
	if code != 200 {
		t.Fatalf("runs: %d %s", code, body)
	}
	all := decode[runsAnswer](t, body)
	if all.Total != 3 || len(all.Runs) != 3 {
		t.Fatalf("runs: %+v", all)
	}
	if strings.Join(all.ConfigKeys, ",") != "lr,opt" || strings.Join(all.SummaryKeys, ",") != "_runtime,img,loss" {
		t.Errorf("columns: config %v summary %v", all.ConfigKeys, all.SummaryKeys)
	}
	for _, r := range all.Runs {
		switch r.Name {
		case "a":
			if r.C[0] != 0.1 || r.C[1] != "adam" || r.S[1] != "image-file" || r.S[2] != 0.2 || r.Runtime != 42 {
				t.Errorf("run a: %+v", r)
			}
		case "b":
			if r.S[2] != "NaN" {
				t.Errorf("run b's NaN loss: %+v", r.S)
			}
		}
	}

	names := func(q string) string {
		code, body := b.get("/api/ui/projects/alice/p/runs?" + q)
		if code != 200 {
			t.Fatalf("runs?%s: %d %s", q, code, body)
		}
		var ns []string
		for _, r := range decode[runsAnswer](t, body).Runs {
			ns = append(ns, r.Name)
		}
		return strings.Join(ns, ",")
	}
	for q, want := range map[string]string{
		"filter=" + urlq("config.lr > 0.005 and state = finished"): "a,c",
		"filter=" + urlq("config.opt = sgd or tags = t-c"):         "b,c",
		"q=T-A":                              "a",
		"filter=" + urlq("summary.loss < 1"): "a",
		"filter=" + urlq(`{"config.lr.value":{"$lt":0.005}}`): "b",
	} {
		if got := sortCSV(names(q)); got != want {
			t.Errorf("runs?%s = %s, want %s", q, got, want)
		}
	}
	code, body = b.get("/api/ui/projects/alice/p/runs?filter=" + urlq("config.lr >"))
	if code != 400 || !strings.Contains(body, "dashboard: filter: runfilter: column") {
		t.Errorf("bad filter: %d %s", code, body)
	}
	if code, _ := b.get("/api/ui/projects/alice/nope/runs"); code != 404 {
		t.Errorf("unknown project: %d, want 404", code)
	}
}

func urlq(s string) string { return url.QueryEscape(s) }

func sortCSV(s string) string {
	p := strings.Split(s, ",")
	for i := range p {
		for j := i + 1; j < len(p); j++ {
			if p[j] < p[i] {
				p[i], p[j] = p[j], p[i]
			}
		}
	}
	return strings.Join(p, ",")
}

type seriesAnswer struct {
	Series []struct {
		Run, Key       string
		X, Y, Min, Max []float64
		Count          int
		Steps          [2]int64
	}
}

func TestSeriesAreBucketedAndZoomable(t *testing.T) {
	e := newTestEnv(t)
	var lines []string
	for i := 0; i < 10000; i++ {
		lines = append(lines, fmt.Sprintf(`{"_step":%d,"loss":%d,"acc":%g}`, i, i%10, float64(i)/10000))
	}
	seedRun(t, e, "alice", "p", "big", store.StateFinished, `{}`, `{}`, lines)
	seedRun(t, e, "alice", "p", "empty", store.StateRunning, `{}`, `{}`, nil)
	b := newBrowser(t, e)
	b.login(aliceKey)

	code, body := b.get("/api/ui/projects/alice/p/series?runs=big,empty&keys=loss,acc&buckets=100")
	if code != 200 {
		t.Fatalf("series: %d %s", code, body)
	}
	s := decode[seriesAnswer](t, body).Series
	if len(s) != 4 {
		t.Fatalf("want 4 series (2 runs × 2 keys), got %d", len(s))
	}
	loss := s[0]
	if loss.Run != "big" || loss.Key != "loss" || len(loss.X) != 100 || loss.Count != 10000 || loss.Steps != [2]int64{0, 9999} {
		t.Fatalf("loss: run %s key %s %d buckets count %d steps %v", loss.Run, loss.Key, len(loss.X), loss.Count, loss.Steps)
	}
	for i := range loss.X {
		if loss.Min[i] != 0 || loss.Max[i] != 9 {
			t.Fatalf("bucket %d: min %v max %v, want the band 0..9", i, loss.Min[i], loss.Max[i])
		}
	}
	if s[2].Run != "empty" || len(s[2].X) != 0 {
		t.Errorf("a run without history: %+v", s[2])
	}

	// Zoom: a step range gets finer buckets inside it.
	code, body = b.get("/api/ui/projects/alice/p/series?runs=big&keys=loss&buckets=1000&min=2000&max=2099")
	if code != 200 {
		t.Fatalf("zoom: %d %s", code, body)
	}
	z := decode[seriesAnswer](t, body).Series[0]
	if len(z.X) != 100 || z.X[0] != 2000 || z.X[99] != 2099 || z.Y[5] != 5 {
		t.Errorf("zoomed: %d points from %v to %v", len(z.X), z.X[0], z.X[len(z.X)-1])
	}

	// x axis another metric: X holds that key's values.
	code, body = b.get("/api/ui/projects/alice/p/series?runs=big&keys=loss&buckets=10&x=acc")
	if code != 200 {
		t.Fatalf("x=acc: %d %s", code, body)
	}
	if x := decode[seriesAnswer](t, body).Series[0].X; len(x) != 10 || x[9] != 0.9999 {
		t.Errorf("x=acc: %v", x)
	}

	for q, want := range map[string]string{
		"runs=big&keys=":                     "needs 1 to 200 history keys",
		"runs=big&keys=loss&buckets=0":       "buckets=0",
		"runs=big&keys=loss&buckets=1000000": "buckets=1000000",
		"runs=big&keys=loss&min=x":           "min=\\\"x\\\" is not an integer",
		"runs=nope&keys=loss":                "not found",
	} {
		code, body := b.get("/api/ui/projects/alice/p/series?" + q)
		if (code != 400 && code != 404) || !strings.Contains(body, want) {
			t.Errorf("series?%s = %d %s, want an error containing %s", q, code, body, want)
		}
	}

	code, body = b.get("/api/ui/projects/alice/p/keys?runs=big,empty")
	if code != 200 || !strings.Contains(body, `"keys":["acc","loss"]`) {
		t.Errorf("keys: %d %s", code, body)
	}
}

func TestRunPageData(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	hist := []string{
		`{"_step":0,"loss":1,"examples":{"_type":"image-file","path":"media/images/ex_0_a.png","caption":"cat","width":2,"height":1,` +
			`"boxes":{"predictions":{"_type":"boxes2D","path":"media/metadata/boxes2D/b.boxes2D.json"}},"masks":{"seg":{"_type":"mask","path":"media/images/mask/m.png"}}}}`,
		`{"_step":1,"loss":0.5}`,
		`{"_step":2,"preds":{"_type":"table-file","path":"media/table/preds_2_b.table.json","nrows":3,"ncols":2},"page":{"_type":"html-file","path":"media/html/page_2_c.html"}}`,
	}
	r := seedRun(t, e, "alice", "p", "r1", store.StateRunning, `{"lr":{"value":0.1}}`, `{"loss":0.5}`, hist)
	putFile(t, e, r, "wandb-metadata.json", `{"host":"gpu-box","os":"Linux","program":"train.go","git":{"commit":"abc123"}}`)
	putFile(t, e, r, "media/images/ex_0_a.png", "\x89PNG fake")
	putFile(t, e, r, "media/table/preds_2_b.table.json", `{"columns":["id","score"],"data":[[1,0.5],[2,NaN],[3,0.9]]}`)
	putFile(t, e, r, "media/html/page_2_c.html", `<script>alert(1)</script>`)
	if _, err := e.st.AppendLines(ctx, r.ID, store.StreamOutput, 0, []string{"epoch 1", "loss=0.5", "Epoch 2 done"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.AppendLines(ctx, r.ID, store.StreamEvents, 0, []string{`{"system.cpu":12.5,"_runtime":2}`, `{"system.cpu":50,"_runtime":4}`}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, e)
	b.login(aliceKey)
	base := "/api/ui/runs/alice/p/r1"

	code, body := b.get(base)
	if code != 200 {
		t.Fatalf("run: %d %s", code, body)
	}
	run := decode[struct {
		Name     string
		Config   map[string]any
		Metadata map[string]any
		Keys     []string
		LogLines int
	}](t, body)
	if run.Config["lr"] != 0.1 || run.Metadata["host"] != "gpu-box" || strings.Join(run.Keys, ",") != "loss" || run.LogLines != 3 {
		t.Errorf("run: %+v", run)
	}

	code, body = b.post(base, `{"notes":"tuned <b>lr</b>","tags":[" a ","b",""]}`)
	if code != 200 || !strings.Contains(body, `"notes":"tuned <b>lr</b>"`) || !strings.Contains(body, `"tags":["a","b"]`) {
		t.Errorf("update: %d %s", code, body)
	}
	if code, body := b.post(base, `not json`); code != 400 || !strings.Contains(body, "JSON body") {
		t.Errorf("bad update: %d %s", code, body)
	}

	code, body = b.get(base + "/logs?q=EPOCH")
	if code != 200 || !strings.Contains(body, `"lines":[{"n":0,"text":"epoch 1"},{"n":2,"text":"Epoch 2 done"}]`) {
		t.Errorf("logs search: %d %s", code, body)
	}
	code, body = b.get(base + "/logs?offset=1&limit=1")
	if code != 200 || !strings.Contains(body, `"lines":[{"n":1,"text":"loss=0.5"}]`) {
		t.Errorf("logs page: %d %s", code, body)
	}

	code, body = b.get(base + "/system")
	if code != 200 || !strings.Contains(body, `"system.cpu":{"x":[2,4],"y":[12.5,50]}`) {
		t.Errorf("system: %d %s", code, body)
	}

	code, body = b.get(base + "/media")
	if code != 200 {
		t.Fatalf("media: %d %s", code, body)
	}
	media := decode[struct {
		Media []struct {
			Key, Type string
			Steps     []struct {
				Step  int64
				Items []struct {
					Path, Caption string
					Boxes, Masks  map[string]string
				}
			}
		}
	}](t, body).Media
	if len(media) != 3 || media[0].Key != "examples" || media[0].Type != "image" || media[0].Steps[0].Items[0].Caption != "cat" ||
		media[0].Steps[0].Items[0].Boxes["predictions"] != "media/metadata/boxes2D/b.boxes2D.json" || media[0].Steps[0].Items[0].Masks["seg"] != "media/images/mask/m.png" ||
		media[1].Key != "page" || media[1].Type != "html" || media[2].Key != "preds" || media[2].Type != "table" || media[2].Steps[0].Step != 2 {
		t.Errorf("media: %+v", media)
	}

	code, body = b.get(base + "/table?path=media/table/preds_2_b.table.json&offset=1&limit=1")
	if code != 200 || !strings.Contains(body, `"rows":[[2,"NaN"]]`) || !strings.Contains(body, `"total":3`) {
		t.Errorf("table page: %d %s", code, body)
	}
	code, body = b.get(base + "/table?path=media/table/preds_2_b.table.json&sort=score&desc=1")
	if code != 200 || !strings.Contains(body, `"rows":[[3,0.9],[1,0.5],[2,"NaN"]]`) {
		t.Errorf("table sorted: %d %s", code, body)
	}
	if code, body := b.get(base + "/table?path=media/table/preds_2_b.table.json&sort=nope"); code != 400 || !strings.Contains(body, `no column \"nope\"`) {
		t.Errorf("table bad sort: %d %s", code, body)
	}

	code, h, body := b.do("GET", base+"/file/media/html/page_2_c.html", "", nil)
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.HasPrefix(h.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("html file: %d %v", code, h)
	}
	code, h, _ = b.do("GET", base+"/file/wandb-metadata.json?download=1", "", nil)
	if code != 200 || h.Get("Content-Disposition") != `attachment; filename=wandb-metadata.json` {
		t.Errorf("download: %d %v", code, h)
	}
	if code, _ := b.get(base + "/file/nope.txt"); code != 404 {
		t.Errorf("missing file: %d", code)
	}
	code, body = b.get(base + "/files")
	if code != 200 || strings.Count(body, `"name"`) != 4 {
		t.Errorf("files: %d %s", code, body)
	}

	if code, _ := b.post(base+"/stop", ""); code != 200 {
		t.Errorf("stop: %d", code)
	}
	fin := store.StateFinished
	if _, err := e.st.UpsertRun(ctx, store.RunUpsert{Entity: "alice", Project: "p", Name: "r1", State: &fin}); err != nil {
		t.Fatal(err)
	}
	if code, body := b.post(base+"/stop", ""); code != 409 || !strings.Contains(body, "not running") {
		t.Errorf("stop a finished run: %d %s, want 409", code, body)
	}
}

func TestSessionsExpireWithoutUse(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	e := newTestEnv(t, dashboard.WithClock(clock), dashboard.WithSessionTTL(time.Hour))
	b := newBrowser(t, e)
	b.login(aliceKey)
	advance(50 * time.Minute)
	if code, _ := b.get("/api/ui/me"); code != 200 {
		t.Fatalf("me within the TTL: %d", code)
	}
	advance(50 * time.Minute) // 100 min after sign-in, 50 after last use
	if code, _ := b.get("/api/ui/me"); code != 200 {
		t.Fatalf("use extends the session: %d", code)
	}
	advance(61 * time.Minute)
	if code, _ := b.get("/api/ui/me"); code != 401 {
		t.Fatalf("me after an idle hour: %d, want 401", code)
	}
}

func TestRunListsItsCustomCharts(t *testing.T) {
	e := newTestEnv(t)
	vis := map[string]any{"roc": plotting.PanelConfig(plotting.SpecAreaUnderCurve, map[string]string{"x": "fpr", "y": "tpr", "class": "class"},
		map[string]string{"title": "ROC"}, "roc_table")}
	cfg, err := json.Marshal(map[string]any{"lr": map[string]any{"value": 0.1}, "_wandb": map[string]any{"value": map[string]any{"visualize": vis}}})
	if err != nil {
		t.Fatal(err)
	}
	seedRun(t, e, "alice", "p", "r1", store.StateFinished, string(cfg), `{}`, nil)
	b := newBrowser(t, e)
	b.login(aliceKey)
	code, body := b.get("/api/ui/runs/alice/p/r1")
	if code != 200 {
		t.Fatalf("run: %d %s", code, body)
	}
	got := decode[struct {
		Config       map[string]any
		CustomCharts map[string]struct {
			Spec, TableKey  string
			Fields, Strings map[string]string
		}
	}](t, body)
	roc := got.CustomCharts["roc"]
	if roc.Spec != plotting.SpecAreaUnderCurve || roc.TableKey != "roc_table" || roc.Fields["x"] != "fpr" || roc.Strings["title"] != "ROC" {
		t.Errorf("custom chart: %+v", got.CustomCharts)
	}
	if _, leaked := got.Config["_wandb"]; leaked || got.Config["lr"] != 0.1 {
		t.Errorf("config shown: %v", got.Config)
	}
}

func TestSeriesOfALiveRunGrow(t *testing.T) {
	e := newTestEnv(t)
	var lines []string
	for i := 0; i < 10; i++ {
		lines = append(lines, fmt.Sprintf(`{"_step":%d,"loss":%d}`, i, i))
	}
	r := seedRun(t, e, "alice", "p", "live", store.StateRunning, `{}`, `{}`, lines)
	b := newBrowser(t, e)
	b.login(aliceKey)
	count := func() int {
		code, body := b.get("/api/ui/projects/alice/p/series?runs=live&keys=loss&buckets=100")
		if code != 200 {
			t.Fatalf("series: %d %s", code, body)
		}
		return len(decode[seriesAnswer](t, body).Series[0].X)
	}
	if n := count(); n != 10 {
		t.Fatalf("points: %d, want 10", n)
	}
	if n := count(); n != 10 { // the same again, from the cache
		t.Fatalf("points again: %d, want 10", n)
	}
	if _, err := e.st.AppendHistory(context.Background(), r.ID, 10, []string{`{"_step":10,"loss":10}`, `{"_step":11,"loss":11}`}); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 12 {
		t.Fatalf("points after two more rows: %d, want 12", n)
	}
}
