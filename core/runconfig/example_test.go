package runconfig_test

import (
	"errors"
	"fmt"
	"os"

	"github.com/gowandb/wandb/core/runconfig"
)

func Example() {
	type hyper struct {
		LR     float64 `wandb:"lr"`
		Epochs int     `json:"epochs"`
	}
	values, err := runconfig.FromStruct(hyper{LR: 0.1, Epochs: 10})
	if err != nil {
		panic(err)
	}

	cfg := runconfig.New()
	changed, _ := cfg.Update(values, false)
	fmt.Println("changed:", changed)

	// Nested values merge leaf by leaf.
	_ = cfg.SetPath([]string{"optimizer", "name"}, "adam", false)
	_ = cfg.SetPath([]string{"optimizer", "beta"}, 0.9, false)

	// Changing a value needs allow_val_change.
	err = cfg.Set("lr", 0.2, false)
	var vce *runconfig.ValueChangeError
	fmt.Println("rejected:", errors.As(err, &vce), vce.Key)
	_ = cfg.Set("lr", 0.2, true)

	lr, _ := cfg.ValueJSON("lr")
	fmt.Println("lr:", lr)

	if err := runconfig.WriteYAML(os.Stdout, cfg.Map()); err != nil {
		panic(err)
	}
	// Output:
	// changed: [epochs lr]
	// rejected: true lr
	// lr: 0.2
	// epochs:
	//     value: 10
	// lr:
	//     value: 0.2
	// optimizer:
	//     value:
	//         beta: 0.9
	//         name: adam
}
