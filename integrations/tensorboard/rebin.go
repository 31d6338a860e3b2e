package tensorboard

// Rebin reduces a histogram to n bins (n < len(counts)), keeping the total
// count and the edges' distribution. The new edges sit at evenly spaced
// fractional positions of the old edge list: new edge j is old edge
// j·m/n (m old bins), interpolated linearly between the two old edges
// around it, so equal-width bins stay equal-width and uneven ones (TF1's
// exponential buckets) stay uneven. Each old bin's count is spread over the
// new bins it overlaps in proportion to the overlap, as if its values were
// spread evenly within it (the same proportion in edge-index space as in
// value space, and free of overflow for edges near ±MaxFloat64).
//
// With n >= len(counts) it returns copies of edges and counts.
func Rebin(edges, counts []float64, n int) ([]float64, []float64) {
	m := len(counts)
	if n >= m || n < 1 {
		return append([]float64(nil), edges...), append([]float64(nil), counts...)
	}
	newEdges := make([]float64, n+1)
	newCounts := make([]float64, n)
	// New edge j is at old index j*m/n = q + r/n.
	for j := 0; j <= n; j++ {
		q, r := (j*m)/n, (j*m)%n
		if r == 0 || q >= m {
			newEdges[j] = edges[min(q, m)]
			continue
		}
		t := float64(r) / float64(n)
		newEdges[j] = edges[q]*(1-t) + edges[q+1]*t
	}
	newEdges[n] = edges[m]
	// Old bin i spans [i, i+1] in index space; new bin j spans
	// [j*m/n, (j+1)*m/n]. Work in units of 1/n to stay in integers:
	// old bin i is [i*n, (i+1)*n], new bin j is [j*m, (j+1)*m].
	for i, c := range counts {
		if c == 0 {
			continue
		}
		lo, hi := i*n, (i+1)*n
		for k := lo / m; k < n && k*m < hi; k++ {
			a, b := max(lo, k*m), min(hi, (k+1)*m)
			if b > a {
				newCounts[k] += c * float64(b-a) / float64(n)
			}
		}
	}
	return newEdges, newCounts
}
