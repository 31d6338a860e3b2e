package tfevents_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/gowandb/wandb/integrations/tensorboard/tfevents"
)

// Write an event file and read it back.
func Example() {
	var buf bytes.Buffer
	w, _ := tfevents.NewWriter(&buf)
	w.WriteScalar("loss", 1, 0.5)
	w.WriteText("notes", 1, "first epoch")
	w.WriteHistogram("weights", 2, tfevents.NewHistogram([]float64{0, 1, 1, 2}, 2))
	w.Close()

	r := tfevents.NewReader(&buf)
	for {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		for _, v := range ev.Values {
			fmt.Printf("step %d %s %s", ev.Step, v.Tag, v.Kind)
			switch v.Kind {
			case tfevents.KindScalar:
				fmt.Println(":", v.Scalar)
			case tfevents.KindText:
				fmt.Println(":", v.Text[0])
			case tfevents.KindHistogram:
				fmt.Println(":", v.Histogram.Edges, v.Histogram.Counts)
			}
		}
	}
	fmt.Println("damage:", r.Damage())
	// Output:
	// step 1 loss scalar: 0.5
	// step 1 notes text: first epoch
	// step 2 weights histogram: [0 1 2] [1 3]
	// damage: []
}
