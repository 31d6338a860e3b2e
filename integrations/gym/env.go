package gym

import (
	"errors"
	"fmt"
	"image"
)

// Env is a gym-style environment (gymnasium's Env): Reset starts an
// episode, Step advances it by one action, Render draws the current state.
// Obs is what the environment observes (CartPole: []float64 of four
// values) and Act what an agent does (CartPole: an int, 0 or 1).
//
// An Env is not safe for concurrent use. Its contract:
//
//   - Reset(seed) starts a new episode; the same seed gives the same
//     initial state. It may be called at any time, also mid-episode.
//   - Step fails with an error wrapping ErrNeedsReset before the first
//     Reset and after an episode ended (terminated or truncated), and with
//     one wrapping ErrInvalidAction for an action outside ActionSpace.
//     terminated means the episode reached a terminal state of the task
//     (the pole fell); truncated that it was cut short from outside (a
//     time limit). Both may be true.
//   - Render returns the current state as an image. The env may reuse the
//     image: it is valid until the next call of any method of the env, so
//     a caller that keeps it copies it (the Recorder does).
//   - Close releases the env's resources. It is idempotent.
type Env[Obs, Act any] interface {
	Reset(seed int64) (Obs, error)
	Step(action Act) (obs Obs, reward float64, terminated, truncated bool, err error)
	Render() (image.Image, error)
	ActionSpace() Space
	ObservationSpace() Space
	Close() error
}

// RenderFPSer is implemented by environments that say at what frame rate
// their frames play in real time (gymnasium's metadata["render_fps"]).
// The Recorder uses it as the videos' default frame rate.
type RenderFPSer interface {
	RenderFPS() int
}

// Errors of environments, to be tested with errors.Is.
var (
	// ErrNeedsReset is wrapped by the error of Step (or Render) on an env
	// with no episode running: before the first Reset, or after the
	// episode terminated or was truncated.
	ErrNeedsReset = errors.New("gym: no episode running: call Reset")
	// ErrInvalidAction is wrapped by the error of Step for an action that
	// is not in the env's action space.
	ErrInvalidAction = errors.New("gym: invalid action")
)

// SpaceKind is the kind of a Space.
type SpaceKind uint8

// Space kinds.
const (
	// KindDiscrete is a choice among N values, 0 to N-1.
	KindDiscrete SpaceKind = iota + 1
	// KindBox is a vector of reals, each within its bounds.
	KindBox
)

func (k SpaceKind) String() string {
	switch k {
	case KindDiscrete:
		return "Discrete"
	case KindBox:
		return "Box"
	}
	return fmt.Sprintf("SpaceKind(%d)", uint8(k))
}

// Space describes the actions or observations of an env (gymnasium's
// spaces.Discrete and spaces.Box, flattened). It is a description, for
// agents to size themselves with; envs check their actions themselves.
type Space struct {
	Kind SpaceKind
	// N is the number of values of a Discrete space.
	N int
	// Low and High bound each dimension of a Box space (±Inf when
	// unbounded); they have the same length.
	Low, High []float64
}

// Discrete is the space of the integers 0 to n-1.
func Discrete(n int) Space { return Space{Kind: KindDiscrete, N: n} }

// Box is the space of vectors within low and high (of the same length).
func Box(low, high []float64) Space {
	return Space{Kind: KindBox, Low: append([]float64(nil), low...), High: append([]float64(nil), high...)}
}

// Dim is the number of values of an element of the space: 1 for Discrete,
// the number of dimensions for Box.
func (s Space) Dim() int {
	if s.Kind == KindBox {
		return len(s.Low)
	}
	return 1
}

// String is gymnasium's notation: "Discrete(2)", "Box(4)".
func (s Space) String() string {
	if s.Kind == KindDiscrete {
		return fmt.Sprintf("Discrete(%d)", s.N)
	}
	return fmt.Sprintf("%v(%d)", s.Kind, s.Dim())
}
