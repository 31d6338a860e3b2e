// Package gorgonia logs Gorgonia training (gorgonia.org/gorgonia) into a
// W&B run through the one hook Gorgonia has: its Solver interface.
//
// Gorgonia has no training loop to hook into: the user writes it, as
//
//	for step := range steps {
//		vm.RunAll()
//		solver.Step(G.NodesToValueGrads(params))
//		vm.Reset()
//	}
//
// so the integration is a Solver that wraps the user's one. WrapSolver
// returns it; each Step it sees the parameters and their gradients before
// the wrapped solver updates them, and logs one row (run.Log, committed)
// every EveryNSteps steps:
//
//   - "train/grad_norm/<param>": the L2 norm of each parameter's gradient,
//     by the node's name, and "train/grad_norm", the norm of them all;
//   - "train/learning_rate": the solver's learning rate, when it has one
//     that can be read (see WrapSolver);
//   - "train/loss": with WithLoss (the loss node's value after RunAll) or
//     WithLossValue (the Value a G.Read op fills);
//   - GlobalStepKey: the number of Step calls, the x-axis of the other keys
//     (run.DefineMetric with wandb.StepMetric);
//
// and, every HistogramsEvery steps, "parameters/<param>" and
// "gradients/<param>" histograms in the same row. Gorgonia's values are
// plain Go slices that the wrapper reads anyway for the gradient norms, so
// the histograms are binned here, in the row of their step (GoMLX's, in
// package integrations/gomlx, go to a plugin instead).
//
// Values logged by the user with run.Log(values, wandb.Commit(false))
// before Step join the step's row.
//
// # Versions
//
// Gorgonia v0.9.18 with gorgonia.org/tensor v0.9.24 and a current
// go4.org/unsafe/assume-no-moving-gc: with the versions v0.9.18 asks for,
// a program panics at init on Go 1.26 (assume-no-moving-gc has not vouched
// for the new runtime). go.mod pins them.
package gorgonia
