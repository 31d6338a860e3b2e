// Package plotting builds W&B's chart presets from Go slices and draws any
// chart with gonum/plot, so that results can be seen without a browser.
//
// A [Chart] is the Go form of what W&B's wandb.plot_table makes: a Vega spec
// name (such as "wandb/line/v0"), a table (columns and rows), the spec's
// field → column mapping and its string settings (title, axis titles). The
// builders — [Line], [Scatter], [Bar], [Histogram], [LineSeries], [PRCurve],
// [ROCCurve], [ConfusionMatrix] and [ConfusionMatrixFromProbs] — make the
// same table shapes, column names and field mappings as wandb.plot.* in the
// Python SDK (wandb-behaviour.md §4.3), including the 21-point recall
// interpolation of pr_curve and the 10,000-row cap with stratified
// resampling of pr_curve and roc_curve. They are pure functions: no run, no
// files.
//
// [Chart.Plot] turns a chart into a *plot.Plot and [Chart.Render] writes it
// as PNG or SVG. Rendering is deterministic: the fonts are gonum's embedded
// Liberation fonts, sizes are fixed and PNGs are drawn at 96 DPI, so the
// same chart gives the same bytes. NaN, ±Inf and non-numeric cells are
// dropped before gonum/plot sees them (its constructors refuse them), and
// the count is added to the title, as in "(3 NaN/Inf points dropped)".
//
// The root package wandb logs charts: wandb.PlotTable and the wandb.Plot*
// constructors wrap a Chart in a CustomChart, whose table, panel config and
// rendered PNG land in the run when it is logged.
package plotting
