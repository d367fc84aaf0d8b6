package main

import (
	"errors"

	"github.com/wardhealth/ward/detect"
)

// loadEngine makes a detection engine of the built-in rules and those
// under ruleDirs; a mistake in a rule is bad input.
func loadEngine(ruleDirs []string) (*detect.Engine, error) {
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
