package runfilter

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseExpr compiles a text filter expression:
//
//	expr       = term { ("or" | "||") term }
//	term       = unary { ("and" | "&&") unary }
//	unary      = ("not" | "!") unary | "(" expr ")" | comparison
//	comparison = key op value | key ["not"] "in" "(" value {"," value} ")"
//	           | key ["not"] "contains" value | key ["not"] "exists"
//	op         = "=" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "~" | "!~"
//	value      = number | "quoted" | 'quoted' | word | true | false | null
//
// Keywords are case-insensitive. "~" matches a regular expression (RE2),
// "contains" a list element or a substring. A word value is a string
// (finished, 2024-01-01); a number-looking word is a number. Blank input
// matches every run. Errors are *Error with the column of the problem.
func ParseExpr(src string, opts ...Option) (*Filter, error) {
	o := buildOptions(opts)
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	if p.peek().kind == tEOF {
		return &Filter{root: andNode{}, cache: o.cache}, nil
	}
	n, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.errf(t, "unexpected %s after a complete expression (join conditions with and/or)", t.describe())
	}
	return &Filter{root: n, cache: o.cache}, nil
}

// Parse compiles s as Mongo-style JSON when it starts with "{" or "[",
// else as an expression.
func Parse(s string, opts ...Option) (*Filter, error) {
	if t := strings.TrimSpace(s); strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
		return ParseMongo([]byte(s), opts...)
	}
	return ParseExpr(s, opts...)
}

type tokKind int

const (
	tEOF tokKind = iota
	tWord
	tString
	tOp     // = == != < <= > >= ~ !~ && || !
	tLParen // (
	tRParen // )
	tComma
)

type token struct {
	kind tokKind
	text string // word, unquoted string or operator
	pos  int    // 1-based column
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of input"
	case tString:
		return strconv.Quote(t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

// keyword reports whether t is the (case-insensitive) bare word kw.
func (t token) keyword(kw string) bool { return t.kind == tWord && strings.EqualFold(t.text, kw) }

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte("_.-:+/@", c) >= 0 || c >= 0x80
}

func lex(src string) ([]token, error) {
	var toks []token
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			toks = append(toks, token{tLParen, "(", i + 1})
			i++
		case c == ')':
			toks = append(toks, token{tRParen, ")", i + 1})
			i++
		case c == ',':
			toks = append(toks, token{tComma, ",", i + 1})
			i++
		case c == '"' || c == '\'':
			s, n, err := lexString(src[i:], i+1)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{tString, s, i + 1})
			i += n
		case strings.IndexByte("=!<>~&|", c) >= 0:
			op := string(c)
			if i+1 < len(src) {
				two := src[i : i+2]
				switch two {
				case "==", "!=", "<=", ">=", "!~", "&&", "||":
					op = two
				}
			}
			if op == "&" || op == "|" {
				return nil, &Error{Pos: i + 1, Msg: fmt.Sprintf("unexpected %q (did you mean %q?)", op, op+op)}
			}
			toks = append(toks, token{tOp, op, i + 1})
			i += len(op)
		case isWordByte(c):
			j := i
			for j < len(src) && isWordByte(src[j]) {
				j++
			}
			w := src[i:j]
			if !utf8.ValidString(w) {
				return nil, &Error{Pos: i + 1, Msg: "invalid UTF-8"}
			}
			toks = append(toks, token{tWord, w, i + 1})
			i = j
		default:
			r, _ := utf8.DecodeRuneInString(src[i:])
			return nil, &Error{Pos: i + 1, Msg: fmt.Sprintf("unexpected character %q", r)}
		}
	}
	return append(toks, token{tEOF, "", len(src) + 1}), nil
}

// lexString reads a quoted string at the start of s ('...' or "...",
// backslash escapes \\ \" \' \n \t); pos is its column. It returns the
// text and the bytes consumed.
func lexString(s string, pos int) (string, int, error) {
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == q:
			if !utf8.ValidString(b.String()) {
				return "", 0, &Error{Pos: pos, Msg: "invalid UTF-8 in string"}
			}
			return b.String(), i + 1, nil
		case c == '\\':
			if i+1 >= len(s) {
				return "", 0, &Error{Pos: pos + i, Msg: "unterminated string (a \\ at the end of input)"}
			}
			i++
			switch e := s[i]; e {
			case '\\', '"', '\'':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				// Kept as is so that regular expressions read naturally: "\d+".
				b.WriteByte('\\')
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, &Error{Pos: pos, Msg: fmt.Sprintf("unterminated string starting with %c", q)}
}

type parser struct {
	toks []token
	i    int
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) errf(t token, format string, args ...any) error {
	return &Error{Pos: t.pos, Msg: fmt.Sprintf(format, args...)}
}

// maxDepth bounds nesting (parentheses and "not"), so that hostile input
// cannot exhaust the stack.
const maxDepth = 200

func (p *parser) parseOr() (node, error) {
	return p.parseOrDepth(0)
}

func (p *parser) parseOrDepth(depth int) (node, error) {
	left, err := p.parseAnd(depth)
	if err != nil {
		return nil, err
	}
	parts := orNode{left}
	for t := p.peek(); t.keyword("or") || (t.kind == tOp && t.text == "||"); t = p.peek() {
		p.next()
		right, err := p.parseAnd(depth)
		if err != nil {
			return nil, err
		}
		parts = append(parts, right)
	}
	if len(parts) == 1 {
		return left, nil
	}
	return parts, nil
}

func (p *parser) parseAnd(depth int) (node, error) {
	left, err := p.parseUnary(depth)
	if err != nil {
		return nil, err
	}
	parts := andNode{left}
	for t := p.peek(); t.keyword("and") || (t.kind == tOp && t.text == "&&"); t = p.peek() {
		p.next()
		right, err := p.parseUnary(depth)
		if err != nil {
			return nil, err
		}
		parts = append(parts, right)
	}
	if len(parts) == 1 {
		return left, nil
	}
	return parts, nil
}

func (p *parser) parseUnary(depth int) (node, error) {
	t := p.peek()
	if depth > maxDepth {
		return nil, p.errf(t, "expression nested more than %d deep", maxDepth)
	}
	switch {
	case t.keyword("not") || (t.kind == tOp && t.text == "!"):
		p.next()
		n, err := p.parseUnary(depth + 1)
		if err != nil {
			return nil, err
		}
		return norNode{n}, nil
	case t.kind == tLParen:
		p.next()
		n, err := p.parseOrDepth(depth + 1)
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tRParen {
			return nil, p.errf(c, "expected \")\" to close the \"(\" at column %d, got %s", t.pos, c.describe())
		}
		return n, nil
	}
	return p.parseComparison()
}

var reservedWords = []string{"and", "or", "not", "in", "contains", "exists"}

func (p *parser) parseComparison() (node, error) {
	kt := p.next()
	if kt.kind != tWord {
		return nil, p.errf(kt, "expected a key (config.X, summary.X, state, tags, ...), got %s", kt.describe())
	}
	for _, r := range reservedWords {
		if kt.keyword(r) {
			return nil, p.errf(kt, "expected a key (config.X, summary.X, state, tags, ...), got the keyword %q", kt.text)
		}
	}
	f, ok := resolveField(kt.text, true)
	if !ok {
		return nil, p.errf(kt, "unknown key %q (want config.X, summary.X, state, tags, group, job_type, notes, name, id, created_at, heartbeat_at, updated_at, entity, project, history_line_count)", kt.text)
	}
	ot := p.next()
	negate := false
	if ot.keyword("not") {
		negate = true
		ot = p.next()
		if !ot.keyword("in") && !ot.keyword("contains") && !ot.keyword("exists") {
			return nil, p.errf(ot, "expected in, contains or exists after \"not\", got %s", ot.describe())
		}
	}
	var n node
	switch {
	case ot.keyword("exists"):
		return newCmp(f, opExists, !negate), nil
	case ot.keyword("in"):
		l, err := p.parseList()
		if err != nil {
			return nil, err
		}
		o := opIn
		if negate {
			o = opNin
		}
		c := newCmp(f, o, nil)
		c.list = l
		return c, nil
	case ot.keyword("contains"):
		v, err := p.parseValue(ot)
		if err != nil {
			return nil, err
		}
		n = newCmp(f, opContains, v)
		if negate {
			n = norNode{n}
		}
		return n, nil
	case ot.kind == tOp:
		ops := map[string]op{"=": opEq, "==": opEq, "!=": opNe, "<": opLt, "<=": opLte, ">": opGt, ">=": opGte}
		if o, ok := ops[ot.text]; ok {
			vt := p.peek()
			v, err := p.parseValue(ot)
			if err != nil {
				return nil, err
			}
			if o != opEq && o != opNe && v == nil {
				return nil, p.errf(vt, "%s needs a value that can be ordered, not null", ot.text)
			}
			return newCmp(f, o, v), nil
		}
		if ot.text == "~" || ot.text == "!~" {
			vt := p.peek()
			v, err := p.parseValue(ot)
			if err != nil {
				return nil, err
			}
			s, ok := v.(string)
			if !ok {
				s = vt.text
			}
			c, err := newRegex(f, s, "")
			if err != nil {
				return nil, p.errf(vt, "%v", err)
			}
			if ot.text == "!~" {
				return norNode{c}, nil
			}
			return c, nil
		}
	}
	return nil, p.errf(ot, "expected an operator (=, !=, <, <=, >, >=, ~, !~, in, contains, exists) after %q, got %s", kt.text, ot.describe())
}

// parseValue reads one value after the operator token after.
func (p *parser) parseValue(after token) (any, error) {
	t := p.next()
	switch t.kind {
	case tString:
		return t.text, nil
	case tWord:
		switch strings.ToLower(t.text) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "null":
			return nil, nil
		}
		for _, r := range []string{"and", "or", "not"} {
			if t.keyword(r) {
				return nil, p.errf(t, "expected a value after %q, got the keyword %q (quote it to mean the word)", after.text, t.text)
			}
		}
		return wordValue(t.text), nil
	}
	return nil, p.errf(t, "expected a value after %q, got %s", after.text, t.describe())
}

// wordValue is an unquoted word: an integer, a float, or a string.
func wordValue(w string) any {
	if i, err := strconv.ParseInt(w, 10, 64); err == nil {
		return i
	}
	if c := w[0]; c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' {
		if f, err := strconv.ParseFloat(w, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
	}
	return w
}

func (p *parser) parseList() ([]any, error) {
	open := p.next()
	if open.kind != tLParen {
		return nil, p.errf(open, "expected \"(\" to start the list after in, got %s", open.describe())
	}
	var l []any
	for {
		v, err := p.parseValue(open)
		if err != nil {
			return nil, err
		}
		l = append(l, v)
		switch t := p.next(); t.kind {
		case tComma:
			continue
		case tRParen:
			return l, nil
		default:
			return nil, p.errf(t, "expected \",\" or \")\" in the list started at column %d, got %s", open.pos, t.describe())
		}
	}
}
