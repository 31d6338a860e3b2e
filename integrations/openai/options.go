package openai

import (
	"context"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/gowandb/wandb"
)

// DefaultMaxBodyBytes bounds the copy of one response body the Recorder
// keeps (MaxBodyBytes). A longer body is still handed to the client whole;
// the call is logged without its response and usage.
const DefaultMaxBodyBytes = 16 << 20

// Option configures a Recorder.
type Option func(*config)

type config struct {
	redact  bool
	mode    wandb.TableLogMode
	apiType string
	maxBody int
	now     func() time.Time
}

func newConfig(opts []Option) config {
	c := config{
		mode:    wandb.TableImmutable,
		apiType: string(goopenai.APITypeOpenAI),
		maxBody: DefaultMaxBodyBytes,
		now:     time.Now,
	}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c
}

// Redact keeps prompts and answers out of the run: the request column
// holds only the request's parameters and the response column is null.
func Redact(redact bool) Option { return func(c *config) { c.redact = redact } }

// TableMode chooses how the stats table is logged: wandb.TableImmutable
// (default) logs a table of each call's row, as W&B's autolog did;
// wandb.TableIncremental one growing table, each call logging its new
// rows; wandb.TableMutable one growing table logged whole each call.
func TableMode(mode wandb.TableLogMode) Option {
	return func(c *config) {
		switch mode {
		case wandb.TableImmutable, wandb.TableIncremental, wandb.TableMutable:
			c.mode = mode
		}
	}
}

// APIType sets the api_type column (default "OPEN_AI"; WrapConfig takes
// the config's APIType).
func APIType(apiType string) Option { return func(c *config) { c.apiType = apiType } }

// MaxBodyBytes bounds the copy kept of one response body (default
// DefaultMaxBodyBytes); n <= 0 means the default.
func MaxBodyBytes(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxBody = n
		}
	}
}

type callIDKey struct{}

// CallContext returns ctx marked with a logical call id: every request
// made with it (pass it to the client's Create… methods) is an attempt of
// call id, numbered in order. Use it around a retry loop to group the
// attempts exactly.
func CallContext(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, callIDKey{}, id)
}

func callIDFrom(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(callIDKey{}).(string)
	return id, ok && id != ""
}
