//go:build !(linux && cgo)

package sysmon

// Without cgo (or off Linux) go-nvml cannot be built: NVML is never there.
func newNVML() nvmlAPI { return noNVML{} }

type noNVML struct{}

func (noNVML) Init() error                    { return errNoNVML }
func (noNVML) Shutdown() error                { return nil }
func (noNVML) DeviceCount() (int, error)      { return 0, errNoNVML }
func (noNVML) Device(int) (nvmlDevice, error) { return nil, errNoNVML }
