package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/core/wjson"
)

// syncedRuns logs three offline runs and the golden run, syncs them to a
// real server with `wandb sync --all` and returns the CLI environment.
func syncedRuns(t *testing.T) []string {
	t.Helper()
	_, srv := syncServer(t)
	root := t.TempDir()
	for i, c := range []struct {
		id, name string
		lr       float64
		tags     []string
		code     int
	}{{"aaa", "sweep-a", 0.1, []string{"baseline"}, 0}, {"bbb", "other", 0.001, nil, 1}, {"ccc", "sweep-c", 0.05, []string{"baseline", "x"}, 0}} {
		r := startRun(t, root, wandb.WithID(c.id), wandb.WithName(c.name), wandb.WithTags(c.tags...),
			wandb.WithConfig(map[string]any{"lr": c.lr}))
		logRow(t, r, map[string]any{"loss": 1.0 / float64(i+1)})
		finish(t, r, c.code)
	}
	goldenRun(t, root)
	env := []string{"WANDB_BASE_URL=" + srv.URL, "WANDB_API_KEY=" + syncTestKey}
	mustCLI(t, env, "--dir", root, "sync", "--all")
	return env
}

func TestRunsLsServer(t *testing.T) {
	env := syncedRuns(t)
	ids := func(args ...string) []string {
		t.Helper()
		res := mustCLI(t, env, append([]string{"runs", "ls", "alice/cli-test", "--format", "json"}, args...)...)
		// W&B's JSON: NaN and Infinity as bare tokens.
		v, err := wjson.Decode([]byte(res.stdout))
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, res.stdout)
		}
		var out []string
		for _, r := range v.([]any) {
			out = append(out, r.(map[string]any)["id"].(string))
		}
		return out
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "golden01 ccc bbb aaa"},
		{[]string{"--order", "+created_at", "--limit", "2"}, "aaa bbb"},
		{[]string{"--filter", "config.lr > 0.01 and state = finished"}, "ccc aaa"},
		{[]string{"--filter", "config.lr >= 0.01 and state = finished"}, "golden01 ccc aaa"},
		{[]string{"--filter", `name ~ "^sweep-"`, "--order", "+summary_metrics.loss"}, "ccc aaa"},
		{[]string{"--state", "failed"}, "bbb"},
		{[]string{"--tag", "baseline", "--tag", "x"}, "ccc"},
		{[]string{"--filter", `{"config.lr.value":{"$lt":0.01}}`, "--state", "finished,failed"}, "bbb"},
		{[]string{"--filter", "summary.loss >= 0.5 or tags contains a"}, "golden01 bbb aaa"},
	} {
		if got := strings.Join(ids(tc.args...), " "); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.args, got, tc.want)
		}
	}
	// The table, and the project alone (the key's entity).
	res := mustCLI(t, env, "runs", "ls", "cli-test", "--order", "name")
	lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "ID") || !strings.HasPrefix(lines[1], "aaa ") ||
		!strings.Contains(lines[4], "golden-run") || !strings.Contains(lines[4], "grp") || !strings.Contains(lines[4], "a,b") {
		t.Errorf("table:\n%s", res.stdout)
	}
	if res := mustCLI(t, env, "runs", "ls", "alice/cli-test", "--filter", "state = killed"); !strings.Contains(res.stdout, "no runs in alice/cli-test") {
		t.Errorf("empty: %q", res.stdout)
	}
}

func TestRunsLsServerRefusals(t *testing.T) {
	env := syncedRuns(t)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--filter", "config.lr >"}, exitUsage, "--filter: runfilter: column 12: expected a value"},
		{[]string{"--order", "-bogus"}, exitUsage, `unknown order key "bogus"`},
		{[]string{"--format", "xml"}, exitUsage, "--format must be table or json"},
		{[]string{"--fast"}, exitUsage, "--fast lists local runs only"},
	} {
		res := cli(t, env, append([]string{"runs", "ls", "alice/cli-test"}, tc.args...)...)
		if res.code != tc.code || !strings.Contains(res.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, res.code, res.stderr, tc.code, tc.want)
		}
	}
	if res := cli(t, env, "runs", "ls", "nobody/x"); res.code != exitFailure || !strings.Contains(res.stderr, "permission denied") {
		t.Errorf("other entity: exit %d %q", res.code, res.stderr)
	}
	if res := cli(t, env, "runs", "ls", "alice/nope"); res.code != exitFailure || !strings.Contains(res.stderr, "not found") {
		t.Errorf("missing project: exit %d %q", res.code, res.stderr)
	}
	if res := cli(t, nil, "runs", "ls", "alice/cli-test"); res.code != exitFailure || !strings.Contains(res.stderr, "no API key") {
		t.Errorf("no key: exit %d %q", res.code, res.stderr)
	}
	if res := cli(t, nil, "runs", "ls", "--dir", t.TempDir(), "--filter", "state = x"); res.code != exitUsage || !strings.Contains(res.stderr, "need ENTITY/PROJECT") {
		t.Errorf("local with --filter: exit %d %q", res.code, res.stderr)
	}
}

// volatile are the values that change from run to run.
var volatile = regexp.MustCompile(`("_timestamp":|"_runtime":)[-0-9.e+]+|(^|,)[0-9]{9,}\.[0-9]+(,|$)`)

func TestHistoryCommand(t *testing.T) {
	env := syncedRuns(t)
	res := mustCLI(t, env, "history", "alice/cli-test/golden01", "--format", "jsonl")
	checkGolden(t, "history_golden.jsonl", []byte(volatile.ReplaceAllString(res.stdout, "${1}T")))
	res = mustCLI(t, env, "history", "alice/cli-test/runs/golden01", "--keys", "loss,acc,phase")
	checkGolden(t, "history_golden_keys.csv", []byte(res.stdout))
	res = mustCLI(t, env, "history", "alice/cli-test/golden01", "--keys", "acc", "--samples", "2", "--format", "jsonl")
	if lines := strings.Split(strings.TrimSpace(res.stdout), "\n"); len(lines) != 2 ||
		lines[0] != `{"_step":0,"acc":0.25}` || lines[1] != `{"_step":2,"acc":0.75}` {
		t.Errorf("sampled:\n%s", res.stdout)
	}
	res = mustCLI(t, env, "history", "alice/cli-test/golden01", "--min-step", "1", "--max-step", "2", "--keys", "acc")
	if res.stdout != "_step,acc\n1,0.5\n" {
		t.Errorf("step range: %q", res.stdout)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"alice/cli-test/golden01", "--format", "xml"}, exitUsage, "--format must be csv or jsonl"},
		{[]string{"alice/cli-test/golden01", "--max-step", "1", "--min-step", "3"}, exitUsage, "must be above"},
		{[]string{"alice/cli-test/nope"}, exitFailure, "not found"},
		{[]string{"a/b/c/d/e"}, exitFailure, "want entity/project/run"},
		{nil, exitUsage, "missing ENTITY/PROJECT/RUN"},
	} {
		res := cli(t, env, append([]string{"history"}, tc.args...)...)
		if res.code != tc.code || !strings.Contains(res.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, res.code, res.stderr, tc.code, tc.want)
		}
	}
}
