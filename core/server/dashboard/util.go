package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/wjson"
)

// errBadRequest marks a request the client must fix (400).
var errBadRequest = errors.New("dashboard: bad request")

// requestError is an error the client must fix; its text is the cause's.
type requestError struct{ err error }

func (e *requestError) Error() string   { return e.err.Error() }
func (e *requestError) Unwrap() []error { return []error{errBadRequest, e.err} }

func asBadRequest(err error) error { return &requestError{err} }

func badRequestf(format string, args ...any) error {
	return asBadRequest(fmt.Errorf("dashboard: "+format, args...))
}

func status(err error) int {
	switch {
	case errors.Is(err, errNoAccess), errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, errBadRequest), errors.Is(err, store.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, store.ErrConflict):
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

// fail writes err with its status; internal errors are logged, not shown.
func (d *dash) fail(w http.ResponseWriter, err error) {
	if errors.Is(err, context.Canceled) {
		// The client went away (a page left mid-request): nothing to log.
		httpError(w, 499, "dashboard: request canceled")
		return
	}
	code := status(err)
	if code == http.StatusInternalServerError {
		d.internal(w, err)
		return
	}
	httpError(w, code, err.Error())
}

func (d *dash) internal(w http.ResponseWriter, err error) {
	d.cfg.log.Error("dashboard: internal error", "err", err)
	httpError(w, http.StatusInternalServerError, "dashboard: internal server error")
}

func httpError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // JSON, never parsed as HTML (nosniff)
	_ = enc.Encode(v)
}

// queryInt reads an integer query parameter; def when absent.
func queryInt(r *http.Request, name string, def int64) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, badRequestf("query parameter %s=%q is not an integer", name, s)
	}
	return n, nil
}

// decodeObject decodes a JSON object with W&B's NaN/Infinity tokens; an
// empty or broken text is an empty object.
func decodeObject(b []byte) map[string]any {
	if len(b) == 0 {
		return map[string]any{}
	}
	v, err := wjson.Decode(b)
	if err != nil {
		return map[string]any{}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return map[string]any{}
	}
	return m
}

// flatConfig unwraps W&B's {"value": v} config form, drops _wandb, and
// flattens nested objects with ".".
func flatConfig(raw json.RawMessage) map[string]any {
	m := decodeObject(raw)
	out := map[string]any{}
	for k, v := range m {
		if k == "_wandb" {
			continue
		}
		if o, ok := v.(map[string]any); ok {
			if inner, has := o["value"]; has {
				v = inner
			}
		}
		flattenInto(out, k, v)
	}
	return out
}

// flatSummary flattens the summary; media values become their type name
// ("image-file"), internal keys other than _step, _runtime and _timestamp
// are dropped.
func flatSummary(raw json.RawMessage) map[string]any {
	m := decodeObject(raw)
	out := map[string]any{}
	for k, v := range m {
		if strings.HasPrefix(k, "_") && k != "_step" && k != "_runtime" && k != "_timestamp" {
			continue
		}
		flattenInto(out, k, v)
	}
	return out
}

func flattenInto(out map[string]any, key string, v any) {
	switch x := v.(type) {
	case map[string]any:
		if t, ok := x["_type"].(string); ok {
			out[key] = t
			return
		}
		if len(x) == 0 {
			out[key] = "{}"
			return
		}
		for k, vv := range x {
			flattenInto(out, key+"."+k, vv)
		}
	case int64:
		out[key] = float64(x)
	case float64:
		out[key] = x
	case string, bool, nil:
		out[key] = x
	default:
		b, err := json.Marshal(jsonSafe(x))
		if err != nil {
			out[key] = fmt.Sprint(x)
			return
		}
		out[key] = string(b)
	}
}

// jsonSafe replaces non-finite floats, which encoding/json refuses, by
// W&B's tokens as strings.
func jsonSafe(v any) any {
	switch x := v.(type) {
	case float64:
		switch {
		case math.IsNaN(x):
			return "NaN"
		case math.IsInf(x, 1):
			return "Infinity"
		case math.IsInf(x, -1):
			return "-Infinity"
		}
		return x
	case int64:
		return x
	case map[string]any:
		o := make(map[string]any, len(x))
		for k, vv := range x {
			o[k] = jsonSafe(vv)
		}
		return o
	case []any:
		o := make([]any, len(x))
		for i, vv := range x {
			o[i] = jsonSafe(vv)
		}
		return o
	}
	return v
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortStable(rows [][]any, less func(a, b []any) bool) {
	sort.SliceStable(rows, func(i, j int) bool { return less(rows[i], rows[j]) })
}
