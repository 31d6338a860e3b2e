// Package plotting renders charts (line, scatter, bar, histogram, PR and ROC
// curves, confusion matrices and the plot_table presets) to images with
// gonum/plot, so results are visible without a browser. See
// docs/ARCHITECTURE.md; the charts land with the media issue.
package plotting
