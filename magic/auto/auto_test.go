package auto_test

import (
	"context"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/gowandb/wandb"
	_ "github.com/gowandb/wandb/magic/auto"
)

// A flag of this test program, parsed with go test's own.
var probe = flag.String("auto-probe", "on", "a flag for magic to find")

func TestImportTurnsMagicOn(t *testing.T) {
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "WANDB_") {
			t.Setenv(name, "")
		}
	}
	os.Unsetenv("WANDB_MAGIC")
	t.Setenv("WANDB_CONFIG_DIR", t.TempDir())
	start := func(opts ...wandb.Option) *wandb.Run {
		opts = append([]wandb.Option{
			wandb.WithDir(t.TempDir()), wandb.WithMode(wandb.ModeOffline), wandb.WithSignalHandler(false),
			wandb.WithReinit(wandb.ReinitCreateNew),
			wandb.WithSettings(map[string]string{"disable_code": "true", "disable_git": "true"}),
		}, opts...)
		run, err := wandb.Init(context.Background(), opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { run.Finish(0) })
		return run
	}
	if v, ok := start().Config().Get("auto-probe"); !ok || v != *probe {
		t.Errorf("with the import and no option: auto-probe = %v, %v", v, ok)
	}
	if _, ok := start(wandb.WithMagic(false)).Config().Get("auto-probe"); ok {
		t.Error("WithMagic(false) did not turn magic off")
	}
	t.Setenv("WANDB_MAGIC", "false")
	if _, ok := start().Config().Get("auto-probe"); ok {
		t.Error("WANDB_MAGIC=false did not turn magic off")
	}
}
