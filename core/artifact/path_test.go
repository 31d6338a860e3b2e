package artifact

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParsePathForms(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Path
	}{
		{"mnist", Path{Name: "mnist"}},
		{"mnist:latest", Path{Name: "mnist", Version: "latest"}},
		{"mnist:v3", Path{Name: "mnist", Version: "v3"}},
		{"mnist:best-model", Path{Name: "mnist", Version: "best-model"}},
		{"proj/mnist:prod", Path{Project: "proj", Name: "mnist", Version: "prod"}},
		{"ent/proj/mnist:v0", Path{Entity: "ent", Project: "proj", Name: "mnist", Version: "v0"}},
		{"ent/proj/mnist", Path{Entity: "ent", Project: "proj", Name: "mnist"}},
		{"mnist:116b2eae5b36cb1e9eede4437fa3a18b", Path{Name: "mnist", Version: "116b2eae5b36cb1e9eede4437fa3a18b"}},
		// Split on the first ':' as W&B does: the version may hold '/'.
		{"mnist:a/b", Path{Name: "mnist", Version: "a/b"}},
		{"run-abc.d_e", Path{Name: "run-abc.d_e"}},
	} {
		got, err := ParsePath(tc.in)
		if err != nil {
			t.Errorf("ParsePath(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParsePath(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
		if got.String() != tc.in {
			t.Errorf("String() = %q, want %q", got.String(), tc.in)
		}
	}
}

func TestPathVersionKinds(t *testing.T) {
	p, _ := ParsePath("m:v12")
	if n, ok := p.Index(); !ok || n != 12 {
		t.Errorf("Index = %d %v", n, ok)
	}
	for _, v := range []string{"v", "v01", "V1", "v1a", "latest"} {
		if _, ok := VersionIndex(v); ok {
			t.Errorf("VersionIndex(%q) accepted", v)
		}
	}
	d, _ := ParsePath("m:116b2eae5b36cb1e9eede4437fa3a18b")
	if !d.IsDigest() || p.IsDigest() {
		t.Error("IsDigest wrong")
	}
	if (Path{Name: "m"}).Alias() != "latest" {
		t.Error("no version is not latest")
	}
	got := Path{Name: "m", Project: "p2"}.WithDefaults(Scope{Entity: "e", Project: "p"})
	if got != (Path{Entity: "e", Project: "p2", Name: "m"}) {
		t.Errorf("WithDefaults = %+v", got)
	}
}

func TestParsePathRejects(t *testing.T) {
	for _, tc := range []struct{ in, rule string }{
		{"", "empty"},
		{"m:", "empty version"},
		{"a/b/c/d:v1", "more than entity/project/name"},
		{"/proj/m", "entity: empty"},
		{"proj//m", "project: empty"},
		{"p/:v1", "name: empty"},
		{"e/p/m n", "may only contain"},
		{"e/p/" + strings.Repeat("x", 129), "longer than 128"},
		{"e/p#/m", "project"},
		{"../m", "project"},
		{"m: v1", "surrounding spaces"},
		{"m\x00", "UTF-8"},
	} {
		_, err := ParsePath(tc.in)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.rule) {
			t.Errorf("ParsePath(%q) = %v, want ErrInvalid naming %q", tc.in, err, tc.rule)
		}
	}
}

func TestValidationRules(t *testing.T) {
	long := strings.Repeat("a", 129)
	md := map[string]any{}
	for i := range 101 {
		md[fmt.Sprint(i)] = i
	}
	for _, tc := range []struct {
		what string
		err  error
		rule string
	}{
		{"name slash", ValidateNameForType("a/b", "dataset"), "may only contain"},
		{"name long", ValidateNameForType(long, "dataset"), "longer than 128"},
		{"type colon", ValidateNameForType("a", "data:set"), "may not contain '/' or ':'"},
		{"type long", ValidateNameForType("a", long), "longer than 128"},
		{"type reserved", ValidateNameForType("a", "wandb-history"), "reserved"},
		{"job", ValidateNameForType("anything", "job"), `type "job": reserved`},
		{"run_table", ValidateNameForType("run-x", "run_table"), `starting with "run-" are reserved`},
		{"code", ValidateNameForType("source-x", "code"), `starting with "source-" are reserved`},
		{"alias slash", ValidateAlias("a/b"), "may not contain"},
		{"alias colon", ValidateAlias("a:b"), "may not contain"},
		{"alias empty", ValidateAlias(""), "empty"},
		{"tag", ValidateTag("bad!tag"), "words"},
		{"metadata keys", ValidateMetadata(md), "101 keys, at most 100"},
		{"metadata json", ValidateMetadata(map[string]any{"f": func() {}}), "not JSON-serializable"},
	} {
		if !errors.Is(tc.err, ErrInvalid) || !strings.Contains(tc.err.Error(), tc.rule) {
			t.Errorf("%s: err = %v, want ErrInvalid naming %q", tc.what, tc.err, tc.rule)
		}
	}
	for _, ok := range []error{
		ValidateNameForType("table-x", "run_table"),
		ValidateNameForType("x", "code"),
		ValidateTag("good tag-1 x_y"),
		ValidateAlias("best"),
	} {
		if ok != nil {
			t.Errorf("rejected a valid value: %v", ok)
		}
	}
}

func TestAliasesAddLatestOnce(t *testing.T) {
	got, err := Aliases([]string{"best", "latest", "best", "prod"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "latest,best,prod" {
		t.Errorf("Aliases = %v", got)
	}
	if _, err := Aliases([]string{"../x"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("alias with '/' accepted: %v", err)
	}
}

func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"m", "m:v1", "p/m:a", "e/p/m:latest", "m:a/b", "", ":", "a/b/c/d", "e/p/m:" + strings.Repeat("0", 32)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePath(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if ValidateName(p.Name) != nil {
			t.Fatalf("accepted invalid name %q", p.Name)
		}
		// The string form parses back to the same path.
		q, err := ParsePath(p.String())
		if err != nil || q != p {
			t.Fatalf("round trip of %q: %+v, %v; want %+v", s, q, err, p)
		}
	})
}
