// Package plugins is the contract between a gowandb run and its plugins:
// integrations (TensorBoard sync, video capture, third-party alerts and
// exporters) that run beside the run, usually in their own process, see what
// in-process hooks observe, and send back records for the run.
//
// It follows hashicorp/go-plugin's layout (one contract package shared by
// the host and the plugins) and the SDKs built on it:
//
//   - Plugin is the one Go interface. Its domain types (RunInfo,
//     Observation, Emission, Manifest) are all a plugin author sees; the
//     gRPC messages of proto/plugin.proto stop at this package, and
//     convert.go is the only file that translates between the two.
//   - Handshake, ProtocolVersion and PluginSet are what go-plugin needs on
//     both sides. A host and a plugin of different protocol versions refuse
//     each other with a *VersionError that names both versions.
//   - GRPCPlugin holds the gRPC adapters: GRPCServer serves a Plugin in the
//     plugin process, GRPCClient returns a Plugin in the host that talks to
//     it. The host therefore drives the same interface whether a plugin runs
//     in a subprocess, over an in-memory gRPC connection (package
//     plugintest) or directly in-process: one interface, three transports.
//   - Serve is the whole main of a plugin binary (Vault's pattern). Run
//     with the argument "describe", the binary prints its Manifest as JSON
//     and exits without starting gRPC (Packer's pattern); that is how the
//     host (package plugins/host) and `wandb plugins ls` learn what a
//     binary named wandb-plugin-<name> is without starting it.
//
// # The session stream
//
// A run talks to a plugin over one bidirectional gRPC stream (Session):
// host events (Start, Observe batches, Flush, Finish) go one way, the
// plugin's acknowledgements and emissions the other. A bidirectional stream
// was chosen over unary calls plus a server-streaming emission channel for
// three reasons:
//
//   - Ordering. Acks and emissions share one ordered stream, so when Flush
//     returns in the host every emission the plugin sent before it has been
//     received and applied. With two channels an ack could overtake the
//     emissions it is meant to cover, and callers would need sleeps or
//     markers to wait for them.
//   - Liveness. The stream lives as long as the plugin's part of the run;
//     when the plugin process dies the stream breaks at once, so the host
//     notices a crash even while it sends nothing.
//   - Spontaneous output. A plugin may emit at any time (a TensorBoard
//     tailer finds new events on its own), not only in reply to a call, and
//     HTTP/2 flow control on the stream pushes back on a plugin that emits
//     faster than the run can apply.
//
// Every event is acknowledged, so a call returns only after the plugin has
// handled it and the host's deadline covers the plugin's work, which is how
// a hung plugin is found. Observations travel in batches to keep the
// round-trips few.
//
// # Writing a plugin
//
//	func main() { plugins.Serve(&myPlugin{}) }
//
// where myPlugin implements Plugin. Build it as wandb-plugin-<name>, put it
// on WANDB_PLUGIN_PATH or beside the program, and start runs with
// wandb.WithPlugins("<name>"). A plugin must not write to standard output;
// standard error goes into the host's plugin log. Test it in-process with
// package plugins/plugintest, which runs it through the same gRPC adapters
// over an in-memory connection. examples/custom-plugin is a complete one.
package plugins
