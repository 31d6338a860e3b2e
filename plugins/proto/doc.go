// Package pluginpb is the generated Go code of plugin.proto, the gRPC
// service between the gowandb plugin host and plugin processes. Regenerate
// it with `make proto`. Only package plugins uses it: hosts and plugin
// authors work with the domain types there (plugins/convert.go converts).
package pluginpb
