package host_test

// Test plugins that run as real processes: the test binary re-executed
// through a wrapper script named wandb-plugin-<name>, with
// GOWANDB_TEST_PLUGIN saying which plugin TestPluginHelperProcess serves.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"

	"github.com/gowandb/wandb/plugins"
)

const helperEnv = "GOWANDB_TEST_PLUGIN"

// TestPluginHelperProcess is the plugin process of this package's tests. It
// does nothing unless a wrapper written by writePlugin started it.
func TestPluginHelperProcess(t *testing.T) {
	kind := os.Getenv(helperEnv)
	if kind == "" {
		t.Skip("the plugin process of the host tests")
	}
	switch kind {
	case "badversion":
		serveOtherVersion(99, 99)
	case "liar":
		serveOtherVersion(plugins.ProtocolVersion, 99)
	case "nodescribe":
		fmt.Fprintln(os.Stderr, "describe is broken in this plugin")
		os.Exit(2)
	default:
		plugins.Serve(&testPlugin{kind: kind})
	}
	os.Exit(0)
}

// serveOtherVersion is a plugin built against another protocol version:
// its manifest says describeVersion, its handshake handshakeVersion.
func serveOtherVersion(describeVersion, handshakeVersion int) {
	m := (&testPlugin{kind: "badversion"}).Manifest()
	if args := flag.Args(); len(args) > 0 && args[0] == "describe" {
		m.ProtocolVersion = describeVersion
		_ = plugins.WriteManifest(os.Stdout, m)
		return
	}
	hs := plugins.Handshake
	hs.ProtocolVersion = uint(handshakeVersion)
	goplugin.Serve(&goplugin.ServeConfig{
		HandshakeConfig: hs,
		Plugins:         plugins.PluginSet(&testPlugin{kind: "echo"}),
		GRPCServer:      goplugin.DefaultGRPCServer,
		Logger:          hclog.New(&hclog.LoggerOptions{Output: os.Stderr, JSONFormat: true}),
	})
}

// testPlugin's behaviour depends on kind:
//
//	echo       each scalar comes back as a history row at its step (key+"_echo"),
//	           each frame as a file; Flush emits the count in the summary;
//	           Start emits the process id in the summary (pid)
//	crash      echo, but exits at once on an observation named "die"
//	hang       echo, but Flush never returns
//	garbage    echo, but each observation comes back as a row with invalid JSON
//	startfail  Start returns an error
//	count      only counts observations (the benchmarks' sink plugin)
type testPlugin struct {
	kind string
	mu   sync.Mutex
	emit plugins.Emitter
	n    int
}

func (p *testPlugin) Manifest() plugins.Manifest {
	return plugins.Manifest{Name: p.kind, Version: "1.2.3", Provides: []string{plugins.ProvidesHistory, plugins.ProvidesSummary, plugins.ProvidesFiles}, Description: "test plugin " + p.kind}
}

func (p *testPlugin) Start(_ context.Context, run plugins.RunInfo, emit plugins.Emitter) error {
	if p.kind == "startfail" {
		return errors.New("no thanks")
	}
	p.emit = emit
	v, _ := plugins.Values(map[string]any{p.kind + "_pid": os.Getpid()})
	return emit.Emit(plugins.Emission{Summary: v})
}

func (p *testPlugin) Observe(_ context.Context, batch []plugins.Observation) error {
	p.mu.Lock()
	p.n += len(batch)
	p.mu.Unlock()
	for _, o := range batch {
		if o.Key == "die" && p.kind == "crash" {
			os.Exit(3)
		}
		var e plugins.Emission
		switch {
		case p.kind == "count":
			continue
		case p.kind == "garbage":
			e.History = &plugins.HistoryRow{Step: o.Step, Row: map[string]json.RawMessage{o.Key: json.RawMessage("{garbage")}}
		case o.Kind == plugins.KindScalar:
			v, _ := plugins.Value(o.Scalar)
			e.History = &plugins.HistoryRow{Step: o.Step, Row: map[string]json.RawMessage{o.Key + "_echo": v}}
		case o.Kind == plugins.KindFrame:
			e.Files = []plugins.File{{Path: "frames/" + o.Key + "-" + strconv.FormatInt(o.Step, 10) + ".rgba", Data: o.Frame.RGBA}}
		default:
			continue
		}
		if err := p.emit.Emit(e); err != nil {
			return err
		}
	}
	return nil
}

func (p *testPlugin) Flush(context.Context) error {
	if p.kind == "hang" {
		select {} // deaf to its context too
	}
	p.mu.Lock()
	n := p.n
	p.mu.Unlock()
	v, _ := plugins.Values(map[string]any{p.kind + "_observed": n})
	return p.emit.Emit(plugins.Emission{Summary: v})
}

func (p *testPlugin) Finish(context.Context) error { return nil }

// writePlugin puts a plugin binary wandb-plugin-<name> into dir: a script
// that runs this test binary as the plugin kind.
func writePlugin(t testing.TB, dir, name, kind string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "wandb-plugin-"+name)
	script := fmt.Sprintf("#!/bin/sh\n%s=%s exec %q -test.run='^TestPluginHelperProcess$' -- \"$@\"\n", helperEnv, kind, exe)
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}
