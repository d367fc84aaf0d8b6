package assess

import "github.com/wardhealth/ward"

// HoldsHealthData says whether an asset holds health data (the fact
// HoldsPHI of the assessment), for a reader that needs this fact of a few
// assets without the facts of the whole model.
func HoldsHealthData(a *ward.Asset) bool {
	for _, d := range a.Data {
		if healthData(d) {
			return true
		}
	}
	return false
}
