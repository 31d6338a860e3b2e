package host

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/gowandb/wandb/plugins"
)

// launch starts the plugin process of f and returns its Plugin. The process
// is killed again if anything fails.
func (h *Host) launch(ctx context.Context, f Found) (plugins.Plugin, *goplugin.Client, error) {
	logger := h.cfg.logger.Named(f.Name)
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig:  plugins.Handshake,
		VersionedPlugins: map[int]goplugin.PluginSet{plugins.ProtocolVersion: plugins.PluginSet(nil)},
		Cmd:              exec.Command(f.Path),
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Logger:           logger,
		StartTimeout:     h.cfg.startTimeout,
		// What the plugin writes to os.Stderr after Serve started goes to
		// the log too; its standard output is discarded (never ours).
		SyncStderr: logger.StandardWriter(&hclog.StandardLoggerOptions{InferLevels: true}),
		GRPCDialOptions: []grpc.DialOption{grpc.WithDefaultCallOptions(
			grpc.MaxCallRecvMsgSize(plugins.MaxMessageSize), grpc.MaxCallSendMsgSize(plugins.MaxMessageSize))},
	})
	type result struct {
		p   plugins.Plugin
		err error
	}
	done := make(chan result, 1)
	go func() {
		rpc, err := client.Client()
		if err != nil {
			done <- result{err: err}
			return
		}
		raw, err := rpc.Dispense(plugins.PluginName)
		if err != nil {
			done <- result{err: err}
			return
		}
		p, ok := raw.(plugins.Plugin)
		if !ok {
			done <- result{err: fmt.Errorf("dispensed %T, not a plugins.Plugin", raw)}
			return
		}
		done <- result{p: p}
	}()
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		client.Kill()
		<-done
		return nil, nil, fmt.Errorf("plugins: start %s: %w", f.Path, ctx.Err())
	}
	if r.err != nil {
		client.Kill()
		return nil, nil, startError(f, r.err)
	}
	if got := r.p.Manifest().Name; f.Manifest.Name != "" && got != f.Manifest.Name {
		client.Kill()
		return nil, nil, fmt.Errorf("plugins: start %s: the plugin calls itself %q over gRPC but %q in its describe manifest", f.Path, got, f.Manifest.Name)
	}
	return r.p, client, nil
}

// startError names both protocol versions when the handshake failed over
// them (go-plugin says "incompatible API version with plugin. Plugin
// version: N, Client versions: [M]").
func startError(f Found, err error) error {
	if v, ok := errors.AsType[*plugins.VersionError](err); ok {
		v.Plugin = f.Path
		return v
	}
	msg := err.Error()
	if i := strings.Index(msg, "Plugin version: "); i >= 0 && strings.Contains(msg, "incompatible API version") {
		var pv int
		if _, scanErr := fmt.Sscanf(msg[i:], "Plugin version: %d", &pv); scanErr == nil {
			return &plugins.VersionError{Plugin: f.Path, Host: plugins.ProtocolVersion, PluginVersion: pv, Err: err}
		}
	}
	return fmt.Errorf("plugins: start %s: %w", f.Path, err)
}

// pid is the process id of a started client, or 0.
func pid(c *goplugin.Client) int {
	if c == nil {
		return 0
	}
	if rc := c.ReattachConfig(); rc != nil {
		return rc.Pid
	}
	return 0
}
