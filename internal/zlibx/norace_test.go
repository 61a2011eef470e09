//go:build !race

package zlibx

const raceEnabled = false
