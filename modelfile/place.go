package modelfile

import (
	"fmt"
	"os"

	"github.com/wardhealth/ward"
	"go.yaml.in/yaml/v3"
)

// Place puts problems found in a model after it was read (checks that need
// more than the model, such as cost figures for threats the catalog does
// not have) at their fields' lines and columns in the file it was read
// from. A file that can no longer be read leaves them unpositioned, named
// by file and field.
func Place(path string, problems []ward.FieldError) Errors {
	out := make(Errors, len(problems))
	var root yaml.Node
	data, err := os.ReadFile(path)
	if err == nil {
		// JSON is YAML too: one reading of positions serves both.
		err = yaml.Unmarshal(data, &root)
	}
	for i, p := range problems {
		out[i] = Error{File: path, Field: p.Path, Message: p.Message, Hint: p.Hint}
		if err == nil && len(root.Content) > 0 {
			out[i].Line, out[i].Column = locate(&root, p.Path)
		}
	}
	if err != nil && len(out) > 0 {
		out[0].Hint += fmt.Sprintf(" (positions unknown: %v)", err)
	}
	return out
}
