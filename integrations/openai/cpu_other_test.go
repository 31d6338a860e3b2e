//go:build !unix

package openai_test

import "time"

func cpuTime() time.Duration { return 0 }
