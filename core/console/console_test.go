package console

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestFormatLine(t *testing.T) {
	ts := time.Date(2021, 2, 16, 15, 44, 7, 3488000, time.FixedZone("PST", -8*3600))
	for _, tc := range []struct {
		name string
		line Line
		want string
	}{
		{"stdout", Line{Stream: StreamStdout, Time: ts, Text: "hello"}, "2021-02-16T23:44:07.003488 hello"},
		{"stderr", Line{Stream: StreamStderr, Time: ts, Text: "boom"}, "ERROR 2021-02-16T23:44:07.003488 boom"},
		{"label", Line{Stream: StreamStdout, Time: ts, Text: "x", Label: "rank0"}, "2021-02-16T23:44:07.003488 [rank0] x"},
		{"stderr label", Line{Stream: StreamStderr, Time: ts, Text: "x", Label: "rank1"}, "ERROR 2021-02-16T23:44:07.003488 [rank1] x"},
		{"empty text", Line{Stream: StreamStdout, Time: ts}, "2021-02-16T23:44:07.003488 "},
		{"whole second", Line{Stream: StreamStdout, Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Text: "t"}, "2026-01-02T03:04:05.000000 t"},
		{"nanoseconds truncated", Line{Stream: StreamStdout, Time: time.Date(2026, 1, 2, 3, 4, 5, 999999999, time.UTC), Text: "t"}, "2026-01-02T03:04:05.999999 t"},
	} {
		if got := FormatLine(tc.line); got != tc.want {
			t.Errorf("%s: FormatLine = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// split feeds chunks to a splitter and returns its lines, flushed.
func split(chunks ...string) []string { return splitMax(0, chunks...) }

func splitMax(limit int, chunks ...string) []string {
	lines := []string{}
	s := splitter{max: limit, now: time.Now, emit: func(text []byte, _ time.Time) { lines = append(lines, string(text)) }}
	for _, c := range chunks {
		s.write([]byte(c))
	}
	s.flush()
	return lines
}

func TestSplitter(t *testing.T) {
	long := strings.Repeat("a", MaxLineBytes)
	euro := strings.Repeat("a", MaxLineBytes-1) + "€b" // "€" is 3 bytes, straddling the limit
	for _, tc := range []struct {
		name   string
		chunks []string
		want   []string
	}{
		{"lines", []string{"a\nb\n"}, []string{"a", "b"}},
		{"chunked", []string{"he", "llo\nwor", "ld\n"}, []string{"hello", "world"}},
		{"empty lines", []string{"\n\n"}, []string{"", ""}},
		{"partial last line", []string{"a\nrest"}, []string{"a", "rest"}},
		{"progress bar", []string{"10%\r20%\r30%\n"}, []string{"30%"}},
		{"progress bar across chunks", []string{"10%\r", "20%", "\r30", "%\n"}, []string{"30%"}},
		{"crlf", []string{"dos\r\n", "dos2\r", "\n"}, []string{"dos", "dos2"}},
		{"trailing cr flushed", []string{"bar 50%\r"}, []string{"bar 50%"}},
		{"only cr", []string{"\r\r"}, []string{}},
		{"exactly max", []string{long + "\n"}, []string{long}},
		{"over max", []string{long + "bc\n"}, []string{long, "bc"}},
		{"over max in pieces", []string{long[:100], long[100:], "b"}, []string{long, "b"}},
		{"two maxes", []string{long + long + "c"}, []string{long, long, "c"}},
		{"utf8 boundary", []string{euro + "\n"}, []string{strings.Repeat("a", MaxLineBytes-1), "€b"}},
		{"redraw shorter than max", []string{long + "\rshort\n"}, []string{"short"}},
	} {
		got := split(tc.chunks...)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
			t.Errorf("%s: got %d lines %.60q, want %d lines %.60q", tc.name, len(got), got, len(tc.want), tc.want)
		}
	}
}

func TestSplitterTimestamps(t *testing.T) {
	tick := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { tick = tick.Add(time.Second); return tick }
	var got []time.Time
	s := splitter{now: now, emit: func(_ []byte, t time.Time) { got = append(got, t) }}
	s.write([]byte("first ")) // line begins: 00:00:01
	s.write([]byte("\rredrawn\n"))
	s.write([]byte("\n")) // empty line, stamped when it ends: 00:00:02
	want := []time.Time{tick.Add(-time.Second), tick}
	if len(got) != 2 || !got[0].Equal(want[0]) || !got[1].Equal(want[1]) {
		t.Errorf("times %v, want %v", got, want)
	}
}

func FuzzSplitter(f *testing.F) {
	// Lines are limited to 8 bytes here, to reach the splitting with short inputs.
	const limit = 8
	f.Add([]byte("a\r\nb\rc\n"), uint8(3))
	f.Add([]byte("0123456€89\r€€€€\n"), uint8(7))
	f.Fuzz(func(t *testing.T, data []byte, size uint8) {
		chunk := max(int(size), 1)
		var chunks []string
		for p := data; len(p) > 0; {
			n := min(chunk, len(p))
			chunks = append(chunks, string(p[:n]))
			p = p[n:]
		}
		whole := splitMax(limit, string(data))
		pieces := splitMax(limit, chunks...)
		if strings.Join(whole, "\n") != strings.Join(pieces, "\n") {
			t.Fatalf("chunking changes lines: %q vs %q", whole, pieces)
		}
		for _, l := range whole {
			if len(l) > limit || strings.ContainsAny(l, "\r\n") {
				t.Fatalf("bad line %q", l)
			}
			if utf8.Valid(data) && !utf8.ValidString(l) {
				t.Fatalf("valid UTF-8 split inside a character: %q", l)
			}
		}
	})
}
