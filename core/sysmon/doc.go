// Package sysmon samples the machine's health while a run is live: process
// and per-core CPU, memory, disk usage and I/O, network traffic and, through
// NVML, every NVIDIA GPU. It is W&B's system monitor
// (core/internal/monitor, see wandb-behaviour.md §10).
//
// The model is a list of small collectors behind one interface, [Collector],
// each reading one source (a /proc file, statfs, NVML) and answering a flat
// map of metric names to numbers, and one [Monitor] that samples all of them
// every interval (x_stats_sampling_interval, 15 s by default) and hands each
// sample as one StatsRecord to a callback. Each sample is sent as it is: no
// averaging, as in W&B's Go core.
//
// # Key names
//
// Keys are W&B's (§10), bare as in W&B's StatsRecord items: "cpu",
// "proc.memory.rssMB", "gpu.0.temp". The "system." prefix is not part of the
// record; it is added when a sample becomes a wandb-events.jsonl line
// (§7.3: {"_wandb": true, "_timestamp": …, "_runtime": …, "system.cpu": …}).
//
//   - process: "cpu" (this process's CPU %, normalised by the cgroup v2 CPU
//     limit when one is set, else by the logical CPUs the process may use, so
//     0..100), "proc.cpu.threads", "proc.memory.rssMB", "proc.memory.percent"
//     (RSS over the memory limit: cgroup v2 memory.max when set, else
//     MemTotal).
//   - cpu: "cpu.<i>.cpu_percent", each core's utilisation since the last sample.
//   - memory: "memory_percent" (cgroup v2 memory.current/memory.max when a
//     limit is set, else 100·(MemTotal−MemAvailable)/MemTotal) and
//     "proc.memory.availableMB" (MemAvailable, or what is left below the
//     cgroup limit when that is less).
//   - disk: "disk.<path>.usagePercent" and "disk.<path>.usageGB" for each
//     configured path (default "/"), as df counts them.
//   - diskio: "disk.<device>.in" / "disk.<device>.out", MB read/written since
//     the monitor started, per whole block device (loop, ram and zram left
//     out), and their totals "disk.in" / "disk.out" (W&B's legacy keys;
//     device-mapper and md devices are left out of the totals as they repeat
//     the I/O of the disks beneath them).
//   - network: "network.sent" / "network.recv", bytes since the monitor
//     started, summed over every interface (loopback included, as W&B does).
//   - nvidia: "gpu.<i>.gpu", ".memory", ".memoryAllocated",
//     ".memoryAllocatedBytes", ".temp", ".powerWatts",
//     ".enforcedPowerLimitWatts", ".powerPercent", ".smClock", ".memoryClock",
//     ".graphicsClock", ".correctedMemoryErrors", ".uncorrectedMemoryErrors",
//     ".fanSpeed", ".encoderUtilization", ".pcieLinkGen", ".pcieLinkSpeed"
//     (bits/s), ".pcieLinkWidth", ".maxPcieLinkGen", ".maxPcieLinkWidth", and
//     "gpu.process.<i>.{gpu,memory,memoryAllocated,memoryAllocatedBytes,temp,
//     powerWatts,enforcedPowerLimitWatts,powerPercent}" for the GPUs this
//     process runs on.
//
// # Platforms and failures
//
// The CPU, memory, disk and network collectors read Linux's /proc and /sys
// (the roots are configurable, for tests); elsewhere they are unavailable and
// left out. The GPU collector uses github.com/NVIDIA/go-nvml, which needs cgo
// and dlopens libnvidia-ml.so.1 at start: it is built only for linux && cgo
// (a stub otherwise), and a machine without the library or without GPUs
// simply has no GPU keys and no error. A metric NVML answers NOT_SUPPORTED
// for (a data-centre GPU's fan) is omitted, and not asked for again.
//
// Device inventory (CPU and GPU counts and models, memory and disk totals) is
// not sampled here: it is in wandb-metadata.json (package sysinfo).
//
// # Cost
//
// One sample of every collector reads about six small files and costs tens
// of microseconds of CPU (docs/BENCHMARKS.md, "System metrics"), far below the
// 0.5% of one core that the 15 s default allows (75 ms per sample). Between
// samples the monitor's goroutine sleeps on a ticker.
package sysmon
