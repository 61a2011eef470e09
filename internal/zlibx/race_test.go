//go:build race

package zlibx

// raceEnabled trims the differential test under the race detector, which
// makes compressing its 188 MB take minutes.
const raceEnabled = true
