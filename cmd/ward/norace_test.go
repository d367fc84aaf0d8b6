//go:build !race

package main_test

// raceFlags are empty: without -race the tests drive a binary built
// without it too, which builds much faster.
var raceFlags []string
