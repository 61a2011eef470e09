// Package stats holds the summary statistics the benchmark programs
// (bench/http, bench/gateway) print.
package stats

import "slices"

// Median returns the median of v: the middle value of the sorted values
// for an odd count, the mean of the two middle values for an even count
// (the conventional definition), and 0 for none. v is not changed.
func Median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	switch {
	case n == 0:
		return 0
	case n%2 == 1:
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
