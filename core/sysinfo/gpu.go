package sysinfo

import (
	"context"
	"encoding/csv"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// nvidia-smi queries. The first also asks for the compute capability, which
// drivers before 510 do not know; then the second, basic one is used.
var (
	gpuQueryFull  = []string{"--query-gpu=name,memory.total,driver_version,uuid,compute_cap", "--format=csv,noheader,nounits"}
	gpuQueryBasic = []string{"--query-gpu=name,memory.total,driver_version", "--format=csv,noheader,nounits"}
)

// collectGPU fills the NVIDIA fields from nvidia-smi when it is on the path.
// Only a done context is an error.
func collectGPU(ctx context.Context, m *Metadata, lookPath func(string) (string, error)) error {
	if _, err := lookPath("nvidia-smi"); err != nil {
		return nil
	}
	out, err := runCmd(ctx, GPUProbeTimeout, lookPath, "nvidia-smi", gpuQueryFull...)
	if err != nil && ctx.Err() == nil {
		out, err = runCmd(ctx, GPUProbeTimeout, lookPath, "nvidia-smi", gpuQueryBasic...)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("sysinfo: %w", ctx.Err())
	}
	if err != nil {
		return nil
	}
	gpus, err := parseNvidiaSMI(out)
	if err != nil || len(gpus) == 0 {
		return nil
	}
	m.GPUNvidia = gpus
	m.GPU = gpus[0].Name
	m.GPUCount = len(gpus)
	// The CUDA version is only in the banner of a plain nvidia-smi.
	if banner, err := runCmd(ctx, GPUProbeTimeout, lookPath, "nvidia-smi"); err == nil {
		m.CUDAVersion = parseCUDAVersion(banner)
	} else if ctx.Err() != nil {
		return fmt.Errorf("sysinfo: %w", ctx.Err())
	}
	return nil
}

// parseNvidiaSMI parses the CSV of gpuQueryFull or gpuQueryBasic (memory in
// MiB). "[N/A]"-style values are left empty.
func parseNvidiaSMI(out []byte) ([]GPUInfo, error) {
	r := csv.NewReader(strings.NewReader(string(out)))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("sysinfo: nvidia-smi output: %w", err)
	}
	var gpus []GPUInfo
	for _, row := range rows {
		field := func(i int) string {
			if i >= len(row) {
				return ""
			}
			v := strings.TrimSpace(row[i])
			if strings.HasPrefix(v, "[") { // [N/A], [Not Supported], [Unknown Error]
				return ""
			}
			return v
		}
		g := GPUInfo{Name: field(0), DriverVersion: field(2), UUID: field(3)}
		if g.Name == "" {
			continue
		}
		if mib, err := strconv.ParseFloat(field(1), 64); err == nil && mib > 0 && mib < 1<<40 {
			g.MemoryTotal = uint64(mib) << 20
		}
		g.Architecture = architecture(field(4))
		gpus = append(gpus, g)
	}
	return gpus, nil
}

// architecture names the NVIDIA architecture of a compute capability
// ("9.0"), as NVML does.
func architecture(computeCap string) string {
	major, minor, _ := strings.Cut(computeCap, ".")
	ma, err := strconv.Atoi(major)
	if err != nil {
		return ""
	}
	mi, _ := strconv.Atoi(minor)
	switch {
	case ma == 1:
		return "Tesla"
	case ma == 2:
		return "Fermi"
	case ma == 3:
		return "Kepler"
	case ma == 5:
		return "Maxwell"
	case ma == 6:
		return "Pascal"
	case ma == 7 && mi < 5:
		return "Volta"
	case ma == 7:
		return "Turing"
	case ma == 8 && mi == 9:
		return "Ada"
	case ma == 8:
		return "Ampere"
	case ma == 9:
		return "Hopper"
	case ma >= 10 && ma <= 12:
		return "Blackwell"
	}
	return ""
}

var cudaVersionRE = regexp.MustCompile(`CUDA Version\s*:\s*([0-9]+(?:\.[0-9]+)*)`)

// parseCUDAVersion finds "CUDA Version: 12.4" in nvidia-smi's banner.
func parseCUDAVersion(banner []byte) string {
	if m := cudaVersionRE.FindSubmatch(banner); m != nil {
		return string(m[1])
	}
	return ""
}
