package magic

import "flag"

// SetFlagSet makes magic read fs instead of flag.CommandLine (tests).
func SetFlagSet(fs *flag.FlagSet) { commandLine = func() *flag.FlagSet { return fs } }
