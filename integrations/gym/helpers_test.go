package gym_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/gif"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/integrations/gym"
)

// warnings collects a run's warnings; the run writes them from its own
// goroutines.
type warnings struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *warnings) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *warnings) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// startRun starts an offline run in a fresh directory.
func startRun(t testing.TB, opts ...wandb.Option) (*wandb.Run, *warnings) {
	t.Helper()
	w := &warnings{}
	all := append([]wandb.Option{
		wandb.WithDir(t.TempDir()),
		wandb.WithMode(wandb.ModeOffline),
		wandb.WithSignalHandler(false),
		wandb.WithWarnings(w),
		wandb.WithReinit(wandb.ReinitCreateNew),
	}, opts...)
	run, err := wandb.Init(context.Background(), all...)
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	t.Cleanup(func() { _ = run.Finish(0) })
	return run, w
}

// finishRows finishes run and returns its history.
func finishRows(t testing.TB, run *wandb.Run) []map[string]any {
	t.Helper()
	if err := run.Finish(0); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	rows, err := run.History(context.Background())
	if err != nil {
		t.Fatalf("History: %v", err)
	}
	return rows
}

// logged is a video found in a run's history.
type logged struct {
	key  string
	row  int
	json map[string]any
	gif  *gif.GIF // nil for other formats
	file []byte
}

// videos returns the video-file values of rows, in row order, with their
// files read and GIFs decoded.
func videos(t testing.TB, run *wandb.Run, rows []map[string]any) []logged {
	t.Helper()
	var out []logged
	for i, row := range rows {
		for k, v := range row {
			m, ok := v.(map[string]any)
			if !ok || m["_type"] != "video-file" {
				continue
			}
			p, _ := m["path"].(string)
			b, err := os.ReadFile(filepath.Join(run.Dir(), filepath.FromSlash(p)))
			if err != nil {
				t.Fatalf("%s: %v", k, err)
			}
			l := logged{key: k, row: i, json: m, file: b}
			if strings.HasSuffix(p, ".gif") {
				g, err := gif.DecodeAll(bytes.NewReader(b))
				if err != nil {
					t.Fatalf("%s: decode %s: %v", k, p, err)
				}
				l.gif = g
			}
			out = append(out, l)
		}
	}
	return out
}

func keysOf(vs []logged) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.key)
	}
	return out
}

// counter is a test env whose episodes last length steps and whose frame
// after step s is a w×h image filled with shade(s): the frames of a
// decoded video show which steps it holds, in which order.
type counter struct {
	length    int
	w, h      int
	step      int
	running   bool
	failAt    int // Render fails at this step when > 0
	growAt    int // frames get bigger from this step when > 0
	closed    int
	frame     *image.NRGBA
	resetSeed int64
}

var _ gym.Env[int, int] = (*counter)(nil)

func newCounter(length int) *counter { return &counter{length: length, w: 8, h: 6} }

// shade is the grey of the frame after step s (distinct for s < 64).
func shade(s int) uint8 { return uint8(4 * (s % 64)) }

func (c *counter) Reset(seed int64) (int, error) {
	c.step, c.running, c.resetSeed = 0, true, seed
	return 0, nil
}

func (c *counter) Step(a int) (int, float64, bool, bool, error) {
	if !c.running {
		return 0, 0, false, false, gym.ErrNeedsReset
	}
	c.step++
	done := c.step >= c.length
	c.running = !done
	return c.step, 1, done, false, nil
}

func (c *counter) Render() (image.Image, error) {
	if c.failAt > 0 && c.step >= c.failAt {
		return nil, fmt.Errorf("counter: render at step %d: broken", c.step)
	}
	w, h := c.w, c.h
	if c.growAt > 0 && c.step >= c.growAt {
		w, h = w+1, h+1
	}
	if c.frame == nil || c.frame.Rect.Dx() != w {
		c.frame = image.NewNRGBA(image.Rect(0, 0, w, h))
	}
	g := shade(c.step)
	for i := 0; i < len(c.frame.Pix); i += 4 {
		c.frame.Pix[i], c.frame.Pix[i+1], c.frame.Pix[i+2], c.frame.Pix[i+3] = g, g, g, 255
	}
	return c.frame, nil
}

func (c *counter) ActionSpace() gym.Space      { return gym.Discrete(1) }
func (c *counter) ObservationSpace() gym.Space { return gym.Discrete(1 << 20) }
func (c *counter) Close() error                { c.closed++; return nil }

// shades returns the grey of each frame of g.
func shades(g *gif.GIF) []uint8 {
	out := make([]uint8, len(g.Image))
	for i, im := range g.Image {
		r, _, _, _ := im.At(0, 0).RGBA()
		out[i] = uint8(r >> 8)
	}
	return out
}

// wantShades is what a video of steps 0..n-1 shows.
func wantShades(n int) []uint8 {
	out := make([]uint8, n)
	for i := range out {
		out[i] = shade(i)
	}
	return out
}

// playEpisode resets env with seed and steps it to the end (at most limit
// steps), returning the number of steps.
func playEpisode[O any](t testing.TB, env gym.Env[O, int], seed int64, limit int, policy func(O) int) int {
	t.Helper()
	obs, err := env.Reset(seed)
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; ; n++ {
		var term, trunc bool
		obs, _, term, trunc, err = env.Step(policy(obs))
		if err != nil {
			t.Fatal(err)
		}
		if term || trunc || n == limit {
			return n
		}
	}
}

func zero(int) int { return 0 }

// balance is a decent CartPole policy: push where the pole falls.
func balance(obs []float64) int {
	if obs[2]+0.5*obs[3] > 0 {
		return 1
	}
	return 0
}
