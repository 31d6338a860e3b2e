package plugins

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// Serve is the whole main of a plugin binary:
//
//	func main() { plugins.Serve(&myPlugin{}) }
//
// With the argument "describe" it prints impl's manifest as JSON on
// standard output and returns without starting gRPC (the host runs
// `wandb-plugin-<name> describe` to learn what a binary is). Otherwise it
// serves impl over go-plugin's gRPC transport until the host is done with
// it. Started by hand rather than by a host, the binary says so and exits
// 1. The arguments are flag.Args() if the program parsed flags, else
// os.Args[1:]. On a bad manifest or argument Serve prints the error and
// exits 1.
//
// A plugin must not write to standard output: go-plugin owns it. What it
// writes to standard error goes into the host's plugin log.
func Serve(impl Plugin) {
	if err := serve(impl, commandArgs(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func commandArgs() []string {
	if flag.Parsed() {
		return flag.Args()
	}
	return os.Args[1:]
}

func serve(impl Plugin, args []string, stdout io.Writer) error {
	m := impl.Manifest()
	m.ProtocolVersion = ProtocolVersion
	if err := m.Validate(); err != nil {
		return err
	}
	if len(args) > 0 {
		switch args[0] {
		case "describe", "-describe", "--describe":
			return WriteManifest(stdout, m)
		}
		return fmt.Errorf("plugins: %s: unknown argument %q: a plugin binary takes only \"describe\"; a gowandb run starts it", m.Name, args[0])
	}
	goplugin.Serve(&goplugin.ServeConfig{
		HandshakeConfig: Handshake,
		Plugins:         PluginSet(impl),
		GRPCServer:      NewGRPCServer,
		Logger: hclog.New(&hclog.LoggerOptions{
			Name: m.Name, Level: hclog.Debug, Output: os.Stderr, JSONFormat: true,
		}),
	})
	return nil
}

// NewGRPCServer is the gRPC server of a plugin process: go-plugin's default
// with the message size limit raised to MaxMessageSize.
func NewGRPCServer(opts []grpc.ServerOption) *grpc.Server {
	opts = append(opts, grpc.MaxRecvMsgSize(MaxMessageSize), grpc.MaxSendMsgSize(MaxMessageSize))
	return goplugin.DefaultGRPCServer(opts)
}

// WriteManifest writes m as the describe subcommand prints it: indented
// JSON and a newline.
func WriteManifest(w io.Writer, m Manifest) error {
	if m.Provides == nil {
		m.Provides = []string{}
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("plugins: manifest: %w", err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("plugins: describe: %w", err)
	}
	return nil
}

// ReadManifest parses what the describe subcommand printed and validates
// it.
func ReadManifest(b []byte) (Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return Manifest{}, fmt.Errorf("plugins: manifest: %w", err)
	}
	if err := m.Validate(); err != nil {
		return Manifest{}, err
	}
	return m, nil
}
