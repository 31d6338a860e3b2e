// Package cartpole is the classic cart-pole balancing task (Barto, Sutton
// and Anderson, 1983) as gymnasium's CartPole-v1 has it, as a gym.Env: a
// pole hinged on a cart that moves along a frictionless track; each step
// pushes the cart left (action 0) or right (action 1) with a fixed force,
// and the reward is 1 for every step, the one that ends the episode
// included.
//
// The physics are gymnasium's, number for number: gravity 9.8, cart mass
// 1.0, pole mass 0.1, pole half-length 0.5, force 10, time step 0.02 s,
// explicit Euler integration. An episode terminates when the cart leaves
// ±2.4 or the pole tilts past ±12°, and is truncated after 500 steps
// (CartPole-v1's time limit). Reset draws each of the four state values
// uniformly from [-0.05, 0.05) with a generator seeded by the seed alone,
// so a seed and a sequence of actions always give the same episode.
//
// Render draws the state with image/draw only: the track, the cart, the
// pole and its axle, by default on a 160×120 frame (gymnasium draws
// 600×400; everything is scaled alike).
package cartpole

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"math/rand/v2"

	"github.com/gowandb/wandb/integrations/gym"
)

// The task's constants (gymnasium's CartPoleEnv).
const (
	Gravity  = 9.8
	MassCart = 1.0
	MassPole = 0.1
	// Length is half the pole's length.
	Length   = 0.5
	ForceMag = 10.0
	// Tau is the time step in seconds.
	Tau = 0.02
	// XThreshold bounds the cart's position.
	XThreshold = 2.4
	// ThetaThreshold bounds the pole's angle: 12° in radians.
	ThetaThreshold = 12 * 2 * math.Pi / 360
	// MaxSteps is CartPole-v1's time limit.
	MaxSteps = 500
	// FPS is the rate at which frames play in real time (1/Tau).
	FPS = 50

	totalMass      = MassCart + MassPole
	poleMassLength = MassPole * Length
)

// Actions.
const (
	Left  = 0
	Right = 1
)

// State is the cart's position and velocity and the pole's angle (radians
// from upright, positive leaning right) and angular velocity: the order of
// the observation.
type State [4]float64

// CartPole is the environment. Its zero value is not ready: use New.
type CartPole struct {
	state    State
	steps    int
	running  bool // an episode has started and not ended
	started  bool // Reset or SetState has been called
	maxSteps int
	frame    *image.RGBA
	bg       []byte // the empty frame: background and track
	geom     geometry
}

var (
	_ gym.Env[[]float64, int] = (*CartPole)(nil)
	_ gym.RenderFPSer         = (*CartPole)(nil)
)

// Option configures New.
type Option func(*CartPole)

// WithMaxSteps sets the time limit after which an episode is truncated
// (default MaxSteps, 500); 0 means none.
func WithMaxSteps(n int) Option { return func(c *CartPole) { c.maxSteps = max(0, n) } }

// WithFrameSize sets the size of rendered frames (default 160×120; each
// side at least 16).
func WithFrameSize(width, height int) Option {
	return func(c *CartPole) { c.frame = image.NewRGBA(image.Rect(0, 0, max(16, width), max(16, height))) }
}

// New returns a CartPole. Call Reset to start an episode.
func New(opts ...Option) *CartPole {
	c := &CartPole{maxSteps: MaxSteps}
	for _, o := range opts {
		o(c)
	}
	if c.frame == nil {
		c.frame = image.NewRGBA(image.Rect(0, 0, 160, 120))
	}
	c.geom = newGeometry(c.frame.Rect.Dx(), c.frame.Rect.Dy())
	c.bg = c.geom.background()
	return c
}

// Reset starts an episode from a state drawn with seed.
func (c *CartPole) Reset(seed int64) ([]float64, error) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
	for i := range c.state {
		c.state[i] = rng.Float64()*0.1 - 0.05
	}
	c.steps, c.running, c.started = 0, true, true
	return c.obs(), nil
}

// SetState starts an episode from s (for tests and demonstrations).
func (c *CartPole) SetState(s State) {
	c.state, c.steps, c.running, c.started = s, 0, true, true
}

// State returns the current state.
func (c *CartPole) State() State { return c.state }

func (c *CartPole) obs() []float64 {
	return []float64{c.state[0], c.state[1], c.state[2], c.state[3]}
}

// Step pushes the cart left (0) or right (1) for one time step and returns
// the new state as the observation.
func (c *CartPole) Step(action int) ([]float64, float64, bool, bool, error) {
	if !c.running {
		return nil, 0, false, false, fmt.Errorf("cartpole: step: %w", gym.ErrNeedsReset)
	}
	if action != Left && action != Right {
		return nil, 0, false, false, fmt.Errorf("cartpole: step: action %d: want 0 (left) or 1 (right): %w", action, gym.ErrInvalidAction)
	}
	c.state = Next(c.state, action)
	c.steps++
	x, theta := c.state[0], c.state[2]
	terminated := x < -XThreshold || x > XThreshold || theta < -ThetaThreshold || theta > ThetaThreshold
	truncated := c.maxSteps > 0 && c.steps >= c.maxSteps
	c.running = !terminated && !truncated
	return c.obs(), 1, terminated, truncated, nil
}

// Next is one step of the dynamics from s under action: gymnasium's
// equations (frictionless cart and pole), integrated by explicit Euler:
//
//	temp   = (F + m·l·θ'²·sin θ) / M
//	θ''    = (g·sin θ − cos θ·temp) / (l·(4/3 − m·cos²θ / M))
//	x''    = temp − m·l·θ''·cos θ / M
//	x, x', θ, θ' += τ·(x', x'', θ', θ'')
//
// with F = ±10, m the pole's mass, M the total mass and l the pole's
// half-length.
func Next(s State, action int) State {
	x, xDot, theta, thetaDot := s[0], s[1], s[2], s[3]
	force := -ForceMag
	if action == Right {
		force = ForceMag
	}
	cos, sin := math.Cos(theta), math.Sin(theta)
	temp := (force + poleMassLength*thetaDot*thetaDot*sin) / totalMass
	thetaAcc := (Gravity*sin - cos*temp) / (Length * (4.0/3.0 - MassPole*cos*cos/totalMass))
	xAcc := temp - poleMassLength*thetaAcc*cos/totalMass
	return State{
		x + Tau*xDot,
		xDot + Tau*xAcc,
		theta + Tau*thetaDot,
		thetaDot + Tau*thetaAcc,
	}
}

// ActionSpace is Discrete(2): 0 pushes left, 1 pushes right.
func (c *CartPole) ActionSpace() gym.Space { return gym.Discrete(2) }

// ObservationSpace is a Box of the four state values; position and angle
// are bounded by twice their termination thresholds, as in gymnasium.
func (c *CartPole) ObservationSpace() gym.Space {
	inf := math.Inf(1)
	return gym.Box(
		[]float64{-2 * XThreshold, -inf, -2 * ThetaThreshold, -inf},
		[]float64{2 * XThreshold, inf, 2 * ThetaThreshold, inf},
	)
}

// RenderFPS is 50: one frame per time step plays in real time.
func (c *CartPole) RenderFPS() int { return FPS }

// Close does nothing; a CartPole holds no resources.
func (c *CartPole) Close() error { return nil }

// Render draws the current state. The returned *image.RGBA is reused by
// the next Render. Before the first Reset it fails with an error wrapping
// gym.ErrNeedsReset.
func (c *CartPole) Render() (image.Image, error) {
	if !c.started {
		return nil, fmt.Errorf("cartpole: render: %w", gym.ErrNeedsReset)
	}
	copy(c.frame.Pix, c.bg)
	c.geom.draw(c.frame, c.state[0], c.state[2])
	return c.frame, nil
}

// Colours of gymnasium's rendering.
var (
	background = color.RGBA{255, 255, 255, 255}
	ink        = color.RGBA{0, 0, 0, 255}
	poleColour = color.RGBA{202, 152, 101, 255}
	axleColour = color.RGBA{129, 132, 203, 255}
	inkSrc     = image.NewUniform(ink)
)

// geometry is gymnasium's 600×400 drawing scaled to the frame.
type geometry struct {
	w, h       int
	scale      float64 // pixels per metre
	cartW      float64
	cartH      float64
	trackY     float64 // from the top
	axleOffset float64
	poleW      float64
	poleLen    float64
}

func newGeometry(w, h int) geometry {
	kx, ky := float64(w)/600, float64(h)/400
	scale := float64(w) / (2 * XThreshold)
	return geometry{
		w: w, h: h, scale: scale,
		cartW: 50 * kx, cartH: 30 * ky,
		trackY:     float64(h) - 100*ky,
		axleOffset: 30 * ky / 4,
		poleW:      max(2, 10*kx),
		poleLen:    scale * 2 * Length,
	}
}

// background is the pixels of a frame with no cart: white, and the track.
func (g geometry) background() []byte {
	img := image.NewRGBA(image.Rect(0, 0, g.w, g.h))
	draw.Draw(img, img.Rect, image.NewUniform(background), image.Point{}, draw.Src)
	y := int(g.trackY)
	draw.Draw(img, image.Rect(0, y, g.w, y+1), image.NewUniform(ink), image.Point{}, draw.Src)
	return img.Pix
}

// cartCentre is where the cart's centre is drawn for position x.
func (g geometry) cartCentre(x float64) (cx, cy float64) {
	return x*g.scale + float64(g.w)/2, g.trackY
}

// draw draws the cart at position x and the pole at angle theta.
func (g geometry) draw(img *image.RGBA, x, theta float64) {
	cx, cy := g.cartCentre(x)
	cart := image.Rect(round(cx-g.cartW/2), round(cy-g.cartH/2), round(cx+g.cartW/2), round(cy+g.cartH/2))
	draw.Draw(img, cart, inkSrc, image.Point{}, draw.Src)

	// The pole: the pixels whose centre lies within poleW/2 of the segment
	// from the axle along the pole's direction, (sin θ, −cos θ) in image
	// coordinates (y grows downwards).
	ax, ay := cx, cy-g.axleOffset
	dx, dy := math.Sin(theta), -math.Cos(theta)
	ex, ey := ax+dx*g.poleLen, ay+dy*g.poleLen
	half := g.poleW / 2
	box := image.Rect(int(math.Floor(min(ax, ex)-half)), int(math.Floor(min(ay, ey)-half)),
		int(math.Ceil(max(ax, ex)+half))+1, int(math.Ceil(max(ay, ey)+half))+1).Intersect(img.Rect)
	pole := [4]byte{poleColour.R, poleColour.G, poleColour.B, 255}
	for py := box.Min.Y; py < box.Max.Y; py++ {
		row := img.Pix[img.PixOffset(0, py):]
		vy := float64(py) + 0.5 - ay
		for px := box.Min.X; px < box.Max.X; px++ {
			vx := float64(px) + 0.5 - ax
			along := vx*dx + vy*dy
			across := vx*dy - vy*dx
			if along >= 0 && along <= g.poleLen && across >= -half && across <= half {
				copy(row[4*px:4*px+4], pole[:])
			}
		}
	}

	// The axle: a disc of radius poleW/2.
	axle := [4]byte{axleColour.R, axleColour.G, axleColour.B, 255}
	for py := int(math.Floor(ay - half)); py <= int(math.Ceil(ay+half)); py++ {
		for px := int(math.Floor(ax - half)); px <= int(math.Ceil(ax+half)); px++ {
			vx, vy := float64(px)+0.5-ax, float64(py)+0.5-ay
			if vx*vx+vy*vy <= half*half && (image.Point{px, py}).In(img.Rect) {
				o := img.PixOffset(px, py)
				copy(img.Pix[o:o+4], axle[:])
			}
		}
	}
}

func round(v float64) int { return int(math.Round(v)) }
