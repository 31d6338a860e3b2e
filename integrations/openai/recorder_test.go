package openai_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/core/runlog"
	wbopenai "github.com/gowandb/wandb/integrations/openai"
)

// logged is what a finished run's log says about its calls.
type logged struct {
	info    *runlog.Info
	history []map[string]any
	stats   []map[string]any // every stats table row, in order, by column
}

// readRun finishes run and reads its log and stats tables back.
func readRun(t *testing.T, run *wandb.Run) logged {
	t.Helper()
	if err := run.Finish(0); err != nil {
		t.Fatal(err)
	}
	var l logged
	info, err := runlog.Replay(run.LogPath(), func(row runlog.Row) error {
		l.history = append(l.history, row.Map())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	l.info = info
	for _, h := range l.history {
		st, ok := h["stats"].(map[string]any)
		if !ok {
			continue
		}
		b, err := os.ReadFile(filepath.Join(run.Dir(), st["path"].(string)))
		if err != nil {
			t.Fatal(err)
		}
		var tab struct {
			Columns []string `json:"columns"`
			Data    [][]any  `json:"data"`
		}
		if err := json.Unmarshal(b, &tab); err != nil {
			t.Fatal(err)
		}
		for _, r := range tab.Data {
			m := map[string]any{}
			for i, c := range tab.Columns {
				m[c] = r[i]
			}
			l.stats = append(l.stats, m)
		}
	}
	return l
}

// num is a logged number as float64 (NaN when it is none).
func num(v any) float64 {
	switch n := v.(type) {
	case float64:
		return n
	case int64:
		return float64(n)
	case int:
		return float64(n)
	}
	return math.NaN()
}

func chatRequest(model, prompt string) goopenai.ChatCompletionRequest {
	return goopenai.ChatCompletionRequest{
		Model:       model,
		Temperature: 0.5,
		Messages:    []goopenai.ChatCompletionMessage{{Role: goopenai.ChatMessageRoleUser, Content: prompt}},
	}
}

func TestChatCompletionIsOneRowWithUsageMetrics(t *testing.T) {
	isolate(t)
	api := newFakeAPI(t)
	run := startRun(t)
	client := goopenai.NewClientWithConfig(wbopenai.WrapConfig(api.config("key"), run))

	resp, err := client.CreateChatCompletion(context.Background(), chatRequest("gpt-4o-mini", "hello there"))
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Choices[0].Message.Content; got != "you said: hello there" {
		t.Fatalf("client got %q", got)
	}
	l := readRun(t, run)
	if len(l.history) != 1 || len(l.stats) != 1 {
		t.Fatalf("history %d rows, stats %d rows; want 1 and 1", len(l.history), len(l.stats))
	}
	h, s := l.history[0], l.stats[0]
	if st := h["stats"].(map[string]any); st["_type"] != "table-file" || num(st["nrows"]) != 1 {
		t.Errorf("stats value %v", st)
	}
	want := map[string]any{
		"response": "you said: hello there", "model": "gpt-4o-mini-0613", "request_id": "req_1",
		"api_type": "OPEN_AI", "session_id": run.ID(), "prompt_tokens": float64(9),
		"completion_tokens": float64(4), "total_tokens": float64(13), "endpoint": "chat",
		"stream": false, "status": float64(200), "error": "", "attempt": float64(1), "retry_after": nil,
	}
	for k, v := range want {
		if !reflect.DeepEqual(s[k], v) {
			t.Errorf("stats %s = %#v, want %#v", k, s[k], v)
		}
	}
	var req map[string]any
	if err := json.Unmarshal([]byte(s["request"].(string)), &req); err != nil || req["model"] != "gpt-4o-mini" {
		t.Errorf("request %v (%v)", s["request"], err)
	}
	start, end, el := s["start_time"].(float64), s["end_time"].(float64), s["elapsed_time"].(float64)
	if end < start || el < 0 || el*1000 > end-start+1 {
		t.Errorf("start %v end %v elapsed %v", start, end, el)
	}
	if cid, _ := s["call_id"].(string); cid == "" {
		t.Error("no call_id")
	}
	for k, v := range map[string]float64{"usage/prompt_tokens": 9, "usage/completion_tokens": 4, "usage/total_tokens": 13} {
		if num(h[k]) != v {
			t.Errorf("history %s = %v, want %v", k, h[k], v)
		}
	}
	if e, ok := h["usage/elapsed_time"].(float64); !ok || e != el {
		t.Errorf("usage/elapsed_time %v, table %v", h["usage/elapsed_time"], el)
	}
	defined := map[string]string{}
	for _, m := range l.info.Metrics {
		defined[m.GetName()] = m.GetStepMetric()
	}
	for _, k := range []string{"usage/elapsed_time", "usage/prompt_tokens", "usage/completion_tokens", "usage/total_tokens"} {
		if defined[k] != "_timestamp" {
			t.Errorf("metric %s: step metric %q, want _timestamp (defined: %v)", k, defined[k], defined)
		}
	}
}

func recvAll(t *testing.T, stream *goopenai.ChatCompletionStream) (string, *goopenai.Usage) {
	t.Helper()
	defer stream.Close()
	var sb strings.Builder
	var usage *goopenai.Usage
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return sb.String(), usage
		}
		if err != nil {
			t.Fatal(err)
		}
		if chunk.Usage != nil {
			usage = chunk.Usage
		}
		for _, c := range chunk.Choices {
			sb.WriteString(c.Delta.Content)
		}
	}
}

func TestStreamIsAssembledWithFinalUsage(t *testing.T) {
	isolate(t)
	api := newFakeAPI(t)
	run := startRun(t)
	rec := wbopenai.HTTPClient(run, nil)
	cfg := api.config("key")
	cfg.HTTPClient = rec
	client := goopenai.NewClientWithConfig(cfg)
	ctx := context.Background()

	req := chatRequest("gpt-4o", "count to three please")
	req.Stream = true
	req.StreamOptions = &goopenai.StreamOptions{IncludeUsage: true}
	stream, err := client.CreateChatCompletionStream(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	text, usage := recvAll(t, stream)
	if text != "you said: count to three please" || usage == nil || usage.TotalTokens != 15 {
		t.Fatalf("client got %q, usage %+v", text, usage)
	}

	req.StreamOptions = nil // no usage chunk: tokens unknown
	stream, err = client.CreateChatCompletionStream(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if text2, _ := recvAll(t, stream); text2 != text {
		t.Fatalf("second stream %q", text2)
	}

	st := rec.Stats()
	if st.Calls != 2 || st.UnknownUsage != 1 || st.TotalTokens != 15 || st.Errors != 0 {
		t.Errorf("stats %+v", st)
	}
	l := readRun(t, run)
	if len(l.stats) != 2 {
		t.Fatalf("%d stats rows", len(l.stats))
	}
	for i, s := range l.stats {
		if s["response"] != text || s["stream"] != true || s["model"] != "gpt-4o-0613" || s["status"] != float64(200) {
			t.Errorf("row %d: %v", i, s)
		}
	}
	if l.stats[0]["total_tokens"] != float64(15) || l.stats[0]["completion_tokens"] != float64(6) {
		t.Errorf("row 0 tokens %v/%v", l.stats[0]["completion_tokens"], l.stats[0]["total_tokens"])
	}
	if l.stats[1]["total_tokens"] != nil || l.stats[1]["prompt_tokens"] != nil {
		t.Errorf("row 1 tokens should be unknown (null): %v", l.stats[1])
	}
	if _, ok := l.history[1]["usage/total_tokens"]; ok {
		t.Errorf("history row without usage has usage/total_tokens: %v", l.history[1])
	}
	if _, ok := l.history[1]["usage/elapsed_time"]; !ok {
		t.Error("history row without usage has no usage/elapsed_time")
	}
}

func TestCompletionAndEmbedding(t *testing.T) {
	isolate(t)
	api := newFakeAPI(t)
	run := startRun(t)
	client := goopenai.NewClientWithConfig(wbopenai.WrapConfig(api.config("key"), run))
	ctx := context.Background()

	c, err := client.CreateCompletion(ctx, goopenai.CompletionRequest{Model: "gpt-3.5-turbo-instruct", Prompt: "once upon a time"})
	if err != nil || c.Choices[0].Text != " and so on" {
		t.Fatalf("completion %+v, %v", c, err)
	}
	e, err := client.CreateEmbeddings(ctx, goopenai.EmbeddingRequestStrings{Input: []string{"a", "b"}, Model: goopenai.SmallEmbedding3})
	if err != nil || len(e.Data) != 2 {
		t.Fatalf("embeddings %+v, %v", e, err)
	}
	l := readRun(t, run)
	if len(l.stats) != 2 {
		t.Fatalf("%d stats rows", len(l.stats))
	}
	if s := l.stats[0]; s["endpoint"] != "completion" || s["response"] != " and so on" || s["total_tokens"] != float64(8) {
		t.Errorf("completion row %v", s)
	}
	if s := l.stats[1]; s["endpoint"] != "embedding" || s["response"] != "[2 embeddings of 3 dimensions]" ||
		s["prompt_tokens"] != float64(8) || s["completion_tokens"] != float64(0) || s["model"] != "text-embedding-3-small" {
		t.Errorf("embedding row %v", s)
	}
}

func TestErrorAnswersAreRows(t *testing.T) {
	isolate(t)
	api := newFakeAPI(t)
	run := startRun(t)
	ctx := context.Background()
	client := goopenai.NewClientWithConfig(wbopenai.WrapConfig(api.config("key"), run))
	_, err := client.CreateChatCompletion(ctx, chatRequest("no-such-model", "hi"))
	var apiErr *goopenai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 400 {
		t.Fatalf("400: client got %v", err)
	}
	bad := goopenai.NewClientWithConfig(wbopenai.WrapConfig(api.config("bad-key"), run))
	_, err = bad.CreateChatCompletion(ctx, chatRequest("gpt-4o", "hi"))
	var reqErr *goopenai.RequestError
	if !errors.As(err, &reqErr) || reqErr.HTTPStatusCode != 401 {
		t.Fatalf("401: client got %v", err)
	}
	// A stream refused with an error status is an error row too.
	req := chatRequest("no-such-model", "hi")
	req.Stream = true
	if _, err := client.CreateChatCompletionStream(ctx, req); !errors.As(err, &apiErr) {
		t.Fatalf("stream 400: client got %v", err)
	}

	l := readRun(t, run)
	if len(l.stats) != 3 {
		t.Fatalf("%d stats rows", len(l.stats))
	}
	wantErr := []string{
		"400 Bad Request: The model `no-such-model` does not exist",
		"401 Unauthorized: empty body",
		"400 Bad Request: The model `no-such-model` does not exist",
	}
	for i, s := range l.stats {
		if e, _ := s["error"].(string); !strings.HasPrefix(e, wantErr[i]) {
			t.Errorf("row %d error %q, want %q…", i, e, wantErr[i])
		}
		if s["response"] != nil || s["total_tokens"] != nil {
			t.Errorf("row %d: response %v tokens %v, want null", i, s["response"], s["total_tokens"])
		}
	}
	if l.stats[1]["status"] != float64(401) || l.stats[1]["model"] != "gpt-4o" {
		t.Errorf("401 row %v", l.stats[1])
	}
}

func TestRateLimitRetriesAreGrouped(t *testing.T) {
	isolate(t)
	api := newFakeAPI(t)
	run := startRun(t)
	rec := wbopenai.HTTPClient(run, nil)
	cfg := api.config("key")
	cfg.HTTPClient = rec
	client := goopenai.NewClientWithConfig(cfg)
	ctx := context.Background()

	// The caller's retry loop; go-openai does not retry by itself.
	call := func(ctx context.Context, prompt string) {
		t.Helper()
		for range 5 {
			_, err := client.CreateChatCompletion(ctx, chatRequest("busy", prompt))
			var apiErr *goopenai.APIError
			if errors.As(err, &apiErr) && apiErr.HTTPStatusCode == 429 {
				continue // a real loop would wait for Retry-After
			}
			if err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Fatal("still rate-limited")
	}
	api.Busy(2)
	call(ctx, "first")
	call(ctx, "first") // the same request again, after a success: a new call
	api.Busy(1)
	call(wbopenai.CallContext(ctx, "job-7"), "second")

	st := rec.Stats()
	if st.Calls != 3 || st.Attempts != 6 || st.Retries != 3 || st.Errors != 3 {
		t.Errorf("stats %+v", st)
	}
	l := readRun(t, run)
	if len(l.stats) != 6 {
		t.Fatalf("%d stats rows, want 6", len(l.stats))
	}
	type att struct {
		status, attempt float64
		retryAfter      any
	}
	want := []att{{429, 1, 2.0}, {429, 2, 2.0}, {200, 3, nil}, {200, 1, nil}, {429, 1, 2.0}, {200, 2, nil}}
	for i, s := range l.stats {
		got := att{s["status"].(float64), s["attempt"].(float64), s["retry_after"]}
		if !reflect.DeepEqual(got, want[i]) {
			t.Errorf("row %d: %+v, want %+v", i, got, want[i])
		}
	}
	id := l.stats[0]["call_id"]
	if l.stats[1]["call_id"] != id || l.stats[2]["call_id"] != id || l.stats[3]["call_id"] == id {
		t.Errorf("call ids %v %v %v %v", id, l.stats[1]["call_id"], l.stats[2]["call_id"], l.stats[3]["call_id"])
	}
	if l.stats[4]["call_id"] != "job-7" || l.stats[5]["call_id"] != "job-7" {
		t.Errorf("CallContext ids %v %v", l.stats[4]["call_id"], l.stats[5]["call_id"])
	}
	if e := l.stats[0]["error"].(string); !strings.Contains(e, "429 Too Many Requests: Rate limit reached") {
		t.Errorf("429 error %q", e)
	}
}

func TestRedactKeepsPromptsAndAnswersOut(t *testing.T) {
	isolate(t)
	api := newFakeAPI(t)
	run := startRun(t)
	client := goopenai.NewClientWithConfig(wbopenai.WrapConfig(api.config("key"), run, wbopenai.Redact(true)))
	ctx := context.Background()
	if _, err := client.CreateChatCompletion(ctx, chatRequest("gpt-4o", "my SECRET-PROMPT")); err != nil {
		t.Fatal(err)
	}
	req := chatRequest("gpt-4o", "my SECRET-PROMPT")
	req.Stream = true
	stream, err := client.CreateChatCompletionStream(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if text, _ := recvAll(t, stream); !strings.Contains(text, "SECRET-PROMPT") {
		t.Fatalf("the client itself must still see the answer: %q", text)
	}
	l := readRun(t, run)
	if len(l.stats) != 2 {
		t.Fatalf("%d rows", len(l.stats))
	}
	for i, s := range l.stats {
		if s["response"] != nil {
			t.Errorf("row %d response %v", i, s["response"])
		}
		var req map[string]any
		if err := json.Unmarshal([]byte(s["request"].(string)), &req); err != nil {
			t.Fatal(err)
		}
		if req["model"] != "gpt-4o" || req["temperature"] != 0.5 || req["messages"] != nil {
			t.Errorf("row %d request %v", i, req)
		}
		if s["total_tokens"] == nil && i == 0 {
			t.Errorf("row %d: usage must stay", i)
		}
	}
	// Nothing under the run directory holds the prompt or the answer.
	err = filepath.WalkDir(run.SyncDir(), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.Contains(string(b), "SECRET-PROMPT") || strings.Contains(string(b), "you said") {
			t.Errorf("%s holds the prompt or the answer", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The wrapped client answers exactly what a bare client answers.
func TestClientSeesTheSame(t *testing.T) {
	isolate(t)
	run := startRun(t)
	ctx := context.Background()
	type result struct {
		JSON string
		Err  string
	}
	do := func(client *goopenai.Client) []result {
		var out []result
		add := func(v any, err error) {
			b, _ := json.Marshal(v)
			r := result{JSON: string(b)}
			if err != nil {
				r.Err = err.Error()
			}
			out = append(out, r)
		}
		add(client.CreateChatCompletion(ctx, chatRequest("gpt-4o", "same?")))
		add(client.CreateChatCompletion(ctx, chatRequest("no-such-model", "same?")))
		add(client.CreateCompletion(ctx, goopenai.CompletionRequest{Model: "m", Prompt: "p"}))
		add(client.CreateEmbeddings(ctx, goopenai.EmbeddingRequestStrings{Input: []string{"x"}, Model: "e"}))
		req := chatRequest("gpt-4o", "same stream?")
		req.Stream = true
		req.StreamOptions = &goopenai.StreamOptions{IncludeUsage: true}
		stream, err := client.CreateChatCompletionStream(ctx, req)
		if err != nil {
			add(nil, err)
			return out
		}
		defer stream.Close()
		for {
			chunk, err := stream.Recv()
			if errors.Is(err, io.EOF) {
				break
			}
			add(chunk, err)
			if err != nil {
				break
			}
		}
		return out
	}
	bareAPI, wrappedAPI := newFakeAPI(t), newFakeAPI(t)
	bare := do(goopenai.NewClientWithConfig(bareAPI.config("key")))
	wrapped := do(goopenai.NewClientWithConfig(wbopenai.WrapConfig(wrappedAPI.config("key"), run)))
	if !reflect.DeepEqual(bare, wrapped) {
		t.Errorf("bare client:\n%v\nwrapped client:\n%v", bare, wrapped)
	}
	badBare := goopenai.NewClientWithConfig(bareAPI.config("bad-key"))
	badWrapped := goopenai.NewClientWithConfig(wbopenai.WrapConfig(wrappedAPI.config("bad-key"), run))
	_, e1 := badBare.CreateChatCompletion(ctx, chatRequest("gpt-4o", "x"))
	_, e2 := badWrapped.CreateChatCompletion(ctx, chatRequest("gpt-4o", "x"))
	if e1 == nil || e2 == nil || e1.Error() != e2.Error() || reflect.TypeOf(e1) != reflect.TypeOf(e2) {
		t.Errorf("401: bare %v, wrapped %v", e1, e2)
	}
}

func TestTableModes(t *testing.T) {
	for _, mode := range []wandb.TableLogMode{wandb.TableIncremental, wandb.TableMutable} {
		t.Run(string(mode), func(t *testing.T) {
			isolate(t)
			api := newFakeAPI(t)
			run := startRun(t)
			client := goopenai.NewClientWithConfig(wbopenai.WrapConfig(api.config("key"), run, wbopenai.TableMode(mode)))
			for i := range 3 {
				if _, err := client.CreateChatCompletion(context.Background(), chatRequest("gpt-4o", fmt.Sprint(i))); err != nil {
					t.Fatal(err)
				}
			}
			l := readRun(t, run)
			if len(l.history) != 3 {
				t.Fatalf("%d history rows", len(l.history))
			}
			// The table's rows are taken when the run log's writer writes
			// the step, so a step may hold rows of calls just after it; the
			// last step always holds them all.
			for i, h := range l.history {
				st := h["stats"].(map[string]any)
				if st["log_mode"] != string(mode) || num(st["increment_num"]) != float64(i) && mode == wandb.TableIncremental {
					t.Errorf("row %d stats %v", i, st)
				}
			}
			if last := l.history[2]["stats"].(map[string]any); num(last["nrows"]) != 3 {
				t.Errorf("last stats %v", last)
			}
			if mode == wandb.TableIncremental && len(l.stats) != 3 {
				t.Errorf("%d table rows in the increments, want 3", len(l.stats))
			}
		})
	}
}

func TestConcurrentCalls(t *testing.T) {
	isolate(t)
	api := newFakeAPI(t)
	run := startRun(t)
	rec := wbopenai.HTTPClient(run, nil)
	cfg := api.config("key")
	cfg.HTTPClient = rec
	client := goopenai.NewClientWithConfig(cfg)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 5 {
				req := chatRequest("gpt-4o", fmt.Sprint(g, i))
				if i%2 == 1 {
					req.Stream = true
					req.StreamOptions = &goopenai.StreamOptions{IncludeUsage: true}
					stream, err := client.CreateChatCompletionStream(context.Background(), req)
					if err != nil {
						t.Error(err)
						return
					}
					for {
						if _, err := stream.Recv(); err != nil {
							break
						}
					}
					stream.Close()
					continue
				}
				if _, err := client.CreateChatCompletion(context.Background(), req); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if st := rec.Stats(); st.Calls != 20 || st.UnknownUsage != 0 || st.Errors != 0 {
		t.Errorf("stats %+v", st)
	}
	if l := readRun(t, run); len(l.stats) != 20 || len(l.history) != 20 {
		t.Errorf("%d stats rows, %d history rows", len(l.stats), len(l.history))
	}
}

func TestNoRunOrOtherEndpointsPassThrough(t *testing.T) {
	isolate(t)
	api := newFakeAPI(t)
	rec := wbopenai.HTTPClient(nil, nil) // the default run at each call: none yet
	cfg := api.config("key")
	cfg.HTTPClient = rec
	client := goopenai.NewClientWithConfig(cfg)
	if _, err := client.CreateChatCompletion(context.Background(), chatRequest("gpt-4o", "x")); err != nil {
		t.Fatal(err)
	}
	if st := rec.Stats(); st.Attempts != 0 {
		t.Errorf("logged without a run: %+v", st)
	}
	run := startRun(t, wandb.WithReinit(wandb.ReinitFinishPrevious))
	if wandb.CurrentRun() != run {
		t.Skip("another run is the default run")
	}
	_, _ = client.ListModels(context.Background()) // GET /v1/models: not logged
	if _, err := client.CreateChatCompletion(context.Background(), chatRequest("gpt-4o", "y")); err != nil {
		t.Fatal(err)
	}
	if st := rec.Stats(); st.Attempts != 1 {
		t.Errorf("stats %+v, want the one chat call on the default run", st)
	}
	_ = run.Finish(0)
	// A finished run refuses the row; the call itself is untouched.
	rec2 := wbopenai.HTTPClient(run, nil)
	cfg.HTTPClient = rec2
	if _, err := goopenai.NewClientWithConfig(cfg).CreateChatCompletion(context.Background(), chatRequest("gpt-4o", "z")); err != nil {
		t.Fatal(err)
	}
	if st := rec2.Stats(); st.Dropped != 1 || !errors.Is(st.LastError, wandb.ErrRunFinished) {
		t.Errorf("after Finish: %+v", st)
	}
}

func TestNoAnswerIsARowAndItsRetryGrouped(t *testing.T) {
	isolate(t)
	api := startFakeAPI()
	url := api.URL
	api.Close() // nothing listens there any more
	run := startRun(t)
	rec := wbopenai.HTTPClient(run, nil)
	cfg := goopenai.DefaultConfig("key")
	cfg.BaseURL = url + "/v1"
	cfg.HTTPClient = rec
	client := goopenai.NewClientWithConfig(cfg)
	for range 2 {
		if _, err := client.CreateEmbeddings(context.Background(), goopenai.EmbeddingRequestStrings{Input: []string{"x"}, Model: "e"}); err == nil {
			t.Fatal("no error from a closed server")
		}
	}
	l := readRun(t, run)
	if len(l.stats) != 2 {
		t.Fatalf("%d rows", len(l.stats))
	}
	for i, s := range l.stats {
		if e, _ := s["error"].(string); s["status"] != float64(0) || !strings.Contains(e, "connect") || s["attempt"] != float64(i+1) {
			t.Errorf("row %d: %v", i, s)
		}
	}
	if l.stats[0]["call_id"] != l.stats[1]["call_id"] {
		t.Error("the second attempt is not grouped with the first")
	}
}

func TestStreamCutShortIsAnError(t *testing.T) {
	isolate(t)
	api := newFakeAPI(t)
	run := startRun(t)
	client := goopenai.NewClientWithConfig(wbopenai.WrapConfig(api.config("key"), run))
	req := chatRequest("cut-short", "hi")
	req.Stream = true
	stream, err := client.CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if text, _ := recvAll(t, stream); text != "you said" { // go-openai sees a normal end
		t.Fatalf("client got %q", text)
	}
	l := readRun(t, run)
	if len(l.stats) != 1 || l.stats[0]["error"] != "the stream ended without [DONE]" || l.stats[0]["response"] != "you said" {
		t.Errorf("rows %v", l.stats)
	}
}
