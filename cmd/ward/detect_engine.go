package main

import (
	"errors"
	"os"
	"runtime/debug"

	"github.com/wardhealth/ward/detect"
)

// detectGC lets the heap grow to five times what is live before
// collecting (GOGC=400) while reading logs, unless GOGC is set: the live
// heap is the open windows, some 100 MiB at most for the built-in rules,
// and collecting less often takes a sixth off the time a line costs.
func detectGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}

// loadEngine makes a detection engine of the built-in rules and those
// under ruleDirs; a mistake in a rule is bad input.
func loadEngine(ruleDirs []string) (*detect.Engine, error) {
	detectGC()
	rules, err := detect.Builtin()
	if err != nil {
		return nil, err
	}
	for _, dir := range ruleDirs {
		rs, err := detect.LoadDir(dir)
		var re *detect.RuleError
		if errors.As(err, &re) {
			return nil, invalidError{err}
		}
		if err != nil {
			return nil, err
		}
		rules = append(rules, rs...)
	}
	en, err := detect.NewEngine(rules)
	if err != nil {
		return nil, invalidError{err}
	}
	return en, nil
}
