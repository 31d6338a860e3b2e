// Package auto turns magic on for every run of the program that imports
// it, with no option to pass:
//
//	import _ "github.com/gowandb/wandb/magic/auto"
//
// WithMagic(false) or WANDB_MAGIC=false still turn it off for a run. See
// package magic for what magic does.
package auto

import "github.com/gowandb/wandb/magic"

func init() { magic.EnableByDefault() }
