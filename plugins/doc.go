// Package plugins is the plugin hub: the versioned contract between the run
// engine and integrations that run out of process over hashicorp/go-plugin
// (gRPC), the host that starts and supervises them, and a one-call Serve for
// third-party plugin authors. See docs/ARCHITECTURE.md; the contract lands
// with the plugin hub issue.
package plugins
