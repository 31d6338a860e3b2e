package cartpole_test

import (
	"errors"
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/gowandb/wandb/integrations/gym"
	"github.com/gowandb/wandb/integrations/gym/cartpole"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

func TestOneEulerStepFromRest(t *testing.T) {
	// From rest, pushing right (F = 10): temp = F/M = 100/11,
	// θ'' = −temp / (l·(4/3 − m/M)) = −(100/11)/(0.5·41/33) = −600/41,
	// x'' = temp − m·l·θ''/M = 100/11 + 300/451 = 4400/451.
	// Euler moves velocities by τ·acceleration and positions by τ·(old
	// velocity) = 0.
	got := cartpole.Next(cartpole.State{}, cartpole.Right)
	want := cartpole.State{0, 0.02 * 4400.0 / 451, 0, 0.02 * -600.0 / 41}
	for i := range want {
		if !near(got[i], want[i]) {
			t.Errorf("state[%d] = %.17g, want %.17g", i, got[i], want[i])
		}
	}
	if !near(want[1], 8.0/41) || !near(want[3], -12.0/41) {
		t.Errorf("arithmetic: %v", want)
	}
}

func TestEulerStepsFromMovingStates(t *testing.T) {
	// Expected values computed separately with the same equations in
	// Python (float64) from gymnasium's CartPoleEnv.step.
	for _, c := range []struct {
		from   cartpole.State
		action int
		want   cartpole.State
	}{
		{cartpole.State{0.1, -0.2, 0.05, 0.3}, cartpole.Left, cartpole.State{0.096, -0.3957976546439626, 0.056, 0.6080233136061515}},
		{cartpole.State{-1.0, 0.5, -0.1, -0.4}, cartpole.Right, cartpole.State{-0.99, 0.6963877519375107, -0.10800000000000001, -0.7224609712752836}},
	} {
		env := cartpole.New()
		env.SetState(c.from)
		obs, reward, term, trunc, err := env.Step(c.action)
		if err != nil || reward != 1 || term || trunc {
			t.Fatalf("Step = %v, %v, %v, %v", reward, term, trunc, err)
		}
		for i := range c.want {
			if !near(obs[i], c.want[i]) {
				t.Errorf("from %v action %d: obs[%d] = %.17g, want %.17g", c.from, c.action, i, obs[i], c.want[i])
			}
		}
	}
}

func TestSameSeedSameEpisode(t *testing.T) {
	episode := func(seed int64) [][]float64 {
		env := cartpole.New()
		obs, err := env.Reset(seed)
		if err != nil {
			t.Fatal(err)
		}
		out := [][]float64{obs}
		for i := 0; ; i++ {
			obs, _, term, trunc, err := env.Step(i % 2)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, obs)
			if term || trunc {
				return out
			}
		}
	}
	a, b, c := episode(7), episode(7), episode(8)
	if len(a) != len(b) {
		t.Fatalf("lengths %d and %d", len(a), len(b))
	}
	for i := range a {
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				t.Fatalf("step %d differs: %v vs %v", i, a[i], b[i])
			}
		}
	}
	if a[0][0] == c[0][0] {
		t.Errorf("seeds 7 and 8 start alike: %v", c[0])
	}
	for _, v := range a[0] {
		if v < -0.05 || v >= 0.05 {
			t.Errorf("initial state %v outside [-0.05, 0.05)", a[0])
		}
	}
}

func TestTerminationAndTruncation(t *testing.T) {
	t.Run("pole past 12 degrees", func(t *testing.T) {
		env := cartpole.New()
		env.SetState(cartpole.State{0, 0, cartpole.ThetaThreshold - 1e-4, 1})
		_, reward, term, trunc, err := env.Step(cartpole.Left)
		if err != nil || !term || trunc || reward != 1 {
			t.Fatalf("got reward %v terminated %v truncated %v err %v; want 1 true false", reward, term, trunc, err)
		}
		if _, _, _, _, err := env.Step(cartpole.Left); !errors.Is(err, gym.ErrNeedsReset) {
			t.Errorf("step after the end: %v, want ErrNeedsReset", err)
		}
	})
	t.Run("cart past 2.4", func(t *testing.T) {
		env := cartpole.New()
		env.SetState(cartpole.State{-2.399, -1, 0, 0})
		if _, _, term, _, _ := env.Step(cartpole.Right); !term {
			t.Error("not terminated at x < -2.4")
		}
	})
	t.Run("still inside", func(t *testing.T) {
		env := cartpole.New()
		env.SetState(cartpole.State{2.3, 0, 0.2, 0})
		if _, _, term, _, _ := env.Step(cartpole.Right); term {
			t.Error("terminated inside the bounds")
		}
	})
	t.Run("500 steps", func(t *testing.T) {
		env := cartpole.New()
		env.Reset(1)
		steps := 0
		for {
			// Balance: push towards where the pole is falling.
			s := env.State()
			a := cartpole.Left
			if s[2]+0.5*s[3] > 0 {
				a = cartpole.Right
			}
			_, _, term, trunc, err := env.Step(a)
			if err != nil {
				t.Fatal(err)
			}
			steps++
			if term {
				t.Fatalf("fell after %d steps", steps)
			}
			if trunc {
				break
			}
		}
		if steps != cartpole.MaxSteps {
			t.Errorf("truncated after %d steps, want %d", steps, cartpole.MaxSteps)
		}
	})
	t.Run("custom limit", func(t *testing.T) {
		env := cartpole.New(cartpole.WithMaxSteps(3))
		env.SetState(cartpole.State{})
		for i := 1; i <= 3; i++ {
			_, _, _, trunc, _ := env.Step(i % 2)
			if trunc != (i == 3) {
				t.Errorf("step %d: truncated %v", i, trunc)
			}
		}
	})
}

func TestStepErrors(t *testing.T) {
	env := cartpole.New()
	if _, _, _, _, err := env.Step(0); !errors.Is(err, gym.ErrNeedsReset) {
		t.Errorf("step before reset: %v", err)
	}
	if _, err := env.Render(); !errors.Is(err, gym.ErrNeedsReset) {
		t.Errorf("render before reset: %v", err)
	}
	env.Reset(0)
	if _, _, _, _, err := env.Step(2); !errors.Is(err, gym.ErrInvalidAction) {
		t.Errorf("action 2: %v", err)
	}
}

func TestSpaces(t *testing.T) {
	env := cartpole.New()
	if s := env.ActionSpace(); s.String() != "Discrete(2)" || s.N != 2 {
		t.Errorf("action space %v", s)
	}
	o := env.ObservationSpace()
	if o.String() != "Box(4)" || o.High[0] != 4.8 || !math.IsInf(o.High[1], 1) {
		t.Errorf("observation space %v %v %v", o, o.Low, o.High)
	}
}

func TestRenderDrawsCartAndPole(t *testing.T) {
	env := cartpole.New()
	// Cart right of centre, pole leaning right by 0.2 rad.
	env.SetState(cartpole.State{1, 0, 0.2, 0})
	img, err := env.Render()
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds() != image.Rect(0, 0, 160, 120) {
		t.Fatalf("bounds %v", img.Bounds())
	}
	at := func(x, y int) color.RGBA { return img.(*image.RGBA).RGBAAt(x, y) }
	white := color.RGBA{255, 255, 255, 255}
	black := color.RGBA{0, 0, 0, 255}
	pole := color.RGBA{202, 152, 101, 255}
	// 160 px for 4.8 m: the cart's centre is at x = 80 + 33.3 ≈ 113, on
	// the track at y = 120 − 30 = 90.
	if at(113, 92) != black {
		t.Errorf("cart pixel %v", at(113, 92))
	}
	if at(80, 92) != white || at(5, 5) != white {
		t.Error("background is not white")
	}
	if at(5, 90) != black {
		t.Errorf("track pixel %v", at(5, 90))
	}
	// Along the pole, 20 px from the axle (113.3, 88): (+20·sin 0.2, −20·cos 0.2).
	px, py := 113.33+20*math.Sin(0.2), 88-20*math.Cos(0.2)
	if c := at(int(px), int(py)); c != pole {
		t.Errorf("pole pixel at (%d,%d) = %v", int(px), int(py), c)
	}
	// Mirrored to the left of the axle there is no pole.
	if c := at(int(113.33-20*math.Sin(0.2)), int(py)); c != white {
		t.Errorf("pole drawn on the wrong side: %v", c)
	}
	// The frame is reused: rendering again after a step changes it in place.
	env.Step(cartpole.Right)
	img2, _ := env.Render()
	if img2 != img {
		t.Error("Render allocated a new frame")
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	a, b := cartpole.New(cartpole.WithFrameSize(64, 48)), cartpole.New(cartpole.WithFrameSize(64, 48))
	a.Reset(3)
	b.Reset(3)
	ia, _ := a.Render()
	pa := append([]byte(nil), ia.(*image.RGBA).Pix...)
	ib, _ := b.Render()
	if string(pa) != string(ib.(*image.RGBA).Pix) {
		t.Error("same state, different frames")
	}
	if ia.Bounds().Dx() != 64 {
		t.Errorf("size %v", ia.Bounds())
	}
}

func BenchmarkStep(b *testing.B) {
	env := cartpole.New()
	env.Reset(0)
	for i := 0; b.Loop(); i++ {
		if _, _, term, trunc, _ := env.Step(i & 1); term || trunc {
			env.Reset(int64(i))
		}
	}
}

func BenchmarkRender(b *testing.B) {
	env := cartpole.New()
	env.SetState(cartpole.State{0.5, 0, 0.1, 0})
	b.ReportAllocs()
	for b.Loop() {
		env.Render()
	}
}
