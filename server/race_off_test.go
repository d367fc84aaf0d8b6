//go:build !race

package server

// raceDetector tells the tests that the race detector runs, and makes
// everything some ten times slower.
const raceDetector = false
