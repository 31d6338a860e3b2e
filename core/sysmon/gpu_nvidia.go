package sysmon

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// The NVML calls the GPU collector makes, behind an interface so that the
// collector's logic builds and is tested everywhere: nvml_cgo.go implements
// it with github.com/NVIDIA/go-nvml (linux && cgo), nvml_stub.go answers
// "no library" elsewhere, and the tests use a fake.
//
// Errors: errNoNVML when the library is missing (NVML's
// ERROR_LIBRARY_NOT_FOUND), errNVMLNotSupported for a metric the device
// does not have (ERROR_NOT_SUPPORTED), anything else as it came.
type nvmlAPI interface {
	Init() error
	Shutdown() error
	DeviceCount() (int, error)
	Device(index int) (nvmlDevice, error)
}

// nvmlDevice is one GPU's readings, in NVML's units.
type nvmlDevice interface {
	Utilization() (gpu, memory uint32, err error) // %
	Memory() (used, total uint64, err error)      // bytes
	Temperature() (uint32, error)                 // °C, GPU sensor
	PowerUsage() (uint32, error)                  // mW
	EnforcedPowerLimit() (uint32, error)          // mW
	Clock(c nvmlClock) (uint32, error)            // MHz, current
	FanSpeed() (uint32, error)                    // %, fan 0
	EncoderUtilization() (uint32, error)          // %
	PcieLinkGen() (int, error)
	PcieLinkWidth() (int, error)
	MaxPcieLinkGen() (int, error)
	MaxPcieLinkWidth() (int, error)
	PcieSpeed() (uint32, error)                    // Mbps
	MemoryErrors(uncorrected bool) (uint64, error) // volatile ECC counts
	ProcessIDs() ([]uint32, error)                 // compute and graphics processes
}

type nvmlClock int

const (
	clockSM nvmlClock = iota
	clockMemory
	clockGraphics
)

var (
	errNoNVML           = errors.New("NVML library not found")
	errNVMLNotSupported = errors.New("not supported")
)

// gpuReading reads one NVML quantity into one or more keys (bare names,
// "gpu" for gpu.<i>.gpu). The table is the collector's list of metrics: a
// new metric is a new row.
type gpuReading struct {
	name string
	read func(d nvmlDevice, put func(key string, v float64)) error
}

var gpuReadings = []gpuReading{
	{"utilization", func(d nvmlDevice, put func(string, float64)) error {
		g, m, err := d.Utilization()
		if err == nil {
			put("gpu", float64(g))
			put("memory", float64(m))
		}
		return err
	}},
	{"memory info", func(d nvmlDevice, put func(string, float64)) error {
		used, total, err := d.Memory()
		if err == nil {
			if total > 0 {
				put("memoryAllocated", 100*float64(used)/float64(total))
			}
			put("memoryAllocatedBytes", float64(used))
		}
		return err
	}},
	{"temperature", u32("temp", 1, nvmlDevice.Temperature)},
	{"power usage", u32("powerWatts", 1e-3, nvmlDevice.PowerUsage)},
	{"enforced power limit", u32("enforcedPowerLimitWatts", 1e-3, nvmlDevice.EnforcedPowerLimit)},
	{"SM clock", u32("smClock", 1, func(d nvmlDevice) (uint32, error) { return d.Clock(clockSM) })},
	{"memory clock", u32("memoryClock", 1, func(d nvmlDevice) (uint32, error) { return d.Clock(clockMemory) })},
	{"graphics clock", u32("graphicsClock", 1, func(d nvmlDevice) (uint32, error) { return d.Clock(clockGraphics) })},
	{"corrected ECC errors", u64("correctedMemoryErrors", func(d nvmlDevice) (uint64, error) { return d.MemoryErrors(false) })},
	{"uncorrected ECC errors", u64("uncorrectedMemoryErrors", func(d nvmlDevice) (uint64, error) { return d.MemoryErrors(true) })},
	{"fan speed", u32("fanSpeed", 1, nvmlDevice.FanSpeed)},
	{"encoder utilization", u32("encoderUtilization", 1, nvmlDevice.EncoderUtilization)},
	{"PCIe link generation", integer("pcieLinkGen", nvmlDevice.PcieLinkGen)},
	{"PCIe link speed", u32("pcieLinkSpeed", 1e6, nvmlDevice.PcieSpeed)}, // Mbps → bits/s, as W&B
	{"PCIe link width", integer("pcieLinkWidth", nvmlDevice.PcieLinkWidth)},
	{"max PCIe link generation", integer("maxPcieLinkGen", nvmlDevice.MaxPcieLinkGen)},
	{"max PCIe link width", integer("maxPcieLinkWidth", nvmlDevice.MaxPcieLinkWidth)},
}

// processKeys are the keys repeated as gpu.process.<i>.<key> for the GPUs
// the sampled process runs on.
var processKeys = []string{"gpu", "memory", "memoryAllocated", "memoryAllocatedBytes", "temp", "powerWatts", "enforcedPowerLimitWatts", "powerPercent"}

func u32(key string, scale float64, f func(nvmlDevice) (uint32, error)) func(nvmlDevice, func(string, float64)) error {
	return func(d nvmlDevice, put func(string, float64)) error {
		v, err := f(d)
		if err == nil {
			put(key, float64(v)*scale)
		}
		return err
	}
}

func u64(key string, f func(nvmlDevice) (uint64, error)) func(nvmlDevice, func(string, float64)) error {
	return func(d nvmlDevice, put func(string, float64)) error {
		v, err := f(d)
		if err == nil {
			put(key, float64(v))
		}
		return err
	}
}

func integer(key string, f func(nvmlDevice) (int, error)) func(nvmlDevice, func(string, float64)) error {
	return func(d nvmlDevice, put func(string, float64)) error {
		v, err := f(d)
		if err == nil {
			put(key, float64(v))
		}
		return err
	}
}

// nvidia samples every NVIDIA GPU through NVML.
type nvidia struct {
	api     nvmlAPI
	pid     uint32
	devices []*gpuDevice
}

type gpuDevice struct {
	dev         nvmlDevice
	prefix      string // "gpu.<i>."
	procPrefix  string // "gpu.process.<i>."
	unsupported []bool // per gpuReadings row: NOT_SUPPORTED once, never asked again
	noProcesses bool   // process list NOT_SUPPORTED
}

// newNVIDIA starts NVML and finds the GPUs. No library or no GPU makes the
// collector unavailable (no keys, no error).
func newNVIDIA(cfg *Config) (Collector, error) {
	api := cfg.nvml
	if api == nil {
		api = newNVML()
	}
	if err := api.Init(); err != nil {
		if errors.Is(err, errNoNVML) {
			return nil, errUnavailable
		}
		return nil, wrap("nvidia", fmt.Errorf("nvml init: %w", err))
	}
	n := &nvidia{api: api, pid: uint32(cfg.PID)}
	count, err := api.DeviceCount()
	if err != nil {
		_ = api.Shutdown()
		return nil, wrap("nvidia", fmt.Errorf("nvml device count: %w", err))
	}
	var errs []error
	for i := range count {
		d, err := api.Device(i)
		if err != nil {
			errs = append(errs, fmt.Errorf("nvml device %d: %w", i, err))
			continue
		}
		idx := strconv.Itoa(i)
		n.devices = append(n.devices, &gpuDevice{
			dev:         d,
			prefix:      "gpu." + idx + ".",
			procPrefix:  "gpu.process." + idx + ".",
			unsupported: make([]bool, len(gpuReadings)),
		})
	}
	if len(n.devices) == 0 {
		_ = api.Shutdown()
		if len(errs) > 0 {
			return nil, wrap("nvidia", errors.Join(errs...))
		}
		return nil, errUnavailable
	}
	return n, nil
}

func (n *nvidia) Name() string { return "nvidia" }

// Sample reads every metric of every GPU. A metric the GPU does not support
// is omitted (and not asked for again); any other failure omits the metric
// and is returned, joined, with the values that were read. NVML calls do not
// wait on anything, so ctx is not consulted.
func (n *nvidia) Sample(context.Context) (map[string]float64, error) {
	out := make(map[string]float64, 24*len(n.devices))
	var errs []error
	for _, g := range n.devices {
		vals := make(map[string]float64, 24)
		put := func(k string, v float64) { vals[k] = v }
		for i, r := range gpuReadings {
			if g.unsupported[i] {
				continue
			}
			switch err := r.read(g.dev, put); {
			case err == nil:
			case errors.Is(err, errNVMLNotSupported):
				g.unsupported[i] = true
			default:
				errs = append(errs, fmt.Errorf("%s%s: %w", g.prefix, r.name, err))
			}
		}
		if w, ok := vals["powerWatts"]; ok {
			if l, ok := vals["enforcedPowerLimitWatts"]; ok && l > 0 {
				vals["powerPercent"] = 100 * w / l
			}
		}
		for k, v := range vals {
			out[g.prefix+k] = v
		}
		if n.usedByProcess(g, &errs) {
			for _, k := range processKeys {
				if v, ok := vals[k]; ok {
					out[g.procPrefix+k] = v
				}
			}
		}
	}
	return out, wrap("nvidia", errors.Join(errs...))
}

// usedByProcess tells whether the sampled process runs on the GPU.
func (n *nvidia) usedByProcess(g *gpuDevice, errs *[]error) bool {
	if g.noProcesses {
		return false
	}
	pids, err := g.dev.ProcessIDs()
	switch {
	case errors.Is(err, errNVMLNotSupported):
		g.noProcesses = true
		return false
	case err != nil:
		*errs = append(*errs, fmt.Errorf("%srunning processes: %w", g.prefix, err))
		return false
	}
	return slices.Contains(pids, n.pid)
}

// Close shuts NVML down.
func (n *nvidia) Close() error {
	if err := n.api.Shutdown(); err != nil {
		return wrap("nvidia", fmt.Errorf("nvml shutdown: %w", err))
	}
	return nil
}
