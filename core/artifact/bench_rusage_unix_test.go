//go:build unix

package artifact

import (
	"syscall"
	"time"
)

// cpuTime is the user+system CPU time of this process (self) or of its
// waited-for children, for benchmarks that compare CPU cost under a
// loaded machine.
func cpuTime(children bool) time.Duration {
	who := syscall.RUSAGE_SELF
	if children {
		who = syscall.RUSAGE_CHILDREN
	}
	var ru syscall.Rusage
	if syscall.Getrusage(who, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
