package intel

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// MaxFeedBytes is the largest feed file read.
const MaxFeedBytes = 256 << 20

// LoadAdvisories reads CSAF advisories from files and directories (every
// .json file inside). All must parse: a broken file is an error naming it.
func LoadAdvisories(paths ...string) ([]*Advisory, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("advisories: %w", err)
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		found, err := filepath.Glob(filepath.Join(p, "*.json"))
		if err != nil {
			return nil, err
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	var out []*Advisory
	for _, f := range files {
		data, err := readFeed(f)
		if err != nil {
			return nil, err
		}
		a, err := ParseCSAF(f, data)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// LoadKEV reads the KEV catalog file.
func LoadKEV(path string) (*KEV, error) {
	data, err := readFeed(path)
	if err != nil {
		return nil, err
	}
	return ParseKEV(path, data)
}

func readFeed(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > MaxFeedBytes {
		return nil, fmt.Errorf("%s: larger than %d MiB", path, MaxFeedBytes>>20)
	}
	if !strings.EqualFold(filepath.Ext(path), ".json") {
		return nil, fmt.Errorf("%s: not a .json file", path)
	}
	return os.ReadFile(path)
}

// LoadNVD reads NVD CVE API 2.0 pages from files and directories.
func LoadNVD(paths ...string) ([]CVE, error) {
	var out []CVE
	for _, p := range paths {
		files := []string{p}
		if st, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("nvd: %w", err)
		} else if st.IsDir() {
			found, err := filepath.Glob(filepath.Join(p, "*.json"))
			if err != nil {
				return nil, err
			}
			sort.Strings(found)
			files = found
		}
		for _, f := range files {
			data, err := readFeed(f)
			if err != nil {
				return nil, err
			}
			cves, err := ParseNVD(f, data)
			if err != nil {
				return nil, err
			}
			out = append(out, cves...)
		}
	}
	return out, nil
}
