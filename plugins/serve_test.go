package plugins

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

type describeOnly struct{ m Manifest }

func (d describeOnly) Manifest() Manifest                          { return d.m }
func (describeOnly) Start(context.Context, RunInfo, Emitter) error { return nil }
func (describeOnly) Observe(context.Context, []Observation) error  { return nil }
func (describeOnly) Flush(context.Context) error                   { return nil }
func (describeOnly) Finish(context.Context) error                  { return nil }

func TestServeDescribePrintsManifest(t *testing.T) {
	impl := describeOnly{Manifest{Name: "threshold", Version: "0.3.1", Provides: []string{ProvidesSummary, "alerts"}, Description: "alerts"}}
	for _, arg := range []string{"describe", "--describe"} {
		var out bytes.Buffer
		if err := serve(impl, []string{arg}, &out); err != nil {
			t.Fatal(err)
		}
		m, err := ReadManifest(out.Bytes())
		if err != nil {
			t.Fatalf("%s printed %q: %v", arg, out.String(), err)
		}
		if m.Name != "threshold" || m.Version != "0.3.1" || m.ProtocolVersion != ProtocolVersion || strings.Join(m.Provides, ",") != "summary,alerts" {
			t.Errorf("%s: manifest %+v", arg, m)
		}
		if !strings.Contains(out.String(), `"protocol_version": 1`) {
			t.Errorf("describe output lacks the protocol version:\n%s", out.String())
		}
	}
}

func TestServeRefusesBadManifestAndArguments(t *testing.T) {
	var out bytes.Buffer
	if err := serve(describeOnly{Manifest{Name: "Bad Name"}}, []string{"describe"}, &out); err == nil || !strings.HasPrefix(err.Error(), "plugins: ") {
		t.Errorf("bad name: err = %v", err)
	}
	if err := serve(describeOnly{Manifest{Name: "ok"}}, []string{"serve-please"}, &out); err == nil || !strings.Contains(err.Error(), `unknown argument "serve-please"`) {
		t.Errorf("unknown argument: err = %v", err)
	}
	if out.Len() != 0 {
		t.Errorf("wrote %q on failure", out.String())
	}
}
