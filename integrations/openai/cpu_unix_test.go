//go:build unix

package openai_test

import (
	"syscall"
	"time"
)

// cpuTime is the process's CPU time so far (user + system), every
// goroutine's: the run log writer's included.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
