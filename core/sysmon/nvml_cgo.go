//go:build linux && cgo

package sysmon

import (
	"github.com/NVIDIA/go-nvml/pkg/nvml"
)

// newNVML is NVML through go-nvml, which dlopens libnvidia-ml.so.1 at Init.
func newNVML() nvmlAPI { return goNVML{lib: nvml.New()} }

type goNVML struct{ lib nvml.Interface }

// nvmlError maps an NVML return code to this package's errors.
func nvmlError(r nvml.Return) error {
	switch r {
	case nvml.SUCCESS:
		return nil
	case nvml.ERROR_NOT_SUPPORTED:
		return errNVMLNotSupported
	case nvml.ERROR_LIBRARY_NOT_FOUND:
		return errNoNVML
	}
	return r // nvml.Return is an error: "Unknown Error", "GPU is lost", …
}

func (g goNVML) Init() error     { return nvmlError(g.lib.Init()) }
func (g goNVML) Shutdown() error { return nvmlError(g.lib.Shutdown()) }

func (g goNVML) DeviceCount() (int, error) {
	n, r := g.lib.DeviceGetCount()
	return n, nvmlError(r)
}

func (g goNVML) Device(i int) (nvmlDevice, error) {
	d, r := g.lib.DeviceGetHandleByIndex(i)
	if err := nvmlError(r); err != nil {
		return nil, err
	}
	return goDevice{d}, nil
}

type goDevice struct{ d nvml.Device }

func (g goDevice) Utilization() (uint32, uint32, error) {
	u, r := g.d.GetUtilizationRates()
	return u.Gpu, u.Memory, nvmlError(r)
}

func (g goDevice) Memory() (uint64, uint64, error) {
	m, r := g.d.GetMemoryInfo()
	return m.Used, m.Total, nvmlError(r)
}

func (g goDevice) Temperature() (uint32, error) {
	v, r := g.d.GetTemperature(nvml.TEMPERATURE_GPU)
	return v, nvmlError(r)
}

func (g goDevice) PowerUsage() (uint32, error) {
	v, r := g.d.GetPowerUsage()
	return v, nvmlError(r)
}

func (g goDevice) EnforcedPowerLimit() (uint32, error) {
	v, r := g.d.GetEnforcedPowerLimit()
	return v, nvmlError(r)
}

func (g goDevice) Clock(c nvmlClock) (uint32, error) {
	t := nvml.CLOCK_SM
	switch c {
	case clockMemory:
		t = nvml.CLOCK_MEM
	case clockGraphics:
		t = nvml.CLOCK_GRAPHICS
	}
	v, r := g.d.GetClockInfo(t)
	return v, nvmlError(r)
}

func (g goDevice) FanSpeed() (uint32, error) {
	v, r := g.d.GetFanSpeed()
	return v, nvmlError(r)
}

func (g goDevice) EncoderUtilization() (uint32, error) {
	v, _, r := g.d.GetEncoderUtilization()
	return v, nvmlError(r)
}

func (g goDevice) PcieLinkGen() (int, error) {
	v, r := g.d.GetCurrPcieLinkGeneration()
	return v, nvmlError(r)
}

func (g goDevice) PcieLinkWidth() (int, error) {
	v, r := g.d.GetCurrPcieLinkWidth()
	return v, nvmlError(r)
}

func (g goDevice) MaxPcieLinkGen() (int, error) {
	v, r := g.d.GetMaxPcieLinkGeneration()
	return v, nvmlError(r)
}

func (g goDevice) MaxPcieLinkWidth() (int, error) {
	v, r := g.d.GetMaxPcieLinkWidth()
	return v, nvmlError(r)
}

func (g goDevice) PcieSpeed() (uint32, error) {
	v, r := g.d.GetPcieSpeed()
	return uint32(max(v, 0)), nvmlError(r)
}

func (g goDevice) MemoryErrors(uncorrected bool) (uint64, error) {
	t := nvml.MEMORY_ERROR_TYPE_CORRECTED
	if uncorrected {
		t = nvml.MEMORY_ERROR_TYPE_UNCORRECTED
	}
	v, r := g.d.GetTotalEccErrors(t, nvml.VOLATILE_ECC)
	return v, nvmlError(r)
}

// ProcessIDs lists the compute and graphics processes; it is not supported
// only when neither list is.
func (g goDevice) ProcessIDs() ([]uint32, error) {
	var pids []uint32
	supported := false
	for _, get := range []func() ([]nvml.ProcessInfo, nvml.Return){g.d.GetComputeRunningProcesses, g.d.GetGraphicsRunningProcesses} {
		ps, r := get()
		switch err := nvmlError(r); err {
		case nil:
			supported = true
		case errNVMLNotSupported:
			continue
		default:
			return pids, err
		}
		for _, p := range ps {
			pids = append(pids, p.Pid)
		}
	}
	if !supported {
		return nil, errNVMLNotSupported
	}
	return pids, nil
}
