//go:build race

package hashers

// raceEnabled: the race detector slows the pure-Go hashes several times,
// so tests skip repeated checks at Django's full default costs.
const raceEnabled = true
