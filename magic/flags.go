package magic

import (
	"flag"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/core/runconfig"
)

// commandLine is the flag set magic reads: flag.CommandLine (tests swap it).
var commandLine = func() *flag.FlagSet { return flag.CommandLine }

// flagState remembers what magic put in the config, to see late changes.
type flagState struct {
	fs   *flag.FlagSet
	seen map[string]any // nil: the flags were not parsed at Init
}

// flagValues are the flags' values as config entries (every flag, set or
// not, as W&B puts every argparse argument), without go test's own
// (test.*).
func flagValues(fs *flag.FlagSet) map[string]any {
	m := runconfig.FromFlagSet(fs)
	for k := range m {
		if strings.HasPrefix(k, "test.") {
			delete(m, k)
		}
	}
	return m
}

// readFlagsAtInit puts the parsed flags into the config, under their names
// at the top level, where values given to Init (WithConfig) win. Flags not
// parsed yet are read at Finish.
func readFlagsAtInit(run *wandb.Run, fs *flag.FlagSet, warn func(string)) *flagState {
	st := &flagState{fs: fs}
	if fs == nil || !fs.Parsed() {
		return st
	}
	st.seen = flagValues(fs)
	if err := run.Config().SetDefaults(st.seen); err != nil {
		warn(fmt.Sprintf("magic: flags: %v", err))
	}
	return st
}

// readAtFinish reads the flags again: flags new since Init (or all, if
// they were parsed after Init) are added, and flags whose value changed
// since Init are updated.
func (st *flagState) readAtFinish(run *wandb.Run, warn func(string)) {
	if st.fs == nil || !st.fs.Parsed() {
		return
	}
	now := flagValues(st.fs)
	added, changed := map[string]any{}, map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(now)) {
		old, ok := st.seen[k]
		switch {
		case st.seen == nil || !ok:
			added[k] = now[k]
		case !reflect.DeepEqual(old, now[k]):
			changed[k] = now[k]
		}
	}
	if len(added) > 0 {
		if err := run.Config().SetDefaults(added); err != nil {
			warn(fmt.Sprintf("magic: flags: %v", err))
		}
	}
	if len(changed) > 0 {
		if err := run.Config().UpdateAllowValChange(changed); err != nil {
			warn(fmt.Sprintf("magic: flags: %v", err))
		}
	}
}
