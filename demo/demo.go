// Package demo holds St. Example General, Ward's built-in demo hospital: a
// model file with the weaknesses real hospitals have, embedded in the binary.
package demo

import (
	_ "embed"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/modelfile"
)

// FileName is the demo model's file name.
const FileName = "st-example-general.yaml"

// File is the demo model file, comments and all.
//
//go:embed st-example-general.yaml
var File []byte

// Model parses the demo hospital.
func Model() (*ward.Model, error) {
	return modelfile.Parse(FileName, File, modelfile.DefaultLimits)
}
