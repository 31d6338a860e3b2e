package sysmon

import (
	"bytes"
	"context"
	"os"
)

// network samples /proc/net/dev: "network.sent" and "network.recv", bytes
// since the collector started, summed over every interface (loopback
// included, as in W&B).
type network struct {
	path       string
	sent, recv uint64
}

func newNetwork(cfg *Config) (Collector, error) {
	n := &network{path: cfg.ProcRoot + "/net/dev"}
	b, err := readSource(n.path)
	if err != nil {
		return nil, wrap("network", err)
	}
	n.recv, n.sent = parseNetDev(b)
	return n, nil
}

func (n *network) Name() string { return "network" }

func (n *network) Sample(context.Context) (map[string]float64, error) {
	b, err := os.ReadFile(n.path)
	if err != nil {
		return nil, wrap("network", err)
	}
	recv, sent := parseNetDev(b)
	// Counters shrink when an interface goes away; never report less than 0.
	return map[string]float64{
		"network.sent": float64(sent - min(n.sent, sent)),
		"network.recv": float64(recv - min(n.recv, recv)),
	}, nil
}

// parseNetDev sums received and transmitted bytes over the interfaces of
// /proc/net/dev ("iface: rx_bytes packets errs drop fifo frame compressed
// multicast tx_bytes ...").
func parseNetDev(data []byte) (recv, sent uint64) {
	lines(data, func(line []byte) {
		_, rest, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			return
		}
		f := bytes.Fields(rest)
		if len(f) < 9 {
			return
		}
		recv += parseUint(f[0])
		sent += parseUint(f[8])
	})
	return recv, sent
}
