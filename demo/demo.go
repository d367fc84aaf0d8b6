// Package demo holds St. Example General, Ward's built-in demo hospital: a
// model file with the weaknesses real hospitals have, embedded in the binary.
package demo

import (
	"embed"
	"io/fs"
	"sort"
	"strings"

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

//go:embed feeds
var feeds embed.FS

// FeedFile is one of the public feed files the demo ships.
type FeedFile struct {
	Name string
	Data []byte
}

// Feeds gives the demo's feed files: the CISA medical-device advisories
// (CSAF 2.0) that name its devices and an excerpt of the KEV catalog, as
// published (feeds/LICENSE.md says where from and under which licence).
func Feeds() []FeedFile {
	entries, err := fs.ReadDir(feeds, "feeds")
	if err != nil {
		panic("demo: embedded feeds: " + err.Error())
	}
	var out []FeedFile
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		data, err := feeds.ReadFile("feeds/" + e.Name())
		if err != nil {
			panic("demo: embedded feeds: " + err.Error())
		}
		out = append(out, FeedFile{Name: e.Name(), Data: data})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
