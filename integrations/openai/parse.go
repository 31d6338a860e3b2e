package openai

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// The JSON of the OpenAI API, as far as the stats need it.

type usageJSON struct {
	PromptTokens     int64 `json:"prompt_tokens"`
	CompletionTokens int64 `json:"completion_tokens"`
	TotalTokens      int64 `json:"total_tokens"`
}

type errorJSON struct {
	Message json.RawMessage `json:"message"` // a string, or a list of them
	Type    string          `json:"type"`
}

func (e *errorJSON) text() string {
	var s string
	if json.Unmarshal(e.Message, &s) != nil {
		var list []string
		if json.Unmarshal(e.Message, &list) == nil {
			s = strings.Join(list, ", ")
		}
	}
	if s == "" {
		s = e.Type
	}
	if s == "" {
		s = "an error without a message"
	}
	return s
}

type toolCallJSON struct {
	Index    int    `json:"index"`
	ID       string `json:"id,omitempty"`
	Type     string `json:"type,omitempty"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

type messageJSON struct {
	Content   *string        `json:"content"`
	Refusal   string         `json:"refusal"`
	ToolCalls []toolCallJSON `json:"tool_calls"`
}

type responseJSON struct {
	Model   string `json:"model"`
	Choices []struct {
		Index   int          `json:"index"`
		Message *messageJSON `json:"message"`
		Delta   *messageJSON `json:"delta"`
		Text    *string      `json:"text"`
	} `json:"choices"`
	Data []struct {
		Embedding json.RawMessage `json:"embedding"`
	} `json:"data"`
	Usage *usageJSON `json:"usage"`
	Error *errorJSON `json:"error"`
}

// requestModel is the model a request body asks for.
func requestModel(body []byte) string {
	var req struct {
		Model string `json:"model"`
	}
	_ = json.Unmarshal(body, &req)
	return req.Model
}

// maxRequestCell bounds the request text kept in the table.
const maxRequestCell = 1 << 20

// redactKeep are the request fields Redact keeps: parameters, never
// content (messages, prompt, input, tools, user, stop, …).
var redactKeep = []string{
	"dimensions", "encoding_format", "frequency_penalty", "logprobs", "max_completion_tokens",
	"max_tokens", "model", "n", "parallel_tool_calls", "presence_penalty", "reasoning_effort",
	"seed", "service_tier", "stream", "stream_options", "temperature", "top_logprobs", "top_p",
}

// requestCell is the request column: the body, or with Redact its
// parameters only.
func (r *Recorder) requestCell(body []byte) string {
	if r.cfg.redact {
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) != nil {
			return "{}"
		}
		for k := range m {
			if !slices.Contains(redactKeep, k) {
				delete(m, k)
			}
		}
		b, err := json.Marshal(m)
		if err != nil {
			return "{}"
		}
		return string(b)
	}
	return cellText(body, maxRequestCell)
}

// cellText is b as valid UTF-8, cut to at most max bytes.
func cellText(b []byte, max int) string {
	s := string(b)
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = fmt.Sprintf("%s…[%d more bytes]", s[:cut], len(s)-cut)
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// parseResponse reads a whole JSON answer.
func parseResponse(endpoint string, body []byte) outcome {
	var o outcome
	var resp responseJSON
	if err := json.Unmarshal(body, &resp); err != nil {
		return o
	}
	o.model, o.usage = resp.Model, resp.Usage
	if resp.Error != nil {
		o.errMsg = resp.Error.text()
		return o
	}
	if endpoint == "embedding" {
		dims := 0
		if len(resp.Data) > 0 {
			dims = countJSONList(resp.Data[0].Embedding)
		}
		o.response = fmt.Sprintf("[%d embeddings of %d dimensions]", len(resp.Data), dims)
		return o
	}
	texts := make([]string, 0, len(resp.Choices))
	for _, ch := range resp.Choices {
		switch {
		case ch.Message != nil:
			texts = append(texts, messageText(ch.Message.Content, ch.Message.Refusal, ch.Message.ToolCalls))
		case ch.Text != nil:
			texts = append(texts, *ch.Text)
		default:
			texts = append(texts, "")
		}
	}
	o.response = choicesCell(texts)
	return o
}

// countJSONList counts the elements of a JSON list of numbers (a base64
// string counts as 0).
func countJSONList(raw json.RawMessage) int {
	raw = bytes.TrimSpace(raw)
	if len(raw) < 2 || raw[0] != '[' {
		return 0
	}
	if len(bytes.TrimSpace(raw[1:len(raw)-1])) == 0 {
		return 0
	}
	return bytes.Count(raw, []byte{','}) + 1
}

// messageText is a message's text, its refusal, and its tool calls as JSON.
func messageText(content *string, refusal string, tools []toolCallJSON) string {
	s := ""
	if content != nil {
		s = *content
	}
	if s == "" {
		s = refusal
	}
	if len(tools) > 0 {
		type call struct {
			Name      string `json:"name"`
			Arguments string `json:"arguments"`
		}
		calls := make([]call, len(tools))
		for i, t := range tools {
			calls[i] = call{t.Function.Name, t.Function.Arguments}
		}
		b, _ := json.Marshal(map[string]any{"tool_calls": calls})
		if s != "" {
			s += "\n"
		}
		s += string(b)
	}
	return s
}

// choicesCell is the response column for the choices' texts.
func choicesCell(texts []string) any {
	switch len(texts) {
	case 0:
		return nil
	case 1:
		return strings.ToValidUTF8(texts[0], "\uFFFD")
	}
	b, _ := json.Marshal(texts)
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// sseAssembler reads a server-sent event stream as it passes and
// assembles the choices' texts, the model and the final usage.
type sseAssembler struct {
	max     int
	line    []byte // an unfinished line
	skip    bool   // the unfinished line is over max and is skipped
	model   string
	usage   *usageJSON
	errMsg  string
	done    bool   // [DONE] was seen
	other   []byte // non-event lines: an error body sent without framing
	choices []*choiceAcc
}

type choiceAcc struct {
	index int
	text  strings.Builder
	tools []toolCallJSON
}

func (a *sseAssembler) write(p []byte) {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			if !a.skip {
				a.line = append(a.line, p...)
				if len(a.line) > a.max {
					a.line, a.skip = a.line[:0], true
				}
			}
			return
		}
		switch {
		case a.skip:
			a.skip = false
		case len(a.line) > 0:
			a.line = append(a.line, p[:i]...)
			a.handle(a.line)
		default:
			a.handle(p[:i])
		}
		a.line = a.line[:0]
		p = p[i+1:]
	}
}

func (a *sseAssembler) handle(line []byte) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] == ':' {
		return
	}
	data, ok := bytes.CutPrefix(line, []byte("data:"))
	if !ok {
		for _, f := range []string{"event:", "id:", "retry:"} {
			if bytes.HasPrefix(line, []byte(f)) {
				return
			}
		}
		if len(a.other) < 64<<10 {
			a.other = append(a.other, line...)
		}
		return
	}
	data = bytes.TrimSpace(data)
	if string(data) == "[DONE]" {
		a.done = true
		return
	}
	var ch responseJSON
	if json.Unmarshal(data, &ch) != nil {
		return
	}
	if ch.Error != nil {
		a.errMsg = ch.Error.text()
	}
	if ch.Model != "" {
		a.model = ch.Model
	}
	if ch.Usage != nil {
		a.usage = ch.Usage
	}
	for _, c := range ch.Choices {
		acc := a.choice(c.Index)
		switch {
		case c.Delta != nil:
			if c.Delta.Content != nil {
				acc.text.WriteString(*c.Delta.Content)
			}
			for _, t := range c.Delta.ToolCalls {
				acc.addTool(t)
			}
		case c.Text != nil:
			acc.text.WriteString(*c.Text)
		}
	}
}

func (a *sseAssembler) choice(index int) *choiceAcc {
	for _, c := range a.choices {
		if c.index == index {
			return c
		}
	}
	c := &choiceAcc{index: index}
	a.choices = append(a.choices, c)
	return c
}

// addTool merges a tool-call delta: the first names the call, later ones
// add to its arguments.
func (c *choiceAcc) addTool(t toolCallJSON) {
	for i := range c.tools {
		if c.tools[i].Index == t.Index {
			c.tools[i].Function.Arguments += t.Function.Arguments
			if t.Function.Name != "" {
				c.tools[i].Function.Name = t.Function.Name
			}
			return
		}
	}
	c.tools = append(c.tools, t)
}

func (a *sseAssembler) outcome() outcome {
	if len(a.line) > 0 && !a.skip {
		a.handle(a.line)
		a.line = a.line[:0]
	}
	o := outcome{model: a.model, usage: a.usage, errMsg: a.errMsg}
	if o.errMsg == "" && len(a.other) > 0 {
		var e responseJSON
		if json.Unmarshal(a.other, &e) == nil && e.Error != nil {
			o.errMsg = e.Error.text()
		}
	}
	slices.SortFunc(a.choices, func(x, y *choiceAcc) int { return x.index - y.index })
	texts := make([]string, len(a.choices))
	for i, c := range a.choices {
		s := c.text.String()
		texts[i] = messageText(&s, "", c.tools)
	}
	o.response = choicesCell(texts)
	return o
}
