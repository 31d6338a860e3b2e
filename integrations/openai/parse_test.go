package openai

import (
	"reflect"
	"strings"
	"testing"
)

const sampleStream = "data: {\"id\":\"c\",\"model\":\"gpt-4o-0613\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n" +
	"data: {\"model\":\"gpt-4o-0613\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Héllo\"}},{\"index\":1,\"delta\":{\"content\":\"Hi\"}}]}\r\n\r\n" +
	": keep-alive comment\n" +
	"event: message\n" +
	"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\", world\"}},{\"index\":1,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"t1\",\"type\":\"function\",\"function\":{\"name\":\"add\",\"arguments\":\"{\\\"a\\\":\"}}]}}]}\n\n" +
	"data: {\"choices\":[{\"index\":1,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"1}\"}}]}}]}\n\n" +
	"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,\"total_tokens\":7}}\n\n" +
	"data: [DONE]\n\n"

func assemble(parts ...string) outcome {
	a := &sseAssembler{max: 1 << 20}
	for _, p := range parts {
		a.write([]byte(p))
	}
	return a.outcome()
}

func TestSSEAssembly(t *testing.T) {
	o := assemble(sampleStream)
	want := `["Héllo, world","Hi\n{\"tool_calls\":[{\"name\":\"add\",\"arguments\":\"{\\\"a\\\":1}\"}]}"]`
	if o.response != want {
		t.Errorf("response %v\nwant     %v", o.response, want)
	}
	if o.model != "gpt-4o-0613" || o.usage == nil || *o.usage != (usageJSON{3, 4, 7}) || o.errMsg != "" {
		t.Errorf("outcome %+v", o)
	}
	// Any split of the stream into reads gives the same outcome.
	for i := range len(sampleStream) + 1 {
		if got := assemble(sampleStream[:i], sampleStream[i:]); !reflect.DeepEqual(got, o) {
			t.Fatalf("split at %d: %+v", i, got)
		}
	}
	// One byte per read.
	parts := strings.Split(sampleStream, "")
	if got := assemble(parts...); !reflect.DeepEqual(got, o) {
		t.Fatalf("byte by byte: %+v", got)
	}
}

func TestSSEErrors(t *testing.T) {
	tests := []struct{ name, stream, want string }{
		{"error event", "data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}\n\n", "overloaded"},
		{"unframed error body", "{\"error\": {\n \"message\": [\"bad\", \"worse\"],\n \"type\": \"x\"}}\n", "bad, worse"},
		{"no message", "data: {\"error\":{\"type\":\"server_error\"}}\n", "server_error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if o := assemble(tt.stream); o.errMsg != tt.want {
				t.Errorf("error %q, want %q", o.errMsg, tt.want)
			}
		})
	}
}

func TestSSELineOverMaxIsSkipped(t *testing.T) {
	a := &sseAssembler{max: 64}
	a.write([]byte("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + strings.Repeat("x", 100)))
	a.write([]byte("\"}}]}\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"}}]}\n"))
	if o := a.outcome(); o.response != "ok" {
		t.Errorf("response %v", o.response)
	}
}

func TestParseResponse(t *testing.T) {
	tests := []struct {
		name, endpoint, body string
		want                 outcome
	}{
		{"chat", "chat", `{"model":"m","choices":[{"message":{"content":"hi"}}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}`,
			outcome{model: "m", response: "hi", usage: &usageJSON{1, 2, 3}}},
		{"refusal", "chat", `{"choices":[{"message":{"content":null,"refusal":"no"}}]}`, outcome{response: "no"}},
		{"two choices", "completion", `{"choices":[{"text":"a"},{"text":"b"}]}`, outcome{response: `["a","b"]`}},
		{"base64 embedding", "embedding", `{"data":[{"embedding":"AAAA"}]}`, outcome{response: "[1 embeddings of 0 dimensions]"}},
		{"error", "chat", `{"error":{"message":"nope","type":"t"}}`, outcome{errMsg: "nope"}},
		{"not json", "chat", `<html>`, outcome{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseResponse(tt.endpoint, []byte(tt.body)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestCellText(t *testing.T) {
	if got := cellText([]byte("héllo"), 2); got != "h…[5 more bytes]" {
		t.Errorf("cut in a rune: %q", got)
	}
	if got := cellText([]byte{'a', 0xff}, 10); got != "a\uFFFD" {
		t.Errorf("invalid UTF-8: %q", got)
	}
}

func FuzzSSEAssembler(f *testing.F) {
	f.Add(sampleStream, 10)
	f.Add("data: {\"error\":{\"message\":\"x\"}}\n", 3)
	f.Fuzz(func(t *testing.T, stream string, split int) {
		whole := assemble(stream)
		if split < 0 || split > len(stream) {
			return
		}
		if got := assemble(stream[:split], stream[split:]); !reflect.DeepEqual(got, whole) {
			t.Fatalf("split at %d changes the outcome: %+v vs %+v", split, got, whole)
		}
	})
}
