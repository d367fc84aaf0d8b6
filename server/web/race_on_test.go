//go:build race

package web

// raceDetector tells the tests that the race detector runs, and makes
// everything some ten times slower.
const raceDetector = true
