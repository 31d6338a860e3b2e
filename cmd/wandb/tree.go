package main

import (
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/gowandb/wandb/core/runstate"
)

// reservedKey is W&B's internal config and summary key, hidden by default.
const reservedKey = "_wandb"

// writeTree writes a decoded JSON map YAML-style: one "key: value" line per
// leaf, nested maps indented two spaces per level, keys sorted. Lists and
// W&B objects print as compact JSON, strings bare unless that would be
// ambiguous. The top-level _wandb key is left out unless all.
func writeTree(w io.Writer, m map[string]any, depth int, all bool) {
	indent := strings.Repeat("  ", depth)
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if depth == 1 && k == reservedKey && !all {
			continue
		}
		v := m[k]
		if sub, ok := v.(map[string]any); ok && len(sub) > 0 {
			io.WriteString(w, indent+yamlKey(k)+":\n")
			writeTree(w, sub, depth+1, all)
			continue
		}
		io.WriteString(w, indent+yamlKey(k)+": "+yamlScalar(v)+"\n")
	}
}

func yamlKey(k string) string {
	if k == "" || strings.ContainsAny(k, ":#\n\"'") || k != strings.TrimSpace(k) {
		return string(runstate.AppendString(nil, k))
	}
	return k
}

func yamlScalar(v any) string {
	s, ok := v.(string)
	if !ok {
		return string(runstate.AppendAnyJSON(nil, v))
	}
	switch {
	case s == "", s != strings.TrimSpace(s), strings.ContainsAny(s, "\n\r\t\""),
		s == "null", s == "true", s == "false", looksNumeric(s):
		return string(runstate.AppendString(nil, s))
	}
	return s
}

// looksNumeric says whether s would read back as a number.
func looksNumeric(s string) bool {
	_, err := runstate.DecodeJSON([]byte(s))
	return err == nil && s[0] != '"' && s[0] != '[' && s[0] != '{'
}
