package openai_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	wbopenai "github.com/gowandb/wandb/integrations/openai"
)

// reportCPU reports the process's CPU time per call since cpu: the test
// server's, the client's and the run log writer's together.
func reportCPU(b *testing.B, cpu time.Duration) {
	if used := cpuTime() - cpu; used > 0 {
		b.ReportMetric(float64(used.Microseconds())/float64(b.N), "cpu-µs/op")
	}
}

// BenchmarkWrapperOverhead times one call through a bare go-openai client
// and through a wrapped one logging into an offline run, against the same
// local server: the difference is what the wrapper adds per call.
func BenchmarkWrapperOverhead(b *testing.B) {
	api := newFakeAPI(b)
	ctx := context.Background()
	chat := chatRequest("gpt-4o-mini", "How long does this take?")
	stream := chat
	stream.Stream = true
	stream.StreamOptions = &goopenai.StreamOptions{IncludeUsage: true}
	calls := map[string]func(b *testing.B, c *goopenai.Client){
		"chat": func(b *testing.B, c *goopenai.Client) {
			if _, err := c.CreateChatCompletion(ctx, chat); err != nil {
				b.Fatal(err)
			}
		},
		"stream": func(b *testing.B, c *goopenai.Client) {
			s, err := c.CreateChatCompletionStream(ctx, stream)
			if err != nil {
				b.Fatal(err)
			}
			for {
				if _, err := s.Recv(); err != nil {
					break
				}
			}
			s.Close()
		},
	}
	for _, kind := range []string{"chat", "stream"} {
		call := calls[kind]
		b.Run(kind+"/bare", func(b *testing.B) {
			c := goopenai.NewClientWithConfig(api.config("key"))
			cpu := cpuTime()
			for b.Loop() {
				call(b, c)
			}
			reportCPU(b, cpu)
		})
		for _, redact := range []bool{false, true} {
			name := kind + "/wrapped"
			if redact {
				name += "-redacted"
			}
			b.Run(name, func(b *testing.B) {
				run := startRun(b)
				c := goopenai.NewClientWithConfig(wbopenai.WrapConfig(api.config("key"), run, wbopenai.Redact(redact)))
				cpu := cpuTime()
				for b.Loop() {
					call(b, c)
				}
				reportCPU(b, cpu)
			})
		}
	}
}

// cannedDoer answers every request with the same bytes, in memory: the
// network and server are out of the measure.
type cannedDoer struct {
	contentType string
	body        []byte
}

func (d cannedDoer) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	h := http.Header{}
	h.Set("Content-Type", d.contentType)
	h.Set("X-Request-Id", "req_1")
	return &http.Response{StatusCode: 200, Status: "200 OK", Header: h, Body: io.NopCloser(bytes.NewReader(d.body)), Request: req}, nil
}

// BenchmarkRecorderInMemory is BenchmarkWrapperOverhead without network:
// the HTTP client answers from memory, so the difference between bare and
// wrapped is the Recorder's own cost on the calling goroutine (copying,
// parsing, building the row, run.Log) plus the run log writer's work (the
// table file of each call) competing for the same cores.
func BenchmarkRecorderInMemory(b *testing.B) {
	chatBody := []byte(`{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini-0613",` +
		`"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"you said: How long does this take?"}}],` +
		`"usage":{"prompt_tokens":9,"completion_tokens":7,"total_tokens":16}}`)
	var sse bytes.Buffer
	for _, w := range strings.SplitAfter("you said: How long does this take?", " ") {
		fmt.Fprintf(&sse, "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-4o-mini-0613\",\"choices\":[{\"index\":0,\"delta\":{\"content\":%q}}]}\n\n", w)
	}
	sse.WriteString("data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":6,\"total_tokens\":15}}\n\ndata: [DONE]\n\n")
	ctx := context.Background()
	chat := chatRequest("gpt-4o-mini", "How long does this take?")
	stream := chat
	stream.Stream = true
	stream.StreamOptions = &goopenai.StreamOptions{IncludeUsage: true}
	kinds := []struct {
		name string
		doer cannedDoer
		call func(b *testing.B, c *goopenai.Client)
	}{
		{"chat", cannedDoer{"application/json", chatBody}, func(b *testing.B, c *goopenai.Client) {
			if _, err := c.CreateChatCompletion(ctx, chat); err != nil {
				b.Fatal(err)
			}
		}},
		{"stream", cannedDoer{"text/event-stream", sse.Bytes()}, func(b *testing.B, c *goopenai.Client) {
			s, err := c.CreateChatCompletionStream(ctx, stream)
			if err != nil {
				b.Fatal(err)
			}
			for {
				if _, err := s.Recv(); err != nil {
					break
				}
			}
			s.Close()
		}},
	}
	for _, k := range kinds {
		cfg := goopenai.DefaultConfig("key")
		cfg.BaseURL = "http://in-memory/v1"
		b.Run(k.name+"/bare", func(b *testing.B) {
			cfg.HTTPClient = k.doer
			c := goopenai.NewClientWithConfig(cfg)
			cpu := cpuTime()
			for b.Loop() {
				k.call(b, c)
			}
			reportCPU(b, cpu)
		})
		b.Run(k.name+"/wrapped", func(b *testing.B) {
			run := startRun(b)
			cfg.HTTPClient = wbopenai.HTTPClient(run, k.doer)
			c := goopenai.NewClientWithConfig(cfg)
			cpu := cpuTime()
			for b.Loop() {
				k.call(b, c)
			}
			reportCPU(b, cpu)
		})
	}
}

// BenchmarkWrapperLatency is the latency a caller sees when calls are
// apart, as real model calls are (hundreds of milliseconds): before each
// call, with the timer stopped, the run log's writer is made idle
// (run.Flush), so the previous call's table file is written outside the
// measure. Bare and wrapped clients go through the same steps.
func BenchmarkWrapperLatency(b *testing.B) {
	api := newFakeAPI(b)
	ctx := context.Background()
	chat := chatRequest("gpt-4o-mini", "How long does this take?")
	stream := chat
	stream.Stream = true
	stream.StreamOptions = &goopenai.StreamOptions{IncludeUsage: true}
	calls := []struct {
		name string
		call func(b *testing.B, c *goopenai.Client)
	}{
		{"chat", func(b *testing.B, c *goopenai.Client) {
			if _, err := c.CreateChatCompletion(ctx, chat); err != nil {
				b.Fatal(err)
			}
		}},
		{"stream", func(b *testing.B, c *goopenai.Client) {
			s, err := c.CreateChatCompletionStream(ctx, stream)
			if err != nil {
				b.Fatal(err)
			}
			for {
				if _, err := s.Recv(); err != nil {
					break
				}
			}
			s.Close()
		}},
	}
	for _, k := range calls {
		for _, wrapped := range []bool{false, true} {
			name := k.name + "/bare"
			if wrapped {
				name = k.name + "/wrapped"
			}
			b.Run(name, func(b *testing.B) {
				run := startRun(b)
				cfg := api.config("key")
				if wrapped {
					cfg = wbopenai.WrapConfig(cfg, run)
				}
				c := goopenai.NewClientWithConfig(cfg)
				b.ResetTimer()
				for range b.N {
					b.StopTimer()
					if err := run.Flush(ctx); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					k.call(b, c)
				}
			})
		}
	}
}

// BenchmarkRecorderCallerPath is the Recorder's own work on the caller's
// goroutine for one chat call (copying the request, teeing and parsing the
// answer, building the row and the table, run.Log), with no network and an
// idle run log writer (run.Flush, timer stopped, before each call): bare
// is the in-memory HTTP client alone.
func BenchmarkRecorderCallerPath(b *testing.B) {
	body := []byte(`{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini-0613",` +
		`"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"you said: How long does this take?"}}],` +
		`"usage":{"prompt_tokens":9,"completion_tokens":7,"total_tokens":16}}`)
	req, _ := json.Marshal(chatRequest("gpt-4o-mini", "How long does this take?"))
	ctx := context.Background()
	doer := cannedDoer{"application/json", body}
	for _, wrapped := range []bool{false, true} {
		name := "bare"
		if wrapped {
			name = "wrapped"
		}
		b.Run(name, func(b *testing.B) {
			run := startRun(b)
			var d goopenai.HTTPDoer = doer
			if wrapped {
				d = wbopenai.HTTPClient(run, doer)
			}
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				if err := run.Flush(ctx); err != nil {
					b.Fatal(err)
				}
				r, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://in-memory/v1/chat/completions", bytes.NewReader(req))
				b.StartTimer()
				resp, err := d.Do(r)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}
