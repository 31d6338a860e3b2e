//go:build linux && cgo

package sysmon

import (
	"errors"
	"testing"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
)

func TestNVMLErrorMapping(t *testing.T) {
	for r, want := range map[nvml.Return]error{
		nvml.SUCCESS:                 nil,
		nvml.ERROR_NOT_SUPPORTED:     errNVMLNotSupported,
		nvml.ERROR_LIBRARY_NOT_FOUND: errNoNVML,
	} {
		if got := nvmlError(r); got != want {
			t.Errorf("nvmlError(%d) = %v, want %v", r, got, want)
		}
	}
	if err := nvmlError(nvml.ERROR_GPU_IS_LOST); !errors.Is(err, nvml.ERROR_GPU_IS_LOST) {
		t.Errorf("GPU_IS_LOST maps to %v", err)
	}
}
