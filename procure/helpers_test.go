package procure_test

import (
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/intel"
)

func assessOptions(today string, ms []intel.Match) assess.Options {
	return assess.Options{Today: today, Matches: ms}
}
