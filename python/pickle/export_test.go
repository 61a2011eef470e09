package pickle

import "math/rand/v2"

// RandomValue returns a random value of the kinds a pickled session holds
// and the description testdata/pickle_peer.py builds it from.
func RandomValue(seed uint64, big bool) (v, desc any) {
	g := &gen{r: rand.New(rand.NewPCG(seed, 11)), big: big}
	return g.value(0)
}

// Diff says how two values differ, or "".
func Diff(want, got any) string { return diff(want, got, "v") }
