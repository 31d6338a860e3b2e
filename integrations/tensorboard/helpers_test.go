package tensorboard

import (
	"bytes"
	"context"
	"flag"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/integrations/tensorboard/tfevents"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// realFile is an event file written by TensorFlow, in the shared test data
// outside this repository.
const realFile = "../../../shared/testdata/tensorboard/events.out.tfevents.1585769947.cvp"

func needRealFile(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(realFile); os.IsNotExist(err) {
		t.Skipf("%s is absent (the shared test data is not checked out beside the repository)", realFile)
	}
}

// isolate keeps WANDB_* settings of the environment out of the test.
func isolate(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "WANDB_") {
			t.Setenv(name, "")
		}
	}
	t.Setenv("WANDB_CONFIG_DIR", t.TempDir())
}

// startRun starts an offline run in a temporary directory; it is finished
// when the test ends if the test has not finished it.
func startRun(t *testing.T, opts ...wandb.Option) *wandb.Run {
	t.Helper()
	isolate(t)
	return startRunB(t, opts...)
}

// startRunB is startRun for benchmarks too (no environment isolation).
func startRunB(t testing.TB, opts ...wandb.Option) *wandb.Run {
	t.Helper()
	all := append([]wandb.Option{
		wandb.WithDir(t.TempDir()),
		wandb.WithMode(wandb.ModeOffline),
		wandb.WithSignalHandler(false),
		wandb.WithWarnings(io.Discard),
		wandb.WithReinit(wandb.ReinitCreateNew),
		wandb.WithSettings(map[string]string{"disable_git": "true"}),
	}, opts...)
	run, err := wandb.Init(context.Background(), all...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = run.Finish(0) })
	return run
}

// memSink records rows and saved files.
type memSink struct {
	mu    sync.Mutex
	rows  []Row
	saved map[string]string // name -> path
}

func (m *memSink) WriteRow(_ context.Context, row Row) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rows = append(m.rows, row)
	return nil
}

func (m *memSink) SaveFile(_ context.Context, path, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.saved == nil {
		m.saved = map[string]string{}
	}
	m.saved[name] = path
	return nil
}

func (m *memSink) Rows() []Row {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Row(nil), m.rows...)
}

var _ Sink = (*memSink)(nil)

// clock returns a clock that starts at t0 and moves 1 ms per call.
func clock(t0 time.Time) func() time.Time {
	n := 0
	var mu sync.Mutex
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		n++
		return t0.Add(time.Duration(n) * time.Millisecond)
	}
}

var t0 = time.Unix(1700000000, 0)

func testPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 40), uint8(y * 40), 200, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeLog writes an event file with every kind into dir, steps 1 to 3,
// and returns its path.
func writeLog(t testing.TB, dir string, opts ...tfevents.WriterOption) string {
	t.Helper()
	w, err := tfevents.Create(dir, append([]tfevents.WriterOption{tfevents.WithClock(clock(t0)), tfevents.WithHostname("box")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.WriteScalar("loss", 1, 0.5))
	must(w.WriteScalar("acc", 1, 0.25))
	must(w.WriteHistogram("weights", 1, tfevents.NewHistogram([]float64{1, 2, 2, 3, 3, 3, 4}, 4)))
	must(w.WriteScalar("loss", 2, 0.125))
	must(w.WriteImage("sample", 2, tfevents.Image{Width: 3, Height: 2, Encoded: testPNG(t, 3, 2)}))
	must(w.WriteText("notes", 2, "epoch *two*"))
	must(w.WritePRCurve("pr", 3, tfevents.PRCurve{Precision: []float64{0.5, 0.75, 1}, Recall: []float64{1, 0.5, 0}}))
	must(w.WriteScalar("loss", 3, 0.0625))
	must(w.Close())
	return w.Path()
}
