package train

import (
	"io"
	"math"
	"math/rand"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// numFeatures is the input width of every example: the (x, y) coordinates of a point.
const numFeatures = 2

// numClasses is the number of spiral arms, and so of classes.
const numClasses = 2

// spiralNoise is the standard deviation of the Gaussian noise added to each coordinate.
// It makes the two arms touch near the centre, so accuracy saturates a bit below 100%.
const spiralNoise = 0.05

// spiralTurns is how many half-turns (π radians) each arm sweeps.
const spiralTurns = 3.0

// points is a labelled set of 2-D examples, stored flat as GoMLX wants them:
// features is row-major [n, numFeatures], labels is [n] with values in [0, numClasses).
type points struct {
	features []float32
	labels   []int32
}

func (p points) len() int { return len(p.labels) }

// twoSpirals generates n points on two interleaved spirals, deterministically from rng.
//
// Arm k is r = t, θ = spiralTurns·π·t + k·π for t uniform in [0, 1), plus Gaussian noise. Points
// near the centre overlap, points further out are separable only by a non-linear boundary.
func twoSpirals(rng *rand.Rand, n int) points {
	p := points{
		features: make([]float32, 0, n*numFeatures),
		labels:   make([]int32, 0, n),
	}
	for i := range n {
		class := i % numClasses
		t := rng.Float64()
		theta := spiralTurns*math.Pi*t + float64(class)*math.Pi
		x := t*math.Cos(theta) + rng.NormFloat64()*spiralNoise
		y := t*math.Sin(theta) + rng.NormFloat64()*spiralNoise
		p.features = append(p.features, float32(x), float32(y))
		p.labels = append(p.labels, int32(class))
	}
	return p
}

// split shuffles p with rng and returns the first n points and the rest.
func (p points) split(rng *rand.Rand, n int) (head, tail points) {
	perm := rng.Perm(p.len())
	pick := func(idx []int) points {
		out := points{
			features: make([]float32, 0, len(idx)*numFeatures),
			labels:   make([]int32, 0, len(idx)),
		}
		for _, i := range idx {
			out.features = append(out.features, p.features[i*numFeatures:(i+1)*numFeatures]...)
			out.labels = append(out.labels, p.labels[i])
		}
		return out
	}
	return pick(perm[:n]), pick(perm[n:])
}

// tensorsFor copies the examples at idx into fresh input [len(idx), 2] float32 and
// label [len(idx), 1] int32 tensors. Fresh tensors are needed on every Yield because
// GoMLX takes ownership of what a Dataset yields and finalizes it after use.
func (p points) tensorsFor(idx []int) (inputs, labels *tensors.Tensor) {
	feats := make([]float32, 0, len(idx)*numFeatures)
	labs := make([]int32, 0, len(idx))
	for _, i := range idx {
		feats = append(feats, p.features[i*numFeatures:(i+1)*numFeatures]...)
		labs = append(labs, p.labels[i])
	}
	return tensors.FromFlatDataAndDimensions(feats, len(idx), numFeatures),
		tensors.FromFlatDataAndDimensions(labs, len(idx), 1)
}

// batches is an infinite GoMLX train.Dataset that yields mini-batches of a fixed size,
// reshuffling the examples with its own seeded RNG at each epoch (GoMLX's InMemoryDataset
// shuffles with the global math/rand source, which would make runs irreproducible).
type batches struct {
	data      points
	batchSize int
	seed      int64
	rng       *rand.Rand
	order     []int
	next      int
}

func newBatches(data points, batchSize int, seed int64) *batches {
	b := &batches{data: data, batchSize: batchSize, seed: seed}
	b.Reset()
	return b
}

// Name implements train.Dataset.
func (b *batches) Name() string { return "spirals-train" }

// Reset implements train.Dataset: it restarts the same deterministic sequence of batches.
func (b *batches) Reset() {
	b.rng = rand.New(rand.NewSource(b.seed))
	b.order = b.rng.Perm(b.data.len())
	b.next = 0
}

// Yield implements train.Dataset. It never returns io.EOF; an epoch boundary only reshuffles.
func (b *batches) Yield() (spec any, inputs, labels []*tensors.Tensor, err error) {
	idx := make([]int, 0, b.batchSize)
	for len(idx) < b.batchSize {
		if b.next == len(b.order) {
			b.rng.Shuffle(len(b.order), func(i, j int) { b.order[i], b.order[j] = b.order[j], b.order[i] })
			b.next = 0
		}
		idx = append(idx, b.order[b.next])
		b.next++
	}
	x, y := b.data.tensorsFor(idx)
	return nil, []*tensors.Tensor{x}, []*tensors.Tensor{y}, nil
}

// wholeSet is a finite GoMLX train.Dataset that yields all its examples as one batch and then
// io.EOF, as train.Trainer.Eval expects.
type wholeSet struct {
	data points
	done bool
}

// Name implements train.Dataset.
func (w *wholeSet) Name() string { return "spirals-eval" }

// Reset implements train.Dataset.
func (w *wholeSet) Reset() { w.done = false }

// Yield implements train.Dataset.
func (w *wholeSet) Yield() (spec any, inputs, labels []*tensors.Tensor, err error) {
	if w.done {
		return nil, nil, nil, io.EOF
	}
	w.done = true
	idx := make([]int, w.data.len())
	for i := range idx {
		idx[i] = i
	}
	x, y := w.data.tensorsFor(idx)
	return nil, []*tensors.Tensor{x}, []*tensors.Tensor{y}, nil
}
