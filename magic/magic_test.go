package magic_test

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/core/runlog"
	"github.com/gowandb/wandb/integrations/tensorboard/tfevents"
	"github.com/gowandb/wandb/magic"
)

// The helper process: the tests below run this test binary again with
// helperEnv set, so that each run gets a process of its own (its own flag
// set, environment and working directory), as a program using magic would.
const helperEnv = "GOWANDB_MAGIC_HELPER"

// TestMagicHelperProcess is not a test: it is the program the tests run.
// It parses HELPER_ARGS into the standard flag set, starts a run in
// HELPER_DIR (with WithMagic(HELPER_OPTION) when that is set), does what
// the scenario says and finishes the run, printing its log's path.
func TestMagicHelperProcess(t *testing.T) {
	scenario := os.Getenv(helperEnv)
	if scenario == "" {
		t.Skip("the helper process of the magic tests")
	}
	flag.Float64("lr", 0.1, "learning rate")
	flag.Int("layers", 2, "hidden layers")
	flag.String("optimizer", "sgd", "optimizer")
	flag.Int("epochs", 1, "epochs")
	args := strings.Fields(os.Getenv("HELPER_ARGS"))
	var late *flag.FlagSet
	if scenario == "late" { // flags parsed only after Init
		late = flag.NewFlagSet("late", flag.ContinueOnError)
		late.Int("batch", 32, "batch size")
		magic.SetFlagSet(late)
	} else if err := flag.CommandLine.Parse(args); err != nil {
		t.Fatal(err)
	}
	opts := []wandb.Option{
		wandb.WithDir(os.Getenv("HELPER_DIR")), wandb.WithMode(wandb.ModeOffline),
		wandb.WithSignalHandler(false), wandb.WithConfig(map[string]any{"optimizer": "adam"}),
	}
	switch o := os.Getenv("HELPER_OPTION"); o {
	case "":
	case "true", "false":
		opts = append(opts, wandb.WithMagic(o == "true"))
	default:
		opts = append(opts, wandb.WithMagic(o))
	}
	ctx := context.Background()
	run, err := wandb.Init(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	switch scenario {
	case "late":
		if err := late.Parse(args); err != nil {
			t.Fatal(err)
		}
	case "flags":
		if err := flag.Set("epochs", "7"); err != nil { // changed after Init
			t.Fatal(err)
		}
	case "tensorboard":
		w, err := tfevents.Create(os.Getenv("WANDB_SYNC_TENSORBOARD_DIR"),
			tfevents.WithClock(func() time.Time { return run.StartTime().Add(time.Second) }))
		if err != nil {
			t.Fatal(err)
		}
		for step := range int64(3) {
			w.WriteScalar("loss", step, 1/float64(step+1))
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := run.Finish(0); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("\nHELPER-LOG=%s\n", run.LogPath())
}

// helperRun is what a helper process left.
type helperRun struct {
	info    *runlog.Info
	files   string // the run's files/ directory
	history []map[string]any
	output  string
}

// runHelper runs the helper process for a scenario in a clean environment
// (no WANDB_* from outside), in dir (default: a new empty directory).
func runHelper(t *testing.T, scenario, dir string, env ...string) helperRun {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestMagicHelperProcess$")
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "WANDB_") && !strings.HasPrefix(kv, "HELPER_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, helperEnv+"="+scenario, "HELPER_DIR="+t.TempDir(), "WANDB_CONFIG_DIR="+t.TempDir())
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper %s: %v\n%s", scenario, err, out)
	}
	var logPath string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if p, ok := strings.CutPrefix(sc.Text(), "HELPER-LOG="); ok {
			logPath = p
		}
	}
	if logPath == "" {
		t.Fatalf("helper %s printed no log path:\n%s", scenario, out)
	}
	h := helperRun{files: filepath.Join(filepath.Dir(logPath), "files"), output: string(out)}
	h.info, err = runlog.Replay(logPath, func(r runlog.Row) error {
		h.history = append(h.history, r.Map())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func (h helperRun) exists(rel string) bool {
	_, err := os.Stat(filepath.Join(h.files, rel))
	return err == nil
}

func TestWithMagicPutsFlagsInConfigAndSavesCode(t *testing.T) {
	h := runHelper(t, "flags", "", "HELPER_OPTION=true", "HELPER_ARGS=-lr=0.01 -layers=3 -optimizer=rmsprop")
	cfg := h.info.Config
	for k, want := range map[string]any{"lr": 0.01, "layers": int64(3), "epochs": int64(7), "optimizer": "adam"} {
		if fmt.Sprint(cfg[k]) != fmt.Sprint(want) {
			t.Errorf("config %s = %v (%T), want %v", k, cfg[k], cfg[k], want)
		}
	}
	for k := range cfg {
		if strings.HasPrefix(k, "test.") {
			t.Errorf("go test's flag %s is in the config", k)
		}
	}
	// save_code: this package's sources, the helper's own file named.
	for _, f := range []string{"code/magic/magic_test.go", "code/magic/magic.go", "code/magic/doc.go"} {
		if !h.exists(f) {
			t.Errorf("files/%s was not saved", f)
		}
	}
	if w, _ := cfg["_wandb"].(map[string]any); w["code_path"] != "code/magic/magic_test.go" {
		t.Errorf("_wandb.code_path = %v", w["code_path"])
	}
	if h.exists("diff.patch") {
		t.Error("diff.patch outside a git repository")
	}
}

func TestEnvMagic(t *testing.T) {
	t.Run("key=value", func(t *testing.T) {
		h := runHelper(t, "env", "", "WANDB_MAGIC=code=false", "HELPER_ARGS=-lr=0.5")
		if h.info.Config["lr"] != 0.5 {
			t.Errorf("config lr = %v", h.info.Config["lr"])
		}
		if h.exists("code") {
			t.Error("code saved with code=false")
		}
	})
	t.Run("JSON", func(t *testing.T) {
		h := runHelper(t, "env", "", `WANDB_MAGIC={"flags": {"enable": false}}`, "HELPER_ARGS=-lr=0.5")
		if _, ok := h.info.Config["lr"]; ok {
			t.Error("flags in the config with flags off")
		}
		if !h.exists("code/magic/magic_test.go") {
			t.Error("code not saved")
		}
	})
	t.Run("true", func(t *testing.T) {
		h := runHelper(t, "env", "", "WANDB_MAGIC=true", "HELPER_ARGS=-layers=5")
		if h.info.Config["layers"] != int64(5) {
			t.Errorf("config layers = %v", h.info.Config["layers"])
		}
	})
	t.Run("unreadable", func(t *testing.T) {
		h := runHelper(t, "env", "", "WANDB_MAGIC=please", "HELPER_ARGS=-layers=5")
		if !strings.Contains(h.output, "WANDB_MAGIC") || h.info.Config["layers"] != int64(5) {
			t.Errorf("want a warning and magic on:\n%s", h.output)
		}
	})
}

func TestWithMagicFalseDoesNothing(t *testing.T) {
	// WithMagic(false) wins over WANDB_MAGIC.
	h := runHelper(t, "off", "", "HELPER_OPTION=false", "WANDB_MAGIC=true", "HELPER_ARGS=-lr=0.5")
	if _, ok := h.info.Config["lr"]; ok {
		t.Error("flags in the config")
	}
	if h.exists("code") || h.exists("diff.patch") {
		t.Error("code or diff saved")
	}
	if w, _ := h.info.Config["_wandb"].(map[string]any); w["code_path"] != nil {
		t.Error("code_path set")
	}
}

func TestFlagsParsedAfterInitAreReadAtFinish(t *testing.T) {
	h := runHelper(t, "late", "", "HELPER_OPTION=code=false", "HELPER_ARGS=-batch=64")
	if h.info.Config["batch"] != int64(64) {
		t.Errorf("config batch = %v, want 64", h.info.Config["batch"])
	}
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestGitDiffPatch(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not on PATH")
	}
	// upstream: one commit; repo: a clone, one more commit, and a change.
	up, repo := t.TempDir(), filepath.Join(t.TempDir(), "repo")
	git(t, up, "init", "-q")
	os.WriteFile(filepath.Join(up, "train.py"), []byte("lr = 0.1\n"), 0o644)
	git(t, up, "add", ".")
	git(t, up, "commit", "-q", "-m", "first")
	git(t, filepath.Dir(repo), "clone", "-q", up, repo)
	upstream := git(t, repo, "rev-parse", "HEAD")
	os.WriteFile(filepath.Join(repo, "train.py"), []byte("lr = 0.2\n"), 0o644)
	git(t, repo, "commit", "-q", "-am", "second")
	os.WriteFile(filepath.Join(repo, "train.py"), []byte("lr = 0.3\n"), 0o644)

	h := runHelper(t, "git", repo, "HELPER_OPTION=code=false")
	diff, err := os.ReadFile(filepath.Join(h.files, "diff.patch"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(diff), "-lr = 0.2\n+lr = 0.3\n") {
		t.Errorf("diff.patch:\n%s", diff)
	}
	upDiff, err := os.ReadFile(filepath.Join(h.files, "diff_"+upstream+".patch"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(upDiff), "-lr = 0.1\n+lr = 0.3\n") {
		t.Errorf("diff against the upstream:\n%s", upDiff)
	}
	// A clean tree has no diff.patch.
	git(t, repo, "checkout", "-q", "--", "train.py")
	if h := runHelper(t, "git", repo, "HELPER_OPTION=code=false"); h.exists("diff.patch") {
		t.Error("diff.patch for a clean work tree")
	}
}

func TestTensorboardFromEnvironment(t *testing.T) {
	logDir := filepath.Join(t.TempDir(), "logs")
	h := runHelper(t, "tensorboard", "", "HELPER_OPTION=code=false,git=false", "WANDB_SYNC_TENSORBOARD_DIR="+logDir)
	var losses []any
	for _, r := range h.history {
		if v, ok := r["loss"]; ok {
			losses = append(losses, v)
		}
	}
	if fmt.Sprint(losses) != "[1 0.5 0.3333333432674408]" {
		t.Errorf("losses from the TensorBoard logs: %v\n%s", losses, h.output)
	}
}

// probe is an integration the in-process tests register.
type probe struct{ started, stopped atomic.Int32 }

func (p *probe) Start(ctx context.Context, run *wandb.Run) (func(context.Context) error, error) {
	p.started.Add(1)
	return func(context.Context) error {
		p.stopped.Add(1)
		return run.Log(map[string]any{"probe": 1}) // the run still takes records
	}, nil
}

var testProbe = &probe{}

func init() { magic.Register("probe", testProbe) }

func TestIntegrationRegistry(t *testing.T) {
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "WANDB_") {
			t.Setenv(name, "")
		}
	}
	t.Setenv("WANDB_CONFIG_DIR", t.TempDir())
	os.Unsetenv(magic.EnvMagic)
	testProbe.started.Store(0)
	testProbe.stopped.Store(0)
	if got := magic.Registered(); fmt.Sprint(got) != "[probe tensorboard]" {
		t.Errorf("registered %v", got)
	}
	start := func(magicValue any) *wandb.Run {
		run, err := wandb.Init(context.Background(), wandb.WithDir(t.TempDir()), wandb.WithMode(wandb.ModeOffline),
			wandb.WithSignalHandler(false), wandb.WithReinit(wandb.ReinitCreateNew), wandb.WithMagic(magicValue))
		if err != nil {
			t.Fatal(err)
		}
		return run
	}
	run := start(map[string]any{"flags": false, "code": false, "git": false})
	if testProbe.started.Load() != 1 || testProbe.stopped.Load() != 0 {
		t.Fatalf("after Init: started %d, stopped %d", testProbe.started.Load(), testProbe.stopped.Load())
	}
	if err := run.Finish(0); err != nil {
		t.Fatal(err)
	}
	if testProbe.stopped.Load() != 1 {
		t.Fatalf("stopped %d times", testProbe.stopped.Load())
	}
	if rows, _ := run.History(context.Background()); len(rows) != 1 || rows[0]["probe"] != int64(1) {
		t.Errorf("rows %v", rows)
	}
	// Turned off by name, or magic off: not started.
	start("integrations.probe=false,code=false,git=false").Finish(0)
	start(false).Finish(0)
	if testProbe.started.Load() != 1 {
		t.Errorf("started %d times, want 1", testProbe.started.Load())
	}
	defer func() {
		if recover() == nil {
			t.Error("registering a name twice does not panic")
		}
	}()
	magic.Register("probe", testProbe)
}

// Real programs, built with go build in a module of their own. train
// turns magic on by the magic/auto import: its flags are in the config and
// its main package's sources land under files/code/<package path in the
// module>/ (no git repository here). nomagic asks for magic with WithMagic
// but does not link package magic in: Init says which import is missing.
func TestBuiltPrograms(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(repo, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	mod := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/train\n\ngo 1.26\n\nrequire github.com/gowandb/wandb v0.0.0\n\nreplace github.com/gowandb/wandb => " + repo + "\n",
		"go.sum": string(sum),
		"cmd/train/main.go": `package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/gowandb/wandb"
	_ "github.com/gowandb/wandb/magic/auto"
)

var steps = flag.Int("steps", 10, "training steps")

func main() {
	flag.Parse()
	run, err := wandb.Init(context.Background(), wandb.WithMode(wandb.ModeOffline), wandb.WithSignalHandler(false))
	if err != nil {
		panic(err)
	}
	fmt.Println(run.LogPath())
	if err := run.Finish(0); err != nil {
		panic(err)
	}
}
`,
		"cmd/train/model.go": "package main\n\n// A second file of the main package.\nconst hidden = 8\n",
		// WithMagic without magic linked in: Init warns.
		"cmd/nomagic/main.go": `package main

import (
	"context"

	"github.com/gowandb/wandb"
)

func main() {
	run, err := wandb.Init(context.Background(), wandb.WithMode(wandb.ModeOffline), wandb.WithSignalHandler(false), wandb.WithMagic(true))
	if err != nil {
		panic(err)
	}
	run.Finish(0)
}
`,
		"cmd/train/model_test.go": "package main\n",
	}
	for name, text := range files {
		p := filepath.Join(mod, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bins := t.TempDir()
	bin := filepath.Join(bins, "train")
	build := exec.Command(goTool, "build", "-o", bins+"/", "./cmd/train", "./cmd/nomagic")
	build.Dir = mod
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod -buildvcs=false", "GOPROXY=off", "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	work := t.TempDir()
	cmd := exec.Command(bin, "-steps=50")
	cmd.Dir = work
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "WANDB_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "WANDB_CONFIG_DIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("train: %v\n%s", err, out)
	}
	logPath := strings.TrimSpace(strings.Split(strings.TrimSpace(string(out)), "\n")[0])
	if !filepath.IsAbs(logPath) {
		logPath = filepath.Join(work, logPath)
	}
	filesDir := filepath.Join(filepath.Dir(logPath), "files")
	for _, f := range []string{"code/cmd/train/main.go", "code/cmd/train/model.go"} {
		if _, err := os.Stat(filepath.Join(filesDir, f)); err != nil {
			t.Errorf("%s not saved: %v\n%s", f, err, out)
		}
	}
	if _, err := os.Stat(filepath.Join(filesDir, "code/cmd/train/model_test.go")); err == nil {
		t.Error("a _test.go file of the main package was saved")
	}
	info, err := runlog.Replay(logPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	if info.Config["steps"] != int64(50) {
		t.Errorf("config steps = %v", info.Config["steps"])
	}
	if w, _ := info.Config["_wandb"].(map[string]any); w["code_path"] != "code/cmd/train/main.go" {
		t.Errorf("_wandb.code_path = %v", w["code_path"])
	}

	nomagic := exec.Command(filepath.Join(bins, "nomagic"))
	nomagic.Dir, nomagic.Env = work, cmd.Env
	out, err = nomagic.CombinedOutput()
	if err != nil || !strings.Contains(string(out), `add import _ "github.com/gowandb/wandb/magic"`) {
		t.Errorf("WithMagic(true) without magic linked in: %v, output:\n%s", err, out)
	}
}
