package gomlx

import (
	"reflect"
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
)

func TestContextParamsBecomeConfigValues(t *testing.T) {
	ctx := mlctx.New()
	ctx.SetParams(map[string]any{
		"learning_rate": 0.01,
		"batch_size":    64,
		"name":          "mlp",
		"use_bias":      true,
		"dtype":         dtypes.Float32,   // a named enum: by name
		"timeout":       90 * time.Second, // a Stringer: by name
		"layers":        []int{64, 32},    // lists
		"sched":         map[string]any{"warmup": 10, "kind": "cosine"},
		"nan_logger":    &struct{ n int }{1},   // a live object: left out
		"unset":         nil,                   // left out
		"mixed":         []any{1, &struct{}{}}, // a list with a live object: left out
		"big":           uint64(1 << 63),
	})
	ctx.In("mlp").In("dense").SetParam("dropout", float32(0.5))

	got := contextParams(ctx)
	want := map[string]any{
		"learning_rate":     0.01,
		"batch_size":        int64(64),
		"name":              "mlp",
		"use_bias":          true,
		"dtype":             "Float32",
		"timeout":           "1m30s",
		"layers":            []any{int64(64), int64(32)},
		"sched":             map[string]any{"warmup": int64(10), "kind": "cosine"},
		"big":               float64(1 << 63),
		"mlp/dense/dropout": 0.5,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("contextParams:\n got %#v\nwant %#v", got, want)
	}
}
