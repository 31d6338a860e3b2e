package store

import (
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// maxDepth is encoding/json's nesting limit, kept so that the scanner
// accepts what wjson.Decode accepts.
const maxDepth = 10000

// ParsedLine is a history line's step and numeric points (see
// [ParseHistoryLine]).
type ParsedLine struct {
	Step   int64
	Points []Point
}

// ParseHistoryLine scans a history line (a JSON object; W&B's bare NaN,
// Infinity and -Infinity tokens allowed) and returns its step (_step, or
// offset when the line has no integer _step) and its finite numeric values,
// nested keys flattened with "." and sorted by key. Booleans, strings,
// arrays, null, NaN, ±Inf and media objects (objects with a "_type" key)
// are not points; "_step" is not a point since it is the step. A key given
// twice keeps its last value, as a JSON decoder into a map does. ErrInvalid
// if the line is not a single JSON object.
//
// It is a single-pass scanner that builds no intermediate map: top-level
// keys are substrings of line (no copy), numbers are parsed in place. It
// agrees with decoding the line with core/wjson and flattening the map
// (FuzzParseHistoryLineMatchesDecode checks it).
func ParseHistoryLine(line string, offset int) (int64, []Point, error) {
	var sc lineScanner
	step, lo, err := sc.scan(line, offset)
	if err != nil {
		return 0, nil, err
	}
	return step, sc.pts[lo:], nil
}

// ParseHistoryLines parses a batch of lines sent at offset, split over the
// CPUs when it is large. The points of all lines share one backing array.
// The first bad line, in order, fails the batch with ErrInvalid.
func ParseHistoryLines(lines []string, offset int) ([]ParsedLine, error) {
	parsed := make([]ParsedLine, len(lines))
	parse := func(lo, hi int) error {
		var sc lineScanner
		sc.pts = make([]Point, 0, (hi-lo)*16)
		for i := lo; i < hi; i++ {
			step, from, err := sc.scan(lines[i], offset+i)
			if err != nil {
				return err
			}
			parsed[i] = ParsedLine{step, sc.pts[from:len(sc.pts):len(sc.pts)]}
		}
		return nil
	}
	workers := min(runtime.GOMAXPROCS(0), len(lines)/512)
	if workers <= 1 {
		return parsed, parse(0, len(lines))
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	per := (len(lines) + workers - 1) / workers
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = parse(w*per, min((w+1)*per, len(lines)))
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return parsed, nil
}

// lineScanner scans one line at a time; its buffers are reused.
type lineScanner struct {
	s       string
	i       int
	offset  int
	pts     []Point
	members []member // per-object member spans, used as a stack
}

// member is one key of an object and the span of pts its value produced.
type member struct {
	key    string
	lo, hi int
}

// scan appends the line's points to sc.pts, sorted, and returns the step
// and where they start.
func (sc *lineScanner) scan(line string, offset int) (int64, int, error) {
	sc.s, sc.i, sc.offset = line, 0, offset
	lo := len(sc.pts)
	sc.ws()
	if sc.i >= len(sc.s) || sc.s[sc.i] != '{' {
		sc.pts = sc.pts[:lo]
		if sc.i >= len(sc.s) {
			return 0, 0, sc.errorf("is empty, not a JSON object")
		}
		return 0, 0, sc.errorf("is not a JSON object")
	}
	step, hasStep := int64(offset), false
	if _, err := sc.object("", 1, &step, &hasStep); err != nil {
		sc.pts = sc.pts[:lo]
		return 0, 0, err
	}
	sc.ws()
	if sc.i != len(sc.s) {
		sc.pts = sc.pts[:lo]
		return 0, 0, sc.errorf("has data after the object at byte %d", sc.i)
	}
	if !hasStep {
		step = int64(offset)
	}
	slices.SortFunc(sc.pts[lo:], func(a, b Point) int { return strings.Compare(a.Key, b.Key) })
	return step, lo, nil
}

func (sc *lineScanner) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: history line %d "+format, append([]any{ErrInvalid, sc.offset}, args...)...)
}

func (sc *lineScanner) syntax(what string) error {
	if sc.i >= len(sc.s) {
		return sc.errorf("is truncated: %s expected at the end", what)
	}
	return sc.errorf("has %q at byte %d where %s was expected", sc.s[sc.i], sc.i, what)
}

func (sc *lineScanner) ws() {
	for sc.i < len(sc.s) {
		switch sc.s[sc.i] {
		case ' ', '\t', '\n', '\r':
			sc.i++
		default:
			return
		}
	}
}

// object scans the object at sc.i ('{'), appending the points of its
// values with keys prefixed by prefix. At the top level (step non-nil)
// "_step" gives the step instead of a point. It reports whether the object
// has a "_type" key (a media object, whose points the caller drops).
func (sc *lineScanner) object(prefix string, depth int, step *int64, hasStep *bool) (media bool, err error) {
	if depth > maxDepth {
		return false, sc.errorf("nests deeper than %d", maxDepth)
	}
	sc.i++ // '{'
	start, base := len(sc.pts), len(sc.members)
	defer func() { sc.members = sc.members[:base] }()
	sc.ws()
	if sc.i < len(sc.s) && sc.s[sc.i] == '}' {
		sc.i++
		return false, nil
	}
	for {
		sc.ws()
		if sc.i >= len(sc.s) || sc.s[sc.i] != '"' {
			return false, sc.syntax("a key")
		}
		key, err := sc.key()
		if err != nil {
			return false, err
		}
		sc.ws()
		if sc.i >= len(sc.s) || sc.s[sc.i] != ':' {
			return false, sc.syntax("':'")
		}
		sc.i++
		sc.ws()
		// As the map flattening did: an empty prefix (the top level, or
		// under the key "") adds no ".", and "_step" there is no point.
		noPoint := prefix == "" && key == "_step"
		isStep := step != nil && key == "_step"
		if key == "_type" {
			media = true
		}
		full := key
		if prefix != "" {
			full = prefix + "." + key
		}
		lo := len(sc.pts)
		if err := sc.value(full, depth, isStep, step, hasStep); err != nil {
			return false, err
		}
		if noPoint {
			sc.pts = sc.pts[:lo] // _step's own points, if an object, are dropped
		}
		sc.members = append(sc.members, member{key, lo, len(sc.pts)})
		sc.ws()
		if sc.i >= len(sc.s) {
			return false, sc.syntax("',' or '}'")
		}
		switch sc.s[sc.i] {
		case ',':
			sc.i++
			continue
		case '}':
			sc.i++
			sc.dedupe(start, base)
			return media, nil
		}
		return false, sc.syntax("',' or '}'")
	}
}

// dedupe keeps, for a key given more than once in the object whose
// members start at base, only the points of its last occurrence.
func (sc *lineScanner) dedupe(start, base int) {
	ms := sc.members[base:]
	dup := false
	if len(ms) <= 32 {
		for i := 1; i < len(ms) && !dup; i++ {
			for j := 0; j < i; j++ {
				if ms[i].key == ms[j].key {
					dup = true
					break
				}
			}
		}
	} else {
		seen := make(map[string]struct{}, len(ms))
		for _, m := range ms {
			if _, ok := seen[m.key]; ok {
				dup = true
				break
			}
			seen[m.key] = struct{}{}
		}
	}
	if !dup {
		return
	}
	last := make(map[string]int, len(ms))
	for i, m := range ms {
		last[m.key] = i
	}
	w := start
	for i, m := range ms {
		if last[m.key] != i {
			continue
		}
		w += copy(sc.pts[w:], sc.pts[m.lo:m.hi])
	}
	clear(sc.pts[w:])
	sc.pts = sc.pts[:w]
}

// key scans a string at sc.i and returns it decoded. A key of plain ASCII
// without escapes is a substring of the line (no copy).
func (sc *lineScanner) key() (string, error) {
	lo := sc.i
	plain, err := sc.str()
	if err != nil {
		return "", err
	}
	if plain {
		return sc.s[lo+1 : sc.i-1], nil
	}
	var k string
	if err := json.Unmarshal([]byte(sc.s[lo:sc.i]), &k); err != nil {
		return "", sc.errorf("has a bad key at byte %d: %v", lo, err)
	}
	return k, nil
}

// str skips the string at sc.i, validating it as encoding/json does, and
// reports whether it is plain (ASCII, no escapes).
func (sc *lineScanner) str() (plain bool, err error) {
	lo := sc.i
	sc.i++ // '"'
	plain = true
	for sc.i < len(sc.s) {
		c := sc.s[sc.i]
		switch {
		case c == '"':
			sc.i++
			return plain, nil
		case c == '\\':
			plain = false
			if sc.i+1 >= len(sc.s) {
				sc.i = len(sc.s)
				return false, sc.syntax("an escape")
			}
			switch sc.s[sc.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				sc.i += 2
			case 'u':
				if sc.i+6 > len(sc.s) || !isHex4(sc.s[sc.i+2:sc.i+6]) {
					return false, sc.errorf("has a bad \\u escape at byte %d", sc.i)
				}
				sc.i += 6
			default:
				sc.i++
				return false, sc.syntax("an escape character")
			}
		case c < 0x20:
			return false, sc.errorf("has a control character in the string at byte %d", lo)
		default:
			if c >= 0x80 {
				plain = false
			}
			sc.i++
		}
	}
	return false, sc.syntax("the end of a string")
}

func isHex4(s string) bool {
	for i := 0; i < 4; i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// value scans the value at sc.i; a finite number becomes a point named
// key, unless isStep, when an integer sets the step.
func (sc *lineScanner) value(key string, depth int, isStep bool, step *int64, hasStep *bool) error {
	if sc.i >= len(sc.s) {
		return sc.syntax("a value")
	}
	if isStep {
		*hasStep = false // the last _step wins; only an integer is a step
	}
	switch c := sc.s[sc.i]; {
	case c == '{':
		lo := len(sc.pts)
		media, err := sc.object(key, depth+1, nil, nil)
		if err != nil {
			return err
		}
		if media {
			clear(sc.pts[lo:])
			sc.pts = sc.pts[:lo]
		}
		return nil
	case c == '[':
		return sc.array(depth + 1)
	case c == '"':
		_, err := sc.str()
		return err
	case c == 't':
		return sc.literal("true")
	case c == 'f':
		return sc.literal("false")
	case c == 'n':
		return sc.literal("null")
	case c == 'N':
		return sc.literal("NaN")
	case c == 'I':
		return sc.literal("Infinity")
	case c == '-' && sc.i+1 < len(sc.s) && sc.s[sc.i+1] == 'I':
		return sc.literal("-Infinity")
	case c == '-' || '0' <= c && c <= '9':
		v, isInt, iv, err := sc.number()
		if err != nil {
			return err
		}
		if isStep {
			if isInt {
				*step, *hasStep = iv, true
			}
			return nil
		}
		if v-v == 0 { // finite
			sc.pts = append(sc.pts, Point{key, v})
		}
		return nil
	}
	return sc.syntax("a value")
}

func (sc *lineScanner) literal(lit string) error {
	if !strings.HasPrefix(sc.s[sc.i:], lit) {
		return sc.syntax(lit)
	}
	sc.i += len(lit)
	return nil
}

// array skips an array, validating its values.
func (sc *lineScanner) array(depth int) error {
	if depth > maxDepth {
		return sc.errorf("nests deeper than %d", maxDepth)
	}
	sc.i++ // '['
	sc.ws()
	if sc.i < len(sc.s) && sc.s[sc.i] == ']' {
		sc.i++
		return nil
	}
	lo := len(sc.pts)
	defer func() { clear(sc.pts[lo:]); sc.pts = sc.pts[:lo] }() // objects in arrays are not points
	for {
		sc.ws()
		if err := sc.value("", depth, false, nil, nil); err != nil {
			return err
		}
		sc.ws()
		if sc.i >= len(sc.s) {
			return sc.syntax("',' or ']'")
		}
		switch sc.s[sc.i] {
		case ',':
			sc.i++
			continue
		case ']':
			sc.i++
			return nil
		}
		return sc.syntax("',' or ']'")
	}
}

// number scans a JSON number. Integers written without fraction or
// exponent that fit an int64 are ints (as wjson.Decode makes them).
func (sc *lineScanner) number() (v float64, isInt bool, iv int64, err error) {
	lo := sc.i
	if sc.s[sc.i] == '-' {
		sc.i++
	}
	digits := sc.i
	switch {
	case sc.i < len(sc.s) && sc.s[sc.i] == '0':
		sc.i++
	case sc.i < len(sc.s) && '1' <= sc.s[sc.i] && sc.s[sc.i] <= '9':
		for sc.i < len(sc.s) && '0' <= sc.s[sc.i] && sc.s[sc.i] <= '9' {
			sc.i++
		}
	default:
		return 0, false, 0, sc.syntax("a digit")
	}
	intEnd := sc.i
	isInt = true
	if sc.i < len(sc.s) && sc.s[sc.i] == '.' {
		isInt = false
		sc.i++
		if sc.i >= len(sc.s) || sc.s[sc.i] < '0' || sc.s[sc.i] > '9' {
			return 0, false, 0, sc.syntax("a digit")
		}
		for sc.i < len(sc.s) && '0' <= sc.s[sc.i] && sc.s[sc.i] <= '9' {
			sc.i++
		}
	}
	if sc.i < len(sc.s) && (sc.s[sc.i] == 'e' || sc.s[sc.i] == 'E') {
		isInt = false
		sc.i++
		if sc.i < len(sc.s) && (sc.s[sc.i] == '+' || sc.s[sc.i] == '-') {
			sc.i++
		}
		if sc.i >= len(sc.s) || sc.s[sc.i] < '0' || sc.s[sc.i] > '9' {
			return 0, false, 0, sc.syntax("a digit")
		}
		for sc.i < len(sc.s) && '0' <= sc.s[sc.i] && sc.s[sc.i] <= '9' {
			sc.i++
		}
	}
	if isInt && intEnd-digits <= 18 { // fits an int64 without overflow checks
		var n int64
		for _, c := range []byte(sc.s[digits:intEnd]) {
			n = n*10 + int64(c-'0')
		}
		if lo != digits {
			n = -n
		}
		return float64(n), true, n, nil
	}
	text := sc.s[lo:sc.i]
	if isInt {
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return float64(n), true, n, nil
		}
	}
	f, _ := strconv.ParseFloat(text, 64) // out of range: ±Inf, not a point
	return f, false, 0, nil
}
