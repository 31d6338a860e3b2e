package runfilter_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/runfilter"
)

func TestOrder(t *testing.T) {
	for _, tc := range []struct {
		order string
		want  []string
	}{
		{"", []string{"c3", "b2", "a1"}}, // -created_at
		{"-created_at", []string{"c3", "b2", "a1"}},
		{"+created_at", []string{"a1", "b2", "c3"}},
		{"created_at", []string{"a1", "b2", "c3"}},
		{"+summary_metrics.loss", []string{"a1", "b2", "c3"}}, // c3 has none: last
		{"-summary_metrics.loss", []string{"b2", "a1", "c3"}}, // still last
		{"summary.acc", []string{"a1", "b2", "c3"}},           // NaN sorts with the missing
		{"config.lr", []string{"b2", "a1", "c3"}},             // "0.05" is a string: after the numbers
		{"-config.lr.value", []string{"a1", "b2", "c3"}},
		{"group, -created_at", []string{"b2", "c3", "a1"}},
		{"job_type,display_name", []string{"b2", "a1", "c3"}},
		{"-name", []string{"c3", "b2", "a1"}},
		{"tags", []string{"a1", "b2", "c3"}}, // lists do not order: stable
	} {
		o, err := runfilter.ParseOrder(tc.order)
		if err != nil {
			t.Errorf("%q: %v", tc.order, err)
			continue
		}
		runs := fixture()
		o.Sort(runs)
		if got := names(runs); !slices.Equal(got, tc.want) {
			t.Errorf("%q: got %v, want %v", tc.order, got, tc.want)
		}
	}
}

func TestOrderErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"-bogus", `column 1: unknown order key "bogus"`},
		{"created_at,,state", "column 12: empty key in order"},
		{"state, summary_metrics.", `column 8: unknown order key "summary_metrics."`},
	} {
		_, err := runfilter.ParseOrder(tc.in)
		if err == nil || !errors.Is(err, runfilter.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %s", tc.in, err, tc.want)
		}
	}
}
