package intel

import (
	"fmt"
	"regexp"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/modelfile"
)

var cveRe = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,}$`)

// checker collects the problems of one JSON feed file, each placed at its
// field in the file.
type checker struct {
	name string
	data []byte
	errs modelfile.Errors
}

// maxFeedErrors caps the problems reported for one feed file: placing each
// walks the file.
const maxFeedErrors = 50

func (c *checker) add(field, msg, hint string) {
	if len(c.errs) < maxFeedErrors {
		c.errs = append(c.errs, modelfile.JSONError(c.name, c.data, field, msg, hint))
	}
}

// err is nil, or every problem found.
func (c *checker) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	return c.errs
}

func (c *checker) cve(field, id string) {
	if !cveRe.MatchString(id) {
		c.add(field, fmt.Sprintf("%q is not a CVE id", id), "CVE-YYYY-NNNN, four or more digits after the year")
	}
}

// date checks an RFC 3339 full date (YYYY-MM-DD); empty is allowed unless
// required.
func (c *checker) date(field, s string, required bool) {
	if s == "" {
		if required {
			c.add(field, "missing date", "write YYYY-MM-DD, e.g. 2025-10-14")
		}
		return
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		c.add(field, fmt.Sprintf("%q is not an RFC 3339 date", s), "write YYYY-MM-DD, e.g. 2025-10-14")
	}
}

// dateTime checks an RFC 3339 date and time; empty is allowed unless
// required.
func (c *checker) dateTime(field, s string, required bool) {
	if s == "" {
		if required {
			c.add(field, "missing date and time", "e.g. 2025-10-14T09:30:00Z")
		}
		return
	}
	if _, err := time.Parse(time.RFC3339, s); err != nil {
		c.add(field, fmt.Sprintf("%q is not an RFC 3339 date and time", s), "e.g. 2025-10-14T09:30:00Z")
	}
}

// line refuses control characters in a name, as model files do.
func (c *checker) line(field, s string) {
	if r, bad := ward.ControlChar(s, false); bad {
		c.add(field, fmt.Sprintf("control character %U", r), "a name is one line of printable text; remove the character")
	}
}

func (c *checker) score(field string, s float64) {
	if s < 0 || s > 10 {
		c.add(field, fmt.Sprintf("CVSS base score %g out of range", s), "scores run from 0 to 10")
	}
}
