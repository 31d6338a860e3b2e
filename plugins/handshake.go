package plugins

import (
	"fmt"

	goplugin "github.com/hashicorp/go-plugin"
)

// ProtocolVersion is the version of the contract: the gRPC service of
// proto/plugin.proto and the meaning of its messages. It is raised when a
// change would make an older host or plugin misbehave; hosts and plugins
// of different versions refuse each other with a *VersionError.
const ProtocolVersion = 1

// PluginName is the name under which the one plugin of a binary is served
// in go-plugin's plugin map.
const PluginName = "wandb"

// Handshake is go-plugin's handshake for gowandb plugins. The magic cookie
// only keeps a plugin binary from being started by hand (it then prints a
// note and exits 1); it is not a security measure.
var Handshake = goplugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "WANDB_PLUGIN_MAGIC_COOKIE",
	MagicCookieValue: "5f2c8d1e0b7a4c39a6e4f1d2c3b5a7980e1f2a3b4c5d6e7f",
}

// PluginSet is go-plugin's plugin map for a binary serving impl; hosts pass
// PluginSet(nil).
func PluginSet(impl Plugin) goplugin.PluginSet {
	return goplugin.PluginSet{PluginName: &GRPCPlugin{Impl: impl}}
}

// VersionError says that a host and a plugin speak different protocol
// versions.
type VersionError struct {
	// Plugin names the plugin (its name, or its path).
	Plugin string
	// Host and PluginVersion are the two protocol versions.
	Host, PluginVersion int
	// Err is the underlying error, if any (go-plugin's handshake error).
	Err error
}

func (e *VersionError) Error() string {
	msg := fmt.Sprintf("plugins: %s speaks plugin protocol version %d, this host speaks version %d", e.Plugin, e.PluginVersion, e.Host)
	if e.PluginVersion < e.Host {
		msg += "; rebuild the plugin against a newer github.com/gowandb/wandb/plugins"
	} else {
		msg += "; upgrade the program that runs it"
	}
	return msg
}

func (e *VersionError) Unwrap() error { return e.Err }
