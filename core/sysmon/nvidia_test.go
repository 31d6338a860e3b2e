package sysmon

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// fakeNVML answers like NVML on a machine with the given GPUs.
type fakeNVML struct {
	initErr   error
	devices   []*fakeGPU
	shutdowns int
}

func (f *fakeNVML) Init() error     { return f.initErr }
func (f *fakeNVML) Shutdown() error { f.shutdowns++; return nil }
func (f *fakeNVML) DeviceCount() (int, error) {
	return len(f.devices), nil
}
func (f *fakeNVML) Device(i int) (nvmlDevice, error) { return f.devices[i], nil }

// fakeGPU answers fixed readings; errs makes a call fail; calls counts them.
type fakeGPU struct {
	errs  map[string]error
	pids  []uint32
	calls map[string]int
}

func (g *fakeGPU) call(name string) error {
	if g.calls == nil {
		g.calls = map[string]int{}
	}
	g.calls[name]++
	return g.errs[name]
}

func (g *fakeGPU) Utilization() (uint32, uint32, error) { return 87, 40, g.call("Utilization") }
func (g *fakeGPU) Memory() (uint64, uint64, error) {
	return 20 << 30, 80 << 30, g.call("Memory")
}
func (g *fakeGPU) Temperature() (uint32, error)        { return 61, g.call("Temperature") }
func (g *fakeGPU) PowerUsage() (uint32, error)         { return 350000, g.call("PowerUsage") }
func (g *fakeGPU) EnforcedPowerLimit() (uint32, error) { return 700000, g.call("EnforcedPowerLimit") }
func (g *fakeGPU) Clock(c nvmlClock) (uint32, error) {
	return [...]uint32{1980, 2619, 1755}[c], g.call("Clock")
}
func (g *fakeGPU) FanSpeed() (uint32, error)           { return 30, g.call("FanSpeed") }
func (g *fakeGPU) EncoderUtilization() (uint32, error) { return 0, g.call("EncoderUtilization") }
func (g *fakeGPU) PcieLinkGen() (int, error)           { return 5, g.call("PcieLinkGen") }
func (g *fakeGPU) PcieLinkWidth() (int, error)         { return 16, g.call("PcieLinkWidth") }
func (g *fakeGPU) MaxPcieLinkGen() (int, error)        { return 5, g.call("MaxPcieLinkGen") }
func (g *fakeGPU) MaxPcieLinkWidth() (int, error)      { return 16, g.call("MaxPcieLinkWidth") }
func (g *fakeGPU) PcieSpeed() (uint32, error)          { return 32000, g.call("PcieSpeed") }
func (g *fakeGPU) MemoryErrors(uncorrected bool) (uint64, error) {
	if uncorrected {
		return 0, g.call("MemoryErrors")
	}
	return 2, g.call("MemoryErrors")
}
func (g *fakeGPU) ProcessIDs() ([]uint32, error) { return g.pids, g.call("ProcessIDs") }

var _ nvmlAPI = (*fakeNVML)(nil)
var _ nvmlDevice = (*fakeGPU)(nil)

func gpuKeys(i string, fan bool) map[string]float64 {
	m := map[string]float64{
		"gpu." + i + ".gpu":                     87,
		"gpu." + i + ".memory":                  40,
		"gpu." + i + ".memoryAllocated":         25,
		"gpu." + i + ".memoryAllocatedBytes":    20 << 30,
		"gpu." + i + ".temp":                    61,
		"gpu." + i + ".powerWatts":              350,
		"gpu." + i + ".enforcedPowerLimitWatts": 700,
		"gpu." + i + ".powerPercent":            50,
		"gpu." + i + ".smClock":                 1980,
		"gpu." + i + ".memoryClock":             2619,
		"gpu." + i + ".graphicsClock":           1755,
		"gpu." + i + ".correctedMemoryErrors":   2,
		"gpu." + i + ".uncorrectedMemoryErrors": 0,
		"gpu." + i + ".encoderUtilization":      0,
		"gpu." + i + ".pcieLinkGen":             5,
		"gpu." + i + ".pcieLinkSpeed":           32000e6,
		"gpu." + i + ".pcieLinkWidth":           16,
		"gpu." + i + ".maxPcieLinkGen":          5,
		"gpu." + i + ".maxPcieLinkWidth":        16,
	}
	if fan {
		m["gpu."+i+".fanSpeed"] = 30
	}
	return m
}

func newFakeNVIDIA(t *testing.T, api *fakeNVML) Collector {
	t.Helper()
	cfg := Config{PID: 4242, nvml: api}
	c, err := newNVIDIA(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A data-centre GPU answers NOT_SUPPORTED for its fan: the key is omitted,
// there is no error, and NVML is not asked again.
func TestNVIDIANotSupportedOmitsKey(t *testing.T) {
	dc := &fakeGPU{errs: map[string]error{"FanSpeed": errNVMLNotSupported}}
	desk := &fakeGPU{pids: []uint32{1, 4242}}
	api := &fakeNVML{devices: []*fakeGPU{dc, desk}}
	c := newFakeNVIDIA(t, api)

	want := gpuKeys("0", false)
	for k, v := range gpuKeys("1", true) {
		want[k] = v
	}
	// This process runs on GPU 1.
	for _, k := range processKeys {
		want["gpu.process.1."+k] = want["gpu.1."+k]
	}
	for range 2 {
		wantValues(t, sample(t, c), want)
	}
	if n := dc.calls["FanSpeed"]; n != 1 {
		t.Errorf("FanSpeed asked %d times after NOT_SUPPORTED, want 1", n)
	}
	if n := desk.calls["FanSpeed"]; n != 2 {
		t.Errorf("a supported fan was read %d times in 2 samples", n)
	}
	if err := c.(interface{ Close() error }).Close(); err != nil || api.shutdowns != 1 {
		t.Errorf("Close = %v, %d shutdowns", err, api.shutdowns)
	}
}

// Any other NVML failure omits the metric, is returned, and is retried.
func TestNVIDIAOtherErrorsAreReturned(t *testing.T) {
	lost := errors.New("GPU is lost")
	g := &fakeGPU{errs: map[string]error{"Temperature": lost, "EnforcedPowerLimit": errNVMLNotSupported, "ProcessIDs": errNVMLNotSupported}}
	c := newFakeNVIDIA(t, &fakeNVML{devices: []*fakeGPU{g}})
	got, err := c.Sample(context.Background())
	if !errors.Is(err, lost) || !strings.HasPrefix(err.Error(), "sysmon: nvidia: gpu.0.temperature: ") {
		t.Errorf("err = %v", err)
	}
	want := gpuKeys("0", true)
	// No temperature; no limit, so no powerPercent either; no process list.
	delete(want, "gpu.0.temp")
	delete(want, "gpu.0.enforcedPowerLimitWatts")
	delete(want, "gpu.0.powerPercent")
	wantValues(t, got, want)
	g.errs["Temperature"] = nil
	if got := sample(t, c); got["gpu.0.temp"] != 61 {
		t.Errorf("temperature not read again after a transient error: %v", got)
	}
}

// No library (ERROR_LIBRARY_NOT_FOUND) or no GPU: no collector, no error.
func TestNVIDIAUnavailable(t *testing.T) {
	for name, api := range map[string]*fakeNVML{
		"no library": {initErr: errNoNVML},
		"no GPU":     {},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := Config{nvml: api}
			if _, err := newNVIDIA(&cfg); !errors.Is(err, errUnavailable) {
				t.Errorf("newNVIDIA = %v, want errUnavailable", err)
			}
			cs, err := Default(Config{ProcRoot: t.TempDir(), SysRoot: t.TempDir(), nvml: api,
				statfs: func(string) (fsUsage, error) { return fsUsage{}, errUnavailable }})
			if err != nil || len(cs) != 0 {
				t.Errorf("Default = %d collectors, %v", len(cs), err)
			}
			if name == "no GPU" && api.shutdowns != 2 {
				t.Errorf("NVML started without GPUs was shut down %d times, want 2", api.shutdowns)
			}
		})
	}
	// A driver that fails otherwise is an error.
	broken := errors.New("Driver/library version mismatch")
	_, err := Default(Config{ProcRoot: t.TempDir(), SysRoot: t.TempDir(), nvml: &fakeNVML{initErr: broken},
		statfs: func(string) (fsUsage, error) { return fsUsage{}, errUnavailable }})
	if !errors.Is(err, broken) || !strings.HasPrefix(err.Error(), "sysmon: nvidia: nvml init: ") {
		t.Errorf("Default with a broken driver: %v", err)
	}
}

// On this machine (no NVIDIA driver) the real NVML answers "library not
// found", and the built-in collectors include no GPU and report no error.
func TestNVMLWithoutLibrary(t *testing.T) {
	api := newNVML()
	err := api.Init()
	if err == nil {
		_ = api.Shutdown()
		t.Skip("NVML is present: this is a GPU machine")
	}
	if !errors.Is(err, errNoNVML) {
		t.Fatalf("Init = %v, want errNoNVML", err)
	}
	cs, err := Default(Config{})
	if err != nil {
		t.Fatalf("Default: %v", err)
	}
	for _, c := range cs {
		if c.Name() == "nvidia" {
			t.Error("a GPU collector without NVML")
		}
	}
}
