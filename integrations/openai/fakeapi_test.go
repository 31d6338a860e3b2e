package openai_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/gowandb/wandb"
)

// fakeAPI is a local server speaking the OpenAI API, as far as the tests
// need: the real API cannot be reached from here.
//
//   - POST /v1/chat/completions answers "you said: <last message>" as JSON,
//     or with "stream": true as server-sent events, one chunk per word,
//     then (with stream_options.include_usage) a usage chunk and [DONE];
//   - POST /v1/completions answers " and so on";
//   - POST /v1/embeddings answers a 3-dimensional embedding per input;
//   - model "no-such-model" gets a 400 with an OpenAI error body;
//   - the key "bad-key" gets a 401 with an empty body;
//   - model "cut-short" streams two chunks and stops, without [DONE];
//   - model "busy" gets 429 with Retry-After: 2 and a rate-limit error,
//     as many times as Busy says, then an answer.
type fakeAPI struct {
	*httptest.Server
	mu   sync.Mutex
	busy int
	seq  int
}

func newFakeAPI(t testing.TB) *fakeAPI {
	t.Helper()
	f := startFakeAPI()
	t.Cleanup(f.Close)
	return f
}

// startFakeAPI starts the server; Close stops it.
func startFakeAPI() *fakeAPI {
	f := &fakeAPI{}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

// Busy makes the next n "busy" requests rate-limited.
func (f *fakeAPI) Busy(n int) {
	f.mu.Lock()
	f.busy = n
	f.mu.Unlock()
}

// config is a go-openai config for the server.
func (f *fakeAPI) config(key string) goopenai.ClientConfig {
	cfg := goopenai.DefaultConfig(key)
	cfg.BaseURL = f.URL + "/v1"
	return cfg
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.seq++
	w.Header().Set("X-Request-Id", fmt.Sprintf("req_%d", f.seq))
	f.mu.Unlock()
	if r.Header.Get("Authorization") == "Bearer bad-key" {
		w.WriteHeader(http.StatusUnauthorized) // an empty body, as some proxies answer
		return
	}
	var req struct {
		Model         string `json:"model"`
		Stream        bool   `json:"stream"`
		StreamOptions *struct {
			IncludeUsage bool `json:"include_usage"`
		} `json:"stream_options"`
		Messages []struct{ Content string } `json:"messages"`
		Input    json.RawMessage            `json:"input"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		apiError(w, http.StatusBadRequest, "We could not parse the JSON body of your request.", "invalid_request_error", "")
		return
	}
	switch req.Model {
	case "no-such-model":
		apiError(w, http.StatusBadRequest, "The model `no-such-model` does not exist or you do not have access to it.", "invalid_request_error", "model_not_found")
		return
	case "busy":
		f.mu.Lock()
		limited := f.busy > 0
		if limited {
			f.busy--
		}
		f.mu.Unlock()
		if limited {
			w.Header().Set("Retry-After", "2")
			apiError(w, http.StatusTooManyRequests, "Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1.", "requests", "rate_limit_exceeded")
			return
		}
	}
	w.Header().Set("Openai-Processing-Ms", "1")
	switch r.URL.Path {
	case "/v1/chat/completions":
		reply := "you said: "
		if n := len(req.Messages); n > 0 {
			reply += req.Messages[n-1].Content
		}
		if req.Stream && req.Model == "cut-short" {
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprint(w, `data: {"model":"cut-short","choices":[{"index":0,"delta":{"content":"you "}}]}`+"\n\n")
			fmt.Fprint(w, `data: {"model":"cut-short","choices":[{"index":0,"delta":{"content":"said"}}]}`+"\n\n")
			return
		}
		if req.Stream {
			streamChat(w, req.Model, reply, req.StreamOptions != nil && req.StreamOptions.IncludeUsage)
			return
		}
		writeJSON(w, map[string]any{
			"id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000, "model": req.Model + "-0613",
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": reply}}},
			"usage": map[string]any{"prompt_tokens": 9, "completion_tokens": len(strings.Fields(reply)), "total_tokens": 9 + len(strings.Fields(reply))},
		})
	case "/v1/completions":
		writeJSON(w, map[string]any{
			"id": "cmpl-1", "object": "text_completion", "created": 1700000000, "model": req.Model,
			"choices": []any{map[string]any{"index": 0, "text": " and so on", "finish_reason": "stop"}},
			"usage":   map[string]any{"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8},
		})
	case "/v1/embeddings":
		var inputs []string
		if json.Unmarshal(req.Input, &inputs) != nil {
			inputs = []string{""}
		}
		data := make([]any, len(inputs))
		for i := range inputs {
			data[i] = map[string]any{"object": "embedding", "index": i, "embedding": []float64{0.25, -0.5, 1}}
		}
		writeJSON(w, map[string]any{"object": "list", "model": req.Model, "data": data,
			"usage": map[string]any{"prompt_tokens": 4 * len(inputs), "total_tokens": 4 * len(inputs)}})
	default:
		apiError(w, http.StatusNotFound, "Unknown path", "invalid_request_error", "")
	}
}

func streamChat(w http.ResponseWriter, model, reply string, usage bool) {
	w.Header().Set("Content-Type", "text/event-stream")
	fl, _ := w.(http.Flusher)
	chunk := func(v any) {
		b, _ := json.Marshal(v)
		fmt.Fprintf(w, "data: %s\n\n", b)
		if fl != nil {
			fl.Flush()
		}
	}
	base := map[string]any{"id": "chatcmpl-2", "object": "chat.completion.chunk", "created": 1700000000, "model": model + "-0613"}
	with := func(choices []any, extra map[string]any) map[string]any {
		m := map[string]any{"choices": choices}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	chunk(with([]any{map[string]any{"index": 0, "delta": map[string]any{"role": "assistant", "content": ""}}}, nil))
	words := strings.SplitAfter(reply, " ")
	for _, wd := range words {
		chunk(with([]any{map[string]any{"index": 0, "delta": map[string]any{"content": wd}}}, nil))
	}
	chunk(with([]any{map[string]any{"index": 0, "delta": map[string]any{}, "finish_reason": "stop"}}, nil))
	if usage {
		chunk(with([]any{}, map[string]any{"usage": map[string]any{"prompt_tokens": 9, "completion_tokens": len(words), "total_tokens": 9 + len(words)}}))
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, status int, msg, typ, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	var c any
	if code != "" {
		c = code
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": c}})
}

// isolate keeps WANDB_* settings of the environment out of the test.
func isolate(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "WANDB_") {
			t.Setenv(name, "")
		}
	}
	t.Setenv("WANDB_CONFIG_DIR", t.TempDir())
}

// startRun starts an offline run in a temporary directory, finished when
// the test ends if the test has not finished it.
func startRun(t testing.TB, opts ...wandb.Option) *wandb.Run {
	t.Helper()
	all := append([]wandb.Option{
		wandb.WithDir(t.TempDir()),
		wandb.WithMode(wandb.ModeOffline),
		wandb.WithSignalHandler(false),
		wandb.WithWarnings(io.Discard),
		wandb.WithReinit(wandb.ReinitCreateNew),
		wandb.WithSettings(map[string]string{"disable_git": "true"}),
	}, opts...)
	run, err := wandb.Init(context.Background(), all...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = run.Finish(0) })
	return run
}
