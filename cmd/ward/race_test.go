//go:build race

package main_test

// raceFlags build the binary under test with the race detector, as the
// tests themselves are.
var raceFlags = []string{"-race"}
