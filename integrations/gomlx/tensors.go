package gomlx

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/plugins"
)

// scalar copies the value of a one-element tensor out as a float64. It
// reports false for nil, finalized or larger tensors and for dtypes that
// are not numbers.
func scalar(t *tensors.Tensor) (v float64, ok bool) {
	if t == nil || t.Size() != 1 {
		return 0, false
	}
	defer func() {
		if recover() != nil {
			v, ok = 0, false
		}
	}()
	err := t.ConstFlatData(func(flat any) {
		switch f := flat.(type) {
		case []float32:
			v, ok = float64(f[0]), true
		case []float64:
			v, ok = f[0], true
		case []int32:
			v, ok = float64(f[0]), true
		case []int64:
			v, ok = float64(f[0]), true
		default:
			v, ok = shapes.ConvertTo[float64](reflect.ValueOf(flat).Index(0).Interface()), true
		}
	})
	if err != nil {
		return 0, false
	}
	return v, ok
}

// variableKey is a variable's scope (without the leading "/") and name:
// "mlp/fnn_output_layer/weights".
func variableKey(scope, name string) string {
	return strings.TrimPrefix(mlctx.JoinScope(scope, name), mlctx.ScopeSeparator)
}

// observeTensors sends the trainable variables and the gradients kept by
// TrackGradients to the run's plugins.
func (h *Hook) observeTensors(loop *train.Loop, step int) (err error) {
	defer guard("histograms", &err)
	ctx := loop.Trainer.Context()
	var errs []error
	for v := range ctx.IterVariables() {
		var key string
		if rest, ok := strings.CutPrefix(v.Scope(), GradientScope); ok && (rest == "" || strings.HasPrefix(rest, mlctx.ScopeSeparator)) {
			if rest == "" {
				rest = mlctx.RootScope
			}
			key = GradientsPrefix + variableKey(rest, v.Name())
		} else if v.Trainable {
			key = ParametersPrefix + variableKey(v.Scope(), v.Name())
		} else {
			continue
		}
		if !v.HasValue() {
			continue
		}
		t, err := v.Value()
		if err != nil {
			errs = append(errs, fmt.Errorf("gomlx: step %d: %s: %w", step, key, err))
			continue
		}
		errs = append(errs, observeTensor(h.run, key, int64(step), t))
	}
	return errors.Join(errs...)
}

// observeTensor hands t's data to run.Observe, which copies it. float32
// and float64 tensors go as they are; other numeric dtypes as float64.
func observeTensor(run *wandb.Run, key string, step int64, t *tensors.Tensor) error {
	dims := t.Shape().Dimensions
	shape := make([]int, len(dims))
	copy(shape, dims)
	var obsErr error
	err := t.ConstFlatData(func(flat any) {
		pt := plugins.Tensor{Shape: shape}
		switch f := flat.(type) {
		case []float32:
			pt.DType, pt.Float32 = plugins.Float32, f
		case []float64:
			pt.DType, pt.Float64 = plugins.Float64, f
		default:
			rv := reflect.ValueOf(flat)
			if rv.Kind() != reflect.Slice {
				obsErr = fmt.Errorf("gomlx: %s: dtype %s cannot be observed", key, t.DType())
				return
			}
			data := make([]float64, rv.Len())
			for i := range data {
				data[i] = shapes.ConvertTo[float64](rv.Index(i).Interface())
			}
			pt.DType, pt.Float64 = plugins.Float64, data
		}
		obsErr = run.Observe(key, step, pt)
	})
	if err != nil {
		return fmt.Errorf("gomlx: %s: %w", key, err)
	}
	if obsErr != nil {
		return fmt.Errorf("gomlx: %s: %w", key, obsErr)
	}
	return nil
}
