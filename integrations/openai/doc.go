// Package openai logs the calls a github.com/sashabaranov/go-openai client
// makes into a W&B run: the Go counterpart of W&B's OpenAI autolog
// (wandb-behaviour.md §9.3). Import it under another name, since go-openai
// is package openai too:
//
//	import (
//		goopenai "github.com/sashabaranov/go-openai"
//		wbopenai "github.com/gowandb/wandb/integrations/openai"
//	)
//
//	client := wbopenai.NewClient(token, run)                  // a new client, or
//	cfg = wbopenai.WrapConfig(cfg, run)                       // an existing config, or
//	cfg.HTTPClient = wbopenai.HTTPClient(run, cfg.HTTPClient) // the HTTP layer itself
//
// A nil run means the default run (wandb.CurrentRun()) at each call, so a
// client made before Init, or shared by successive runs, logs into the run
// of the moment.
//
// go-openai's one hook is ClientConfig.HTTPClient (an HTTPDoer), so the
// wrapping is at the HTTP level: a Recorder sits between the client and its
// HTTP client and sees every request body, status, header and response
// body. It does not change what the client sees: the request goes out as
// given, and the response body is handed through byte for byte while a copy
// is taken (teed) on the way. Streams (server-sent events) are passed
// through chunk by chunk as they arrive.
//
// # What is logged
//
// Every chat completion (POST …/chat/completions), completion
// (…/completions) and embedding (…/embeddings) request, streaming or not,
// successful or not, is one call: one row of a W&B Table plus scalars,
// logged with run.Log when the response body has been read to its end or
// closed (go-openai closes it when a call returns; a stream when
// stream.Close is called, usually deferred). Other endpoints pass through
// unlogged. A row's columns are W&B's autolog columns, then ours:
//
//	request            the JSON body sent (with Redact, only its parameters)
//	response           the model's text: the message content (tool calls
//	                   as JSON), assembled from the chunks for a stream; for
//	                   several choices a JSON array of their texts; for
//	                   embeddings "[N embeddings of D dimensions]"
//	model              the model that answered (else the one asked for)
//	start_time         when the request was sent
//	end_time           when the response body was read or closed
//	request_id         the x-request-id response header
//	api_type           OPEN_AI, AZURE, … (WrapConfig takes it from the config)
//	session_id         the run id
//	elapsed_time       end_time - start_time, in seconds
//	prompt_tokens, completion_tokens, total_tokens
//	                   from the response's usage; for a stream, from its
//	                   final chunk, which the API sends only when asked
//	                   (StreamOptions{IncludeUsage: true}); without it they
//	                   are null and the call counts in Stats.UnknownUsage
//	endpoint           chat, completion or embedding
//	stream             whether the answer was a stream
//	status             the HTTP status (0 when no answer came)
//	error              "" on success; else the status and the API's error
//	                   message ("429 Too Many Requests: Rate limit …"),
//	                   the transport error, an error event of a stream, or
//	                   "the stream ended without [DONE]"
//	call_id, attempt   the logical call and the attempt number (see Retries)
//	retry_after        a 429/503 answer's Retry-After, in seconds
//
// Each call's row is logged as W&B's autolog did (§9.3): run.Log of
// {"stats": a Table holding that call's row, "usage/elapsed_time",
// "usage/prompt_tokens", "usage/completion_tokens", "usage/total_tokens"}
// (token scalars only when known), one committed step per call, with the
// four usage metrics defined against "_timestamp" (DefineMetric with
// wandb.StepMetric("_timestamp")) before the first call is logged. W&B
// logged one row per choice; here a call is one row, its choices together
// in response. The per-call table costs the same whatever the number of
// calls before it. TableMode(wandb.TableIncremental) logs one growing table
// instead, each call logging the rows added since the last (W&B's
// incremental tables, shown whole in the UI; each step lists the paths of
// all earlier increments, as W&B's format does), and
// TableMode(wandb.TableMutable) re-logs the whole table each call (its
// cost grows with the table; W&B keeps at most 10,000 rows per file). A
// shared table's rows are taken when the run log's writer writes the step,
// so with calls in parallel a step may also hold rows of calls that ended
// just after it; the last step holds them all.
//
// One committed step per call is W&B's behaviour too: a row the program was
// accumulating with Commit(false) is committed with the call's. Plot the
// usage metrics against _timestamp, as they are defined.
//
// # Retries
//
// go-openai does not retry. Each HTTP request is recorded as an attempt.
// Attempts of one logical call share a call_id and count up in attempt: a
// request sent with a context from CallContext carries the caller's id;
// otherwise a request whose endpoint and body equal those of an attempt
// that just failed with a retryable answer (429, 408, 409, 5xx or no
// answer) is taken as its retry. Stats counts both.
//
// # Redaction
//
// Redact(true) keeps prompts and answers out of the run: request holds
// only the request's parameters (model, temperature, max_tokens, …, never
// messages, prompt, input, tools or user), response is null. Error
// messages are kept. Headers, the API key included, are never recorded.
//
// # What is tested here
//
// The real OpenAI API cannot be reached from where this package is built
// and tested. The tests run the real go-openai client against a local
// httptest server that speaks the same protocol: JSON answers, server-sent
// event streams with a usage chunk, OpenAI error bodies, a 401 with an
// empty body and 429 rate-limit answers with Retry-After.
package openai
