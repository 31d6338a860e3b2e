package query

import "math"

// nonFinite are the strings the server writes for non-finite numbers in
// JSON values.
var nonFinite = map[string]float64{"NaN": math.NaN(), "Infinity": math.Inf(1), "-Infinity": math.Inf(-1)}
