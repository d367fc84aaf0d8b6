//go:build !race

package assess

// raceEnabled: the tests run under the race detector, several times slower.
const raceEnabled = false
