package openai

import (
	goopenai "github.com/sashabaranov/go-openai"

	"github.com/gowandb/wandb"
)

// NewClient is go-openai's NewClient(token) with its calls logged into run
// (nil: the default run, wandb.CurrentRun(), at each call).
func NewClient(token string, run *wandb.Run, opts ...Option) *goopenai.Client {
	return goopenai.NewClientWithConfig(WrapConfig(goopenai.DefaultConfig(token), run, opts...))
}

// WrapConfig returns cfg with its HTTP client wrapped in a Recorder logging
// into run (nil: the default run at each call), api_type taken from
// cfg.APIType. Use it as goopenai.NewClientWithConfig(WrapConfig(cfg, run)).
func WrapConfig(cfg goopenai.ClientConfig, run *wandb.Run, opts ...Option) goopenai.ClientConfig {
	if cfg.APIType != "" {
		opts = append([]Option{APIType(string(cfg.APIType))}, opts...)
	}
	cfg.HTTPClient = HTTPClient(run, cfg.HTTPClient, opts...)
	return cfg
}
