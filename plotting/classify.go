package plotting

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
)

// PRCurve is wandb.plot.pr_curve: one precision-recall curve per class,
// in a table with columns class, precision and recall; spec
// SpecAreaUnderCurve, fields {x: "recall", y: "precision", class:
// "class"}, string fields title (default "Precision-Recall Curve"),
// x-axis-title "Recall" and y-axis-title "Precision".
//
// yTrue holds the true class of each sample; yProbas one row per sample with
// a score per class. The classes are the distinct values of yTrue, sorted;
// as in W&B, the i-th class is scored by column i of yProbas (its position
// among the classes, not its value). For each class the curve is
// scikit-learn's precision_recall_curve with that class positive; precision
// is made monotone (a running maximum from full recall down), then read at
// WithInterpSize (default 21) recall points evenly spaced from 1 down to 0:
// at recall r, the precision of the first curve point whose recall is ≥ r.
// Values are rounded to 3 decimals (half to even, as numpy). The class
// column holds the class value, or its name when WithLabels is given.
// Tables over MaxRows rows are resampled, stratified by class, to MaxRows
// rows sorted by precision, recall and class (see resample).
//
// Scores must be finite; yTrue and yProbas must have the same length and
// yProbas must not be ragged.
func PRCurve(yTrue []int, yProbas [][]float64, opts ...Option) (*Chart, error) {
	o := buildOptions(opts)
	if o.interpSize < 0 {
		return nil, fmt.Errorf("plotting: pr curve: number of interpolation points must be non-negative, got %d: %w", o.interpSize, ErrInvalidInput)
	}
	curves, err := perClass("pr curve", yTrue, yProbas, o)
	if err != nil {
		return nil, err
	}
	interp := linspace01(o.interpSize)
	slices.Reverse(interp) // 1 … 0
	var rows [][]any
	for _, c := range curves {
		prec, rec := prCurve(c.pos, c.score)
		// W&B's _step: precision never drops as recall decreases.
		for i := 1; i < len(prec); i++ {
			prec[i] = math.Max(prec[i], prec[i-1])
		}
		slices.Reverse(prec)
		slices.Reverse(rec) // ascending recall
		c.rows = make([][]any, len(interp))
		for j, r := range interp {
			k := sort.SearchFloat64s(rec, r) // numpy searchsorted, side="left"
			if k == len(rec) {
				k = len(rec) - 1 // unreachable: the last recall is 1
			}
			c.rows[j] = []any{c.label, round3(prec[k]), round3(r)}
		}
	}
	for _, c := range mergeLabels(curves) {
		rows = append(rows, c.rows...)
	}
	if len(rows) > MaxRows {
		rows = resample(rows, MaxRows, []int{1, 2, 0})
	}
	if rows == nil {
		rows = [][]any{}
	}
	title := o.titleOr("Precision-Recall Curve")
	return &Chart{
		Spec:         SpecAreaUnderCurve,
		Columns:      []string{"class", "precision", "recall"},
		Rows:         rows,
		Fields:       map[string]string{"x": "recall", "y": "precision", "class": "class"},
		StringFields: map[string]string{"title": title, "x-axis-title": "Recall", "y-axis-title": "Precision"},
		Title:        title,
		SplitTable:   o.split,
	}, nil
}

// ROCCurve is wandb.plot.roc_curve: one ROC curve per class, in a table
// with columns class, fpr and tpr; spec SpecAreaUnderCurve, fields {x:
// "fpr", y: "tpr", class: "class"}, string fields title (default "ROC
// Curve"), x-axis-title "False positive rate" and y-axis-title "True
// positive rate".
//
// Inputs are as for PRCurve. Each curve is scikit-learn's roc_curve with
// drop_intermediate: it starts at (0, 0), keeps only the corners of the
// curve, and is NaN (for fpr or tpr) when the class has no negative or no
// positive samples. Values are rounded to 3 decimals; tables over MaxRows
// rows are resampled to MaxRows rows sorted by fpr, tpr and class.
func ROCCurve(yTrue []int, yProbas [][]float64, opts ...Option) (*Chart, error) {
	o := buildOptions(opts)
	curves, err := perClass("roc curve", yTrue, yProbas, o)
	if err != nil {
		return nil, err
	}
	var rows [][]any
	for _, c := range curves {
		fpr, tpr := rocCurve(c.pos, c.score)
		c.rows = make([][]any, len(fpr))
		for j := range fpr {
			c.rows[j] = []any{c.label, round3(fpr[j]), round3(tpr[j])}
		}
	}
	for _, c := range mergeLabels(curves) {
		rows = append(rows, c.rows...)
	}
	if len(rows) > MaxRows {
		rows = resample(rows, MaxRows, []int{1, 2, 0})
	}
	if rows == nil {
		rows = [][]any{}
	}
	title := o.titleOr("ROC Curve")
	return &Chart{
		Spec:         SpecAreaUnderCurve,
		Columns:      []string{"class", "fpr", "tpr"},
		Rows:         rows,
		Fields:       map[string]string{"x": "fpr", "y": "tpr", "class": "class"},
		StringFields: map[string]string{"title": title, "x-axis-title": "False positive rate", "y-axis-title": "True positive rate"},
		Title:        title,
		SplitTable:   o.split,
	}, nil
}

// classCurve is one class of a PR or ROC curve.
type classCurve struct {
	label any    // class value (int64) or name (string)
	pos   []bool // sample is of this class
	score []float64
	rows  [][]any
}

// perClass checks the inputs and picks the classes to plot, as W&B's
// pr_curve and roc_curve do.
func perClass(what string, yTrue []int, yProbas [][]float64, o options) ([]*classCurve, error) {
	if len(yTrue) == 0 {
		return nil, fmt.Errorf("plotting: %s: no samples: %w", what, ErrInvalidInput)
	}
	if len(yProbas) != len(yTrue) {
		return nil, fmt.Errorf("plotting: %s: %d labels but %d rows of scores: %w", what, len(yTrue), len(yProbas), ErrInvalidInput)
	}
	k := len(yProbas[0])
	for i, r := range yProbas {
		if len(r) != k {
			return nil, fmt.Errorf("plotting: %s: score row %d has %d columns, row 0 has %d: %w", what, i, len(r), k, ErrInvalidInput)
		}
	}
	classes := slices.Clone(yTrue)
	slices.Sort(classes)
	classes = slices.Compact(classes)
	var curves []*classCurve
	for i, cls := range classes {
		if o.hasClasses && !slices.Contains(o.classesToPlot, cls) {
			continue
		}
		if i >= k {
			return nil, fmt.Errorf("plotting: %s: class %d is class #%d but the scores have %d columns: %w", what, cls, i, k, ErrInvalidInput)
		}
		var label any = int64(cls)
		if o.labels != nil {
			j := cls
			if j < 0 { // Python indexing
				j += len(o.labels)
			}
			if j < 0 || j >= len(o.labels) {
				return nil, fmt.Errorf("plotting: %s: class %d has no label (%d labels): %w", what, cls, len(o.labels), ErrInvalidInput)
			}
			label = o.labels[j]
		}
		c := &classCurve{label: label, pos: make([]bool, len(yTrue)), score: make([]float64, len(yTrue))}
		for s := range yTrue {
			v := yProbas[s][i]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("plotting: %s: score [%d][%d] is %v; scores must be finite: %w", what, s, i, v, ErrInvalidInput)
			}
			c.pos[s] = yTrue[s] == cls
			c.score[s] = v
		}
		curves = append(curves, c)
	}
	return curves, nil
}

// mergeLabels keeps one curve per label: W&B collects curves in a dict by
// label, so a repeated label keeps its first position and its last curve.
func mergeLabels(curves []*classCurve) []*classCurve {
	out := curves[:0:0]
	at := map[any]int{}
	for _, c := range curves {
		if i, ok := at[c.label]; ok {
			out[i] = c
			continue
		}
		at[c.label] = len(out)
		out = append(out, c)
	}
	return out
}

// binaryCurve is scikit-learn's _binary_clf_curve: false and true positive
// counts at each distinct score, from the highest score down.
func binaryCurve(pos []bool, score []float64) (fps, tps []float64) {
	idx := make([]int, len(score))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return score[idx[a]] > score[idx[b]] })
	var tp float64
	for n, i := range idx {
		if pos[i] {
			tp++
		}
		// The last sample of a run of equal scores closes a threshold.
		if n == len(idx)-1 || score[idx[n+1]] != score[i] {
			tps = append(tps, tp)
			fps = append(fps, float64(n+1)-tp)
		}
	}
	return fps, tps
}

// prCurve is scikit-learn's precision_recall_curve (≥ 1.1): precision and
// recall from the lowest threshold up, ending with the point (recall 0,
// precision 1). A class without positives has recall 1 everywhere.
func prCurve(pos []bool, score []float64) (precision, recall []float64) {
	fps, tps := binaryCurve(pos, score)
	n := len(tps)
	precision = make([]float64, n+1)
	recall = make([]float64, n+1)
	last := tps[n-1]
	for i := range n {
		j := n - 1 - i // reversed
		if ps := tps[j] + fps[j]; ps != 0 {
			precision[i] = tps[j] / ps
		}
		if last == 0 {
			recall[i] = 1
		} else {
			recall[i] = tps[j] / last
		}
	}
	precision[n], recall[n] = 1, 0
	return precision, recall
}

// rocCurve is scikit-learn's roc_curve with drop_intermediate=True.
func rocCurve(pos []bool, score []float64) (fpr, tpr []float64) {
	fps, tps := binaryCurve(pos, score)
	if len(fps) > 2 {
		keep := []int{0}
		for i := 0; i+2 < len(fps); i++ {
			d2f := (fps[i+2] - fps[i+1]) - (fps[i+1] - fps[i])
			d2t := (tps[i+2] - tps[i+1]) - (tps[i+1] - tps[i])
			if d2f != 0 || d2t != 0 {
				keep = append(keep, i+1)
			}
		}
		keep = append(keep, len(fps)-1)
		f, t := make([]float64, len(keep)), make([]float64, len(keep))
		for j, i := range keep {
			f[j], t[j] = fps[i], tps[i]
		}
		fps, tps = f, t
	}
	fps = append([]float64{0}, fps...)
	tps = append([]float64{0}, tps...)
	fpr = make([]float64, len(fps))
	tpr = make([]float64, len(tps))
	lf, lt := fps[len(fps)-1], tps[len(tps)-1]
	for i := range fps {
		fpr[i], tpr[i] = math.NaN(), math.NaN()
		if lf > 0 {
			fpr[i] = fps[i] / lf
		}
		if lt > 0 {
			tpr[i] = tps[i] / lt
		}
	}
	return fpr, tpr
}

// linspace01 is numpy's linspace(0, 1, n).
func linspace01(n int) []float64 {
	out := make([]float64, n)
	if n > 1 {
		step := 1 / float64(n-1)
		for i := range out {
			out[i] = float64(i) * step
		}
		out[n-1] = 1
	}
	return out
}

// round3 is numpy's round(x, 3): x*1000 rounded half to even, over 1000.
func round3(x float64) float64 {
	return math.RoundToEven(x*1000) / 1000
}

// resample cuts rows down to n, stratified by the class column (index
// sortKeys[len-1]) and sorted by sortKeys, as W&B does with scikit-learn's
// resample(replace=False, n_samples=n, stratify=class).
//
// Each class gets scikit-learn's share (_approximate_mode: the floor of
// its proportional share, and the rows left over go to the classes with
// the largest remainders). Where scikit-learn breaks ties among equal
// remainders and picks a class's rows with its seeded random generator,
// this picks the first classes and evenly spaced rows (first and last
// included), so the result is deterministic but not the same rows as W&B's.
func resample(rows [][]any, n int, sortKeys []int) [][]any {
	classCol := sortKeys[len(sortKeys)-1]
	var order []any
	byClass := map[any][]int{}
	for i, r := range rows {
		c := r[classCol]
		if _, ok := byClass[c]; !ok {
			order = append(order, c)
		}
		byClass[c] = append(byClass[c], i)
	}
	slices.SortFunc(order, compareCells)
	total := float64(len(rows))
	quota := make([]int, len(order))
	rem := make([]float64, len(order))
	need := n
	for i, c := range order {
		cont := float64(len(byClass[c])) / total * float64(n)
		quota[i] = int(math.Floor(cont))
		rem[i] = cont - float64(quota[i])
		need -= quota[i]
	}
	if need > 0 {
		byRem := make([]int, len(order))
		for i := range byRem {
			byRem[i] = i
		}
		sort.SliceStable(byRem, func(a, b int) bool { return rem[byRem[a]] > rem[byRem[b]] })
		for _, i := range byRem[:need] {
			quota[i]++
		}
	}
	out := make([][]any, 0, n)
	for i, c := range order {
		idx := byClass[c]
		q := min(quota[i], len(idx))
		for j := range q {
			k := 0
			if q > 1 {
				k = j * (len(idx) - 1) / (q - 1)
			}
			out = append(out, rows[idx[k]])
		}
	}
	slices.SortStableFunc(out, func(a, b []any) int {
		for _, k := range sortKeys {
			if c := compareCells(a[k], b[k]); c != 0 {
				return c
			}
		}
		return 0
	})
	return out
}

// compareCells orders numbers (NaN last, as pandas sorts) and strings.
func compareCells(a, b any) int {
	fa, aNum := number(a)
	fb, bNum := number(b)
	switch {
	case aNum && bNum:
		an, bn := math.IsNaN(fa), math.IsNaN(fb)
		switch {
		case an && bn:
			return 0
		case an:
			return 1
		case bn:
			return -1
		}
		return cmp.Compare(fa, fb)
	case aNum:
		return -1
	case bNum:
		return 1
	}
	return cmp.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

// ConfusionMatrix is wandb.plot.confusion_matrix from predicted classes: a
// table with columns Actual, Predicted and nPredictions holding every
// (actual, predicted) pair of classes with its count (a float, as numpy
// counts are); spec SpecConfusionMatrix, fields {Actual, Predicted,
// nPredictions} (each naming its own column), string field title (default
// "Confusion Matrix Curve").
//
// With classNames, class i is classNames[i]: the classes are 0 … n-1 and
// every label must be one of them. Without, the classes are the distinct
// values of yTrue and preds, sorted, named Class_1, Class_2, ….
func ConfusionMatrix(yTrue, preds []int, classNames []string, opts ...Option) (*Chart, error) {
	o := buildOptions(opts)
	if len(preds) != len(yTrue) {
		return nil, fmt.Errorf("plotting: confusion matrix: the number of predictions (%d) and true labels (%d) must be equal: %w", len(preds), len(yTrue), ErrInvalidInput)
	}
	var classes []int
	names := classNames
	if classNames != nil {
		if distinct(preds) > len(classNames) {
			return nil, fmt.Errorf("plotting: confusion matrix: the number of unique predicted classes exceeds the number of class names (%d): %w", len(classNames), ErrInvalidInput)
		}
		if distinct(yTrue) > len(classNames) {
			return nil, fmt.Errorf("plotting: confusion matrix: the number of unique true labels exceeds the number of class names (%d): %w", len(classNames), ErrInvalidInput)
		}
		classes = make([]int, len(classNames))
		for i := range classes {
			classes[i] = i
		}
	} else {
		classes = append(slices.Clone(preds), yTrue...)
		slices.Sort(classes)
		classes = slices.Compact(classes)
		names = make([]string, len(classes))
		for i := range names {
			names[i] = fmt.Sprintf("Class_%d", i+1)
		}
	}
	n := len(classes)
	index := make(map[int]int, n)
	for i, c := range classes {
		index[c] = i
	}
	counts := make([]float64, n*n)
	for s := range preds {
		a, ok := index[yTrue[s]]
		if !ok {
			return nil, fmt.Errorf("plotting: confusion matrix: true label %d is not a class (0 … %d): %w", yTrue[s], n-1, ErrInvalidInput)
		}
		p, ok := index[preds[s]]
		if !ok {
			return nil, fmt.Errorf("plotting: confusion matrix: prediction %d is not a class (0 … %d): %w", preds[s], n-1, ErrInvalidInput)
		}
		counts[a*n+p]++
	}
	rows := make([][]any, 0, n*n)
	for i := range n {
		for j := range n {
			rows = append(rows, []any{names[i], names[j], counts[i*n+j]})
		}
	}
	title := o.titleOr("Confusion Matrix Curve")
	return &Chart{
		Spec:         SpecConfusionMatrix,
		Columns:      []string{"Actual", "Predicted", "nPredictions"},
		Rows:         rows,
		Fields:       map[string]string{"Actual": "Actual", "Predicted": "Predicted", "nPredictions": "nPredictions"},
		StringFields: map[string]string{"title": title},
		Title:        title,
		SplitTable:   o.split,
	}, nil
}

// ConfusionMatrixFromProbs is ConfusionMatrix with each prediction the
// class of highest probability (numpy's argmax: the first maximum, or the
// first NaN).
func ConfusionMatrixFromProbs(yTrue []int, probs [][]float64, classNames []string, opts ...Option) (*Chart, error) {
	preds := make([]int, len(probs))
	for i, row := range probs {
		if len(row) == 0 {
			return nil, fmt.Errorf("plotting: confusion matrix: probability row %d is empty: %w", i, ErrInvalidInput)
		}
		if len(row) != len(probs[0]) {
			return nil, fmt.Errorf("plotting: confusion matrix: probability row %d has %d columns, row 0 has %d: %w", i, len(row), len(probs[0]), ErrInvalidInput)
		}
		preds[i] = argmax(row)
	}
	return ConfusionMatrix(yTrue, preds, classNames, opts...)
}

func argmax(row []float64) int {
	best := 0
	for i, v := range row {
		if math.IsNaN(v) {
			return i
		}
		if v > row[best] {
			best = i
		}
	}
	return best
}

func distinct(xs []int) int {
	s := slices.Clone(xs)
	slices.Sort(s)
	return len(slices.Compact(s))
}
