package plotting

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"testing"
)

// The scikit-learn documentation example: y = [0, 0, 1, 1], scores of
// class 1 = [0.1, 0.4, 0.35, 0.8].
var (
	docTrue   = []int{0, 0, 1, 1}
	docProbas = [][]float64{{0.9, 0.1}, {0.6, 0.4}, {0.65, 0.35}, {0.2, 0.8}}
)

func TestPRCurveOfScikitLearnsExample(t *testing.T) {
	prec, rec := prCurve([]bool{false, false, true, true}, []float64{0.1, 0.4, 0.35, 0.8})
	// sklearn.metrics.precision_recall_curve's documented answer.
	wantP := []float64{0.5, 2.0 / 3, 0.5, 1, 1}
	wantR := []float64{1, 1, 0.5, 0.5, 0}
	if !reflect.DeepEqual(prec, wantP) || !reflect.DeepEqual(rec, wantR) {
		t.Fatalf("precision %v recall %v, want %v %v", prec, rec, wantP, wantR)
	}
}

// TestPRCurveInterpolatesOn21RecallPoints follows W&B's pr_curve by hand:
// the running maximum of [0.5, 0.667, 0.5, 1, 1] is [0.5, 0.667, 0.667, 1,
// 1]; reversed, recall is [0, 0.5, 0.5, 1, 1]. Recall points above 0.5
// take the first point with recall 1 (precision 0.667), points from 0.5
// down take recall 0.5 (precision 1), and 0 takes the (0, 1) end point.
func TestPRCurveInterpolatesOn21RecallPoints(t *testing.T) {
	c, err := PRCurve(docTrue, docProbas, WithLabels("neg", "pos"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Rows) != 42 {
		t.Fatalf("%d rows, want 2 classes × 21", len(c.Rows))
	}
	for i, r := range c.Rows {
		class, recall := "neg", 1-float64(i%21)*0.05
		if i >= 21 {
			class = "pos"
		}
		want := 0.667
		if i%21 >= 10 { // recall ≤ 0.5
			want = 1
		}
		if r[0] != class || r[1] != want || math.Abs(r[2].(float64)-recall) > 1e-12 {
			t.Errorf("row %d = %v, want [%s %v %.2f]", i, r, class, want, recall)
		}
		if r[2].(float64) != round3(recall) {
			t.Errorf("row %d: recall %v is not rounded to 3 decimals", i, r[2])
		}
	}
	wantFields := map[string]string{"x": "recall", "y": "precision", "class": "class"}
	wantStrings := map[string]string{"title": "Precision-Recall Curve", "x-axis-title": "Recall", "y-axis-title": "Precision"}
	if c.Spec != SpecAreaUnderCurve || !slices.Equal(c.Columns, []string{"class", "precision", "recall"}) ||
		!reflect.DeepEqual(c.Fields, wantFields) || !reflect.DeepEqual(c.StringFields, wantStrings) {
		t.Fatalf("chart = %s %v %v %v", c.Spec, c.Columns, c.Fields, c.StringFields)
	}
}

func TestPRCurveClassesAndInterpSize(t *testing.T) {
	yTrue := []int{0, 2, 2, 0, 2}
	probas := [][]float64{{0.8, 0.2}, {0.3, 0.7}, {0.4, 0.6}, {0.6, 0.4}, {0.1, 0.9}}
	c, err := PRCurve(yTrue, probas, WithClassesToPlot(2), WithInterpSize(3))
	if err != nil {
		t.Fatal(err)
	}
	// Class 2 is the second class, so it is scored by column 1 (W&B's
	// positional indexing), and it separates perfectly.
	want := [][]any{{int64(2), 1.0, 1.0}, {int64(2), 1.0, 0.5}, {int64(2), 1.0, 0.0}}
	if !reflect.DeepEqual(c.Rows, want) {
		t.Fatalf("rows = %v, want %v", c.Rows, want)
	}
}

func TestPRCurveNoPositivesHasRecallOne(t *testing.T) {
	prec, rec := prCurve([]bool{false, false}, []float64{0.2, 0.7})
	if !reflect.DeepEqual(rec, []float64{1, 1, 0}) || !reflect.DeepEqual(prec, []float64{0, 0, 1}) {
		t.Fatalf("precision %v recall %v", prec, rec)
	}
}

func TestROCCurveOfScikitLearnsExample(t *testing.T) {
	c, err := ROCCurve(docTrue, docProbas, WithClassesToPlot(1))
	if err != nil {
		t.Fatal(err)
	}
	// sklearn.metrics.roc_curve's documented fpr/tpr.
	want := [][]any{
		{int64(1), 0.0, 0.0}, {int64(1), 0.0, 0.5}, {int64(1), 0.5, 0.5},
		{int64(1), 0.5, 1.0}, {int64(1), 1.0, 1.0},
	}
	if !reflect.DeepEqual(c.Rows, want) {
		t.Fatalf("rows = %v, want %v", c.Rows, want)
	}
	wantStrings := map[string]string{"title": "ROC Curve", "x-axis-title": "False positive rate", "y-axis-title": "True positive rate"}
	if !reflect.DeepEqual(c.Fields, map[string]string{"x": "fpr", "y": "tpr", "class": "class"}) ||
		!reflect.DeepEqual(c.StringFields, wantStrings) || !slices.Equal(c.Columns, []string{"class", "fpr", "tpr"}) {
		t.Fatalf("chart = %v %v %v", c.Columns, c.Fields, c.StringFields)
	}
}

func TestROCCurveDropsIntermediatePoints(t *testing.T) {
	// Scores p, p, n, n from the top: (fps, tps) = (0,1) (0,2) (1,2) (2,2);
	// (0,2) is a corner, (1,2) lies on a straight stretch and is dropped.
	fpr, tpr := rocCurve([]bool{true, true, false, false}, []float64{0.9, 0.8, 0.3, 0.1})
	if !reflect.DeepEqual(fpr, []float64{0, 0, 0, 1}) || !reflect.DeepEqual(tpr, []float64{0, 0.5, 1, 1}) {
		t.Fatalf("fpr %v tpr %v", fpr, tpr)
	}
}

func TestROCCurveWithoutNegativesIsNaN(t *testing.T) {
	fpr, tpr := rocCurve([]bool{true, true}, []float64{0.9, 0.8})
	for _, v := range fpr {
		if !math.IsNaN(v) {
			t.Fatalf("fpr = %v, want NaN (no negative samples)", fpr)
		}
	}
	if !reflect.DeepEqual(tpr, []float64{0, 0.5, 1}) {
		t.Fatalf("tpr = %v", tpr)
	}
}

func TestBinaryCurveGroupsTies(t *testing.T) {
	fps, tps := binaryCurve([]bool{true, false, true, false}, []float64{0.5, 0.5, 0.9, 0.1})
	if !reflect.DeepEqual(tps, []float64{1, 2, 2}) || !reflect.DeepEqual(fps, []float64{0, 1, 2}) {
		t.Fatalf("fps %v tps %v", fps, tps)
	}
}

func TestRound3IsNumpysRound(t *testing.T) {
	for _, c := range []struct{ in, want float64 }{
		{0.6666666, 0.667}, {0.0005, 0}, {0.0015, 0.002}, {0.0025, 0.002}, {-0.0015, -0.002},
		{0.15000000000000002, 0.15}, {1, 1},
	} {
		if got := round3(c.in); got != c.want {
			t.Errorf("round3(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	if !math.IsNaN(round3(math.NaN())) {
		t.Error("round3(NaN) is not NaN")
	}
}

func TestLinspaceIsNumpys(t *testing.T) {
	got := linspace01(21)
	// numpy.linspace(0, 1, 21)[3] is 0.15000000000000002 (3 × 0.05).
	if got[3] != 0.15000000000000002 || got[6] != 0.30000000000000004 || got[20] != 1 || got[0] != 0 {
		t.Fatalf("linspace = %v", got)
	}
	if l := linspace01(1); !reflect.DeepEqual(l, []float64{0}) {
		t.Fatalf("linspace(1) = %v", l)
	}
}

func TestPRCurveOver10000RowsIsResampledByClass(t *testing.T) {
	const k = 600 // 600 classes × 21 points = 12,600 rows
	yTrue := make([]int, 2*k)
	probas := make([][]float64, 2*k)
	for i := range yTrue {
		yTrue[i] = i % k
		probas[i] = make([]float64, k)
		for j := range probas[i] {
			probas[i][j] = float64((i*7+j*3)%11) / 11
		}
	}
	c, err := PRCurve(yTrue, probas)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Rows) != MaxRows {
		t.Fatalf("%d rows, want %d", len(c.Rows), MaxRows)
	}
	per := map[any]int{}
	for _, r := range c.Rows {
		per[r[0]]++
	}
	// 21/12600 × 10000 = 16.67 each: 16 rows, and the 400 left over go to
	// the first 400 classes.
	for cls, n := range per {
		want := 16
		if cls.(int64) < 400 {
			want = 17
		}
		if n != want {
			t.Fatalf("class %v has %d rows, want %d", cls, n, want)
		}
	}
	sorted := slices.IsSortedFunc(c.Rows, func(a, b []any) int {
		for _, k := range []int{1, 2, 0} {
			if c := compareCells(a[k], b[k]); c != 0 {
				return c
			}
		}
		return 0
	})
	if !sorted {
		t.Fatal("resampled rows are not sorted by precision, recall, class")
	}
}

func TestConfusionMatrixCounts(t *testing.T) {
	c, err := ConfusionMatrix([]int{0, 1, 2, 2}, []int{0, 2, 2, 1}, []string{"a", "b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]any{
		{"a", "a", 1.0}, {"a", "b", 0.0}, {"a", "c", 0.0},
		{"b", "a", 0.0}, {"b", "b", 0.0}, {"b", "c", 1.0},
		{"c", "a", 0.0}, {"c", "b", 1.0}, {"c", "c", 1.0},
	}
	if !reflect.DeepEqual(c.Rows, want) {
		t.Fatalf("rows = %v", c.Rows)
	}
	if c.Spec != SpecConfusionMatrix || !slices.Equal(c.Columns, []string{"Actual", "Predicted", "nPredictions"}) ||
		c.StringFields["title"] != "Confusion Matrix Curve" ||
		!reflect.DeepEqual(c.Fields, map[string]string{"Actual": "Actual", "Predicted": "Predicted", "nPredictions": "nPredictions"}) {
		t.Fatalf("chart = %s %v %v %v", c.Spec, c.Columns, c.Fields, c.StringFields)
	}
}

func TestConfusionMatrixWithoutNamesUsesSortedValues(t *testing.T) {
	c, err := ConfusionMatrix([]int{5, 7}, []int{7, 9}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]any{
		{"Class_1", "Class_1", 0.0}, {"Class_1", "Class_2", 1.0}, {"Class_1", "Class_3", 0.0},
		{"Class_2", "Class_1", 0.0}, {"Class_2", "Class_2", 0.0}, {"Class_2", "Class_3", 1.0},
		{"Class_3", "Class_1", 0.0}, {"Class_3", "Class_2", 0.0}, {"Class_3", "Class_3", 0.0},
	}
	if !reflect.DeepEqual(c.Rows, want) {
		t.Fatalf("rows = %v", c.Rows)
	}
}

func TestConfusionMatrixFromProbsTakesArgmax(t *testing.T) {
	c, err := ConfusionMatrixFromProbs([]int{0, 1, 1}, [][]float64{{0.7, 0.3}, {0.5, 0.5}, {0.1, 0.9}}, []string{"x", "y"})
	if err != nil {
		t.Fatal(err)
	}
	// The tie [0.5, 0.5] predicts class 0, as numpy's argmax does.
	want := [][]any{{"x", "x", 1.0}, {"x", "y", 0.0}, {"y", "x", 1.0}, {"y", "y", 1.0}}
	if !reflect.DeepEqual(c.Rows, want) {
		t.Fatalf("rows = %v", c.Rows)
	}
}

func TestClassifierInputErrors(t *testing.T) {
	for name, err := range map[string]error{
		"pr empty":         second(PRCurve(nil, nil)),
		"pr lengths":       second(PRCurve([]int{0, 1}, [][]float64{{1, 0}})),
		"pr ragged":        second(PRCurve([]int{0, 1}, [][]float64{{1, 0}, {1}})),
		"pr NaN":           second(PRCurve([]int{0, 1}, [][]float64{{math.NaN(), 0}, {1, 0}})),
		"pr columns":       second(PRCurve([]int{0, 1, 2}, [][]float64{{1, 0}, {1, 0}, {0, 1}})),
		"pr labels":        second(PRCurve([]int{0, 3}, [][]float64{{1, 0}, {0, 1}}, WithLabels("a"))),
		"pr interp":        second(PRCurve([]int{0, 1}, [][]float64{{1, 0}, {0, 1}}, WithInterpSize(-1))),
		"roc Inf":          second(ROCCurve([]int{0, 1}, [][]float64{{math.Inf(1), 0}, {1, 0}})),
		"cm lengths":       second(ConfusionMatrix([]int{0}, []int{0, 1}, nil)),
		"cm many preds":    second(ConfusionMatrix([]int{0, 0, 0}, []int{0, 1, 2}, []string{"a", "b"})),
		"cm many labels":   second(ConfusionMatrix([]int{0, 1, 2}, []int{0, 0, 0}, []string{"a", "b"})),
		"cm unknown":       second(ConfusionMatrix([]int{0, 5}, []int{0, 1}, []string{"a", "b"})),
		"cm empty row":     second(ConfusionMatrixFromProbs([]int{0}, [][]float64{{}}, nil)),
		"line lengths":     second(Line([]int{1, 2}, []float64{1})),
		"bar lengths":      second(Bar([]string{"a"}, []int{})),
		"series x count":   second(LineSeries([][]int{{1}, {2}}, [][]int{{1}, {2}, {3}})),
		"series key count": second(LineSeries([][]int{{1}}, [][]int{{1}, {2}}, WithKeys("a"))),
	} {
		if !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: err = %v, want ErrInvalidInput", name, err)
		}
	}
}

func second(_ *Chart, err error) error { return err }

func ExamplePRCurve() {
	yTrue := []int{0, 0, 1, 1}
	yProbas := [][]float64{{0.9, 0.1}, {0.6, 0.4}, {0.65, 0.35}, {0.2, 0.8}}
	c, err := PRCurve(yTrue, yProbas, WithLabels("neg", "pos"), WithInterpSize(5))
	if err != nil {
		panic(err)
	}
	fmt.Println(c.Spec, c.Columns, c.Fields["x"], c.Fields["y"])
	for _, r := range c.Rows[5:] {
		fmt.Println(r...)
	}
	// Output:
	// wandb/area-under-curve/v0 [class precision recall] recall precision
	// pos 0.667 1
	// pos 0.667 0.75
	// pos 1 0.5
	// pos 1 0.25
	// pos 1 0
}
