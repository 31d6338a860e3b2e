package runconfig

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestUpdateChangeRule(t *testing.T) {
	tests := []struct {
		name        string
		initial     map[string]any
		update      map[string]any
		allow       bool
		wantChanged []string
		wantErrKey  string // "" = no error
		want        map[string]any
	}{
		{
			name:        "new key is added",
			initial:     map[string]any{"lr": 0.1},
			update:      map[string]any{"epochs": 5},
			wantChanged: []string{"epochs"},
			want:        map[string]any{"lr": 0.1, "epochs": int64(5)},
		},
		{
			name:    "equal value is fine and not a change",
			initial: map[string]any{"lr": 0.1, "name": "adam"},
			update:  map[string]any{"lr": 0.1, "name": "adam"},
			want:    map[string]any{"lr": 0.1, "name": "adam"},
		},
		{
			name:    "int equals float of the same value",
			initial: map[string]any{"epochs": 5},
			update:  map[string]any{"epochs": 5.0},
			want:    map[string]any{"epochs": int64(5)},
		},
		{
			name:    "NaN equals NaN",
			initial: map[string]any{"x": math.NaN()},
			update:  map[string]any{"x": math.NaN()},
			want:    map[string]any{"x": math.NaN()},
		},
		{
			name:       "existing top-level key changed",
			initial:    map[string]any{"lr": 0.1},
			update:     map[string]any{"lr": 0.2},
			wantErrKey: "lr",
			want:       map[string]any{"lr": 0.1},
		},
		{
			name:        "existing top-level key changed with allowValChange",
			initial:     map[string]any{"lr": 0.1},
			update:      map[string]any{"lr": 0.2},
			allow:       true,
			wantChanged: []string{"lr"},
			want:        map[string]any{"lr": 0.2},
		},
		{
			name:       "type change is a change",
			initial:    map[string]any{"lr": 0.1},
			update:     map[string]any{"lr": "0.1"},
			wantErrKey: "lr",
			want:       map[string]any{"lr": 0.1},
		},
		{
			name:       "list change is a change",
			initial:    map[string]any{"layers": []int{1, 2}},
			update:     map[string]any{"layers": []int{1, 2, 3}},
			wantErrKey: "layers",
			want:       map[string]any{"layers": []any{int64(1), int64(2)}},
		},
		{
			name:       "nothing applied when one key fails",
			initial:    map[string]any{"lr": 0.1},
			update:     map[string]any{"a": 1, "lr": 0.2, "z": 3},
			wantErrKey: "lr",
			want:       map[string]any{"lr": 0.1},
		},
		{
			name:        "nested map merges at leaf level",
			initial:     map[string]any{"opt": map[string]any{"lr": 0.1, "name": "adam"}},
			update:      map[string]any{"opt": map[string]any{"momentum": 0.9}},
			wantChanged: []string{"opt"},
			want:        map[string]any{"opt": map[string]any{"lr": 0.1, "name": "adam", "momentum": 0.9}},
		},
		{
			name:    "nested equal leaf is not a change",
			initial: map[string]any{"opt": map[string]any{"lr": 0.1, "name": "adam"}},
			update:  map[string]any{"opt": map[string]any{"lr": 0.1}},
			want:    map[string]any{"opt": map[string]any{"lr": 0.1, "name": "adam"}},
		},
		{
			name:       "nested leaf change",
			initial:    map[string]any{"opt": map[string]any{"lr": 0.1, "name": "adam"}},
			update:     map[string]any{"opt": map[string]any{"lr": 0.2}},
			wantErrKey: "opt.lr",
			want:       map[string]any{"opt": map[string]any{"lr": 0.1, "name": "adam"}},
		},
		{
			name:        "nested leaf change with allowValChange keeps siblings",
			initial:     map[string]any{"opt": map[string]any{"lr": 0.1, "name": "adam"}},
			update:      map[string]any{"opt": map[string]any{"lr": 0.2}},
			allow:       true,
			wantChanged: []string{"opt"},
			want:        map[string]any{"opt": map[string]any{"lr": 0.2, "name": "adam"}},
		},
		{
			name:       "scalar replaced by subtree is a change",
			initial:    map[string]any{"opt": "adam"},
			update:     map[string]any{"opt": map[string]any{"name": "adam"}},
			wantErrKey: "opt",
			want:       map[string]any{"opt": "adam"},
		},
		{
			name:       "subtree replaced by scalar is a change",
			initial:    map[string]any{"opt": map[string]any{"name": "adam"}},
			update:     map[string]any{"opt": "adam"},
			wantErrKey: "opt",
			want:       map[string]any{"opt": map[string]any{"name": "adam"}},
		},
		{
			name:        "argparse dashes are stripped",
			initial:     map[string]any{"lr": 0.1},
			update:      map[string]any{"--batch-size": 32, "--lr": 0.1},
			wantChanged: []string{"batch-size"},
			want:        map[string]any{"lr": 0.1, "batch-size": int64(32)},
		},
		{
			name:        "changed keys are sorted",
			update:      map[string]any{"c": 1, "a": 2, "b": 3},
			wantChanged: []string{"a", "b", "c"},
			want:        map[string]any{"a": int64(2), "b": int64(3), "c": int64(1)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New()
			if _, err := c.Update(tt.initial, false); err != nil {
				t.Fatalf("initial Update: %v", err)
			}
			changed, err := c.Update(tt.update, tt.allow)
			if tt.wantErrKey != "" {
				var vce *ValueChangeError
				if !errors.As(err, &vce) {
					t.Fatalf("Update error = %v, want *ValueChangeError", err)
				}
				if vce.Key != tt.wantErrKey {
					t.Errorf("ValueChangeError.Key = %q, want %q", vce.Key, tt.wantErrKey)
				}
				if changed != nil {
					t.Errorf("changed = %v on error, want nil", changed)
				}
			} else {
				if err != nil {
					t.Fatalf("Update: %v", err)
				}
				if !slices.Equal(changed, tt.wantChanged) {
					t.Errorf("changed = %v, want %v", changed, tt.wantChanged)
				}
			}
			assertTree(t, c.Map(), tt.want)
		})
	}
}

func assertTree(t *testing.T, got, want map[string]any) {
	t.Helper()
	wantN, err := Normalize(want)
	if err != nil {
		t.Fatal(err)
	}
	if !equalValues(got, wantN) || !sameTypes(got, wantN) {
		t.Errorf("tree = %#v\nwant %#v", got, wantN)
	}
}

// sameTypes checks that int64/float64 were not swapped (equalValues treats
// 5 and 5.0 as equal).
func sameTypes(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return false
		}
		for k := range x {
			if !sameTypes(x[k], y[k]) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameTypes(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return reflect.TypeOf(a) == reflect.TypeOf(b)
}

func TestValueChangeErrorMessage(t *testing.T) {
	c := New()
	if err := c.Set("lr", 0.1, false); err != nil {
		t.Fatal(err)
	}
	err := c.Set("lr", 0.2, false)
	want := `runconfig: attempted to change value of key "lr" from 0.1 to 0.2; pass allow_val_change (wandb.WithAllowValChange(true) or AllowValChange on the update) to allow it`
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v\nwant    %s", err, want)
	}
	var vce *ValueChangeError
	if !errors.As(err, &vce) || vce.Old != 0.1 || vce.New != 0.2 || !slices.Equal(vce.Path, []string{"lr"}) {
		t.Errorf("ValueChangeError = %#v", vce)
	}

	if err := c.SetPath([]string{"opt", "name"}, "adam", false); err != nil {
		t.Fatal(err)
	}
	err = c.SetPath([]string{"opt", "name"}, "sgd", false)
	if err == nil || !strings.Contains(err.Error(), `key "opt.name" from "adam" to "sgd"`) {
		t.Errorf("nested error = %v", err)
	}
}

func TestSetPath(t *testing.T) {
	c := New()
	steps := []struct {
		path    []string
		value   any
		allow   bool
		wantErr bool
	}{
		{[]string{"opt", "lr"}, 0.1, false, false},
		{[]string{"opt", "betas", "b1"}, 0.9, false, false},
		{[]string{"opt", "momentum"}, 0.5, false, false}, // new leaf under existing key: fine
		{[]string{"opt", "lr"}, 0.1, false, false},       // same value
		{[]string{"opt", "lr"}, 0.3, false, true},        // leaf change
		{[]string{"opt", "lr", "x"}, 1, false, true},     // scalar where a subtree is needed
		{[]string{"opt", "lr"}, 0.3, true, false},
		{[]string{"--epochs"}, 3, false, false},
	}
	for _, s := range steps {
		err := c.SetPath(s.path, s.value, s.allow)
		if (err != nil) != s.wantErr {
			t.Fatalf("SetPath(%v, %v, %v) error = %v, wantErr %v", s.path, s.value, s.allow, err, s.wantErr)
		}
	}
	assertTree(t, c.Map(), map[string]any{
		"opt":    map[string]any{"lr": 0.3, "momentum": 0.5, "betas": map[string]any{"b1": 0.9}},
		"epochs": 3,
	})
	if v, ok := c.GetPath([]string{"opt", "betas", "b1"}); !ok || v != 0.9 {
		t.Errorf("GetPath = %v, %v", v, ok)
	}
	for _, p := range [][]string{nil, {"nope"}, {"opt", "lr", "deeper"}, {"opt", "nope"}} {
		if v, ok := c.GetPath(p); ok {
			t.Errorf("GetPath(%v) = %v, want not found", p, v)
		}
	}
	if err := c.SetPath(nil, 1, false); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("SetPath(nil) error = %v, want ErrInvalidKey", err)
	}
}

func TestInvalidKeys(t *testing.T) {
	c := New()
	for _, values := range []map[string]any{
		{"": 1},
		{"--": 1},
		{"lr": 1, "--lr": 2}, // same key after stripping, different values
	} {
		if _, err := c.Update(values, true); !errors.Is(err, ErrInvalidKey) || !strings.HasPrefix(err.Error(), "runconfig: ") {
			t.Errorf("Update(%v) error = %v, want ErrInvalidKey", values, err)
		}
	}
	if _, err := c.Update(map[string]any{"lr": 1, "--lr": 1}, false); err != nil {
		t.Errorf("same key with equal values: %v", err)
	}
	if _, err := c.Update(map[string]any{"f": func() {}}, false); !errors.Is(err, ErrInvalidValue) || !strings.Contains(err.Error(), `"f"`) {
		t.Errorf("func value error = %v", err)
	}
	if c.Len() != 1 {
		t.Errorf("Len = %d after failed updates, want 1", c.Len())
	}
}

func TestAccessors(t *testing.T) {
	c := New()
	_, err := c.Update(map[string]any{
		"lr":     0.1,
		"opt":    map[string]any{"name": "adam"},
		"layers": []int{1, 2},
		"_wandb": map[string]any{"cli_version": "0.1"},
		"_hide":  true,
	}, false)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Keys(), []string{"layers", "lr", "opt"}; !slices.Equal(got, want) {
		t.Errorf("Keys = %v, want %v", got, want)
	}
	if c.Len() != 3 {
		t.Errorf("Len = %d, want 3", c.Len())
	}
	if m := c.Map(); len(m) != 5 || m["_wandb"] == nil {
		t.Errorf("Map = %v, want all 5 keys including _wandb", m)
	}

	// Get returns deep copies.
	v, ok := c.Get("opt")
	if !ok {
		t.Fatal("Get(opt) not found")
	}
	v.(map[string]any)["name"] = "mutated"
	l, _ := c.Get("--layers")
	l.([]any)[0] = "mutated"
	m := c.Map()
	m["opt"].(map[string]any)["name"] = "mutated"
	if got, _ := c.GetPath([]string{"opt", "name"}); got != "adam" {
		t.Errorf("tree was mutated through a copy: opt.name = %v", got)
	}
	if got, _ := c.Get("layers"); !equalValues(got, []any{int64(1), int64(2)}) {
		t.Errorf("tree was mutated through a copy: layers = %v", got)
	}

	// ValueJSON.
	for key, want := range map[string]string{
		"lr":     `0.1`,
		"opt":    `{"name":"adam"}`,
		"layers": `[1,2]`,
		"_wandb": `{"cli_version":"0.1"}`,
	} {
		if got, ok := c.ValueJSON(key); !ok || got != want {
			t.Errorf("ValueJSON(%q) = %q, %v; want %q", key, got, ok, want)
		}
	}
	if _, ok := c.ValueJSON("nope"); ok {
		t.Error("ValueJSON(nope) found")
	}

	// Remove.
	if !c.RemovePath([]string{"opt", "name"}) || c.RemovePath([]string{"opt", "name"}) {
		t.Error("RemovePath(opt.name) should succeed once")
	}
	if c.RemovePath([]string{"lr", "x"}) || c.RemovePath(nil) {
		t.Error("RemovePath through a leaf or of nil should fail")
	}
	if !c.Remove("lr") || c.Remove("lr") {
		t.Error("Remove(lr) should succeed once")
	}
	if _, ok := c.Get("lr"); ok {
		t.Error("lr still present after Remove")
	}
	// A removed key can be set again to anything.
	if err := c.Set("lr", 0.5, false); err != nil {
		t.Errorf("Set after Remove: %v", err)
	}
}

func TestSetDefaults(t *testing.T) {
	c := New()
	if err := c.Set("lr", 0.1, false); err != nil {
		t.Fatal(err)
	}
	added, err := c.SetDefaults(map[string]any{"lr": 0.5, "epochs": 10})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(added, []string{"epochs"}) {
		t.Errorf("added = %v", added)
	}
	assertTree(t, c.Map(), map[string]any{"lr": 0.1, "epochs": 10})
}

func TestValueJSONNonFinite(t *testing.T) {
	c := New()
	if _, err := c.Update(map[string]any{"x": []float64{math.NaN(), math.Inf(1), math.Inf(-1), 1.5}, "s": "<a&b>"}, false); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.ValueJSON("x"); got != `[NaN,Infinity,-Infinity,1.5]` {
		t.Errorf("ValueJSON(x) = %s", got)
	}
	if got, _ := c.ValueJSON("s"); got != `"<a&b>"` {
		t.Errorf("ValueJSON(s) = %s", got)
	}
	got, err := WrappedJSON(map[string]any{"b": 1, "a": map[string]any{"z": true}})
	if err != nil || got != `{"a":{"value":{"z":true}},"b":{"value":1}}` {
		t.Errorf("WrappedJSON = %s, %v", got, err)
	}
}

func TestConcurrentUse(t *testing.T) {
	c := New()
	const workers, iters = 8, 200
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range iters {
				key := fmt.Sprintf("w%d_%d", w, i%10)
				if _, err := c.Update(map[string]any{key: i, "shared": map[string]any{key: i}}, true); err != nil {
					t.Error(err)
					return
				}
				_ = c.SetPath([]string{"deep", key}, i, true)
				c.Get(key)
				c.GetPath([]string{"shared", key})
				c.Keys()
				c.Len()
				c.ValueJSON("shared")
				m := c.Map()
				m["shared"] = nil // must not affect c
				if i%7 == 0 {
					c.Remove(key)
					c.RemovePath([]string{"deep", key})
				}
			}
		})
	}
	wg.Wait()
	shared, ok := c.Get("shared")
	if !ok || len(shared.(map[string]any)) != workers*10 {
		t.Errorf("shared has %d keys, want %d", len(shared.(map[string]any)), workers*10)
	}
}
