package intel

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/catalog"
)

// Feeds is loaded intelligence, ready to match: what the feed files of a
// store and of a command line hold together.
type Feeds struct {
	Advisories []*Advisory
	KEV        *KEV
	// NVD holds CVE records by id: a record read later replaces one read
	// earlier, so a page fetched today updates yesterday's.
	NVD      map[string]*CVE
	nvdOrder []string
	EPSS     map[string]EPSS
	EPSSDate string
	// Vendors is the vendor lineage to match with (a catalog's, the
	// user's files included); nil for the built-in one.
	Vendors []catalog.Vendor
}

// Empty tells whether nothing is loaded.
func (f *Feeds) Empty() bool {
	return len(f.Advisories) == 0 && f.KEV == nil && len(f.NVD) == 0 && f.EPSS == nil
}

// Matcher indexes the loaded feeds for matching.
func (f *Feeds) Matcher() *Matcher {
	m := NewMatcher(f.Advisories, f.KEV)
	if f.Vendors != nil {
		m = NewMatcherWith(f.Advisories, f.KEV, NewLineage(f.Vendors))
	}
	if len(f.NVD) > 0 {
		cves := make([]CVE, 0, len(f.nvdOrder))
		for _, id := range f.nvdOrder {
			cves = append(cves, *f.NVD[id])
		}
		m.AddNVD(cves)
	}
	m.EPSS = f.EPSS
	return m
}

// AddCVEs adds NVD records, each replacing a record of the same id.
func (f *Feeds) AddCVEs(cves []CVE) {
	if f.NVD == nil {
		f.NVD = map[string]*CVE{}
	}
	for i := range cves {
		c := &cves[i]
		if _, seen := f.NVD[c.ID]; !seen {
			f.nvdOrder = append(f.nvdOrder, c.ID)
		}
		f.NVD[c.ID] = c
	}
}

// Add parses one feed file of a known kind (data plain or gzipped) and adds
// what it holds; it returns the file's description.
func (f *Feeds) Add(kind ward.FeedKind, name string, data []byte) (ward.Feed, error) {
	data, err := gunzip(name, data, kind)
	if err != nil {
		return ward.Feed{}, err
	}
	d := ward.Feed{Kind: kind, Size: int64(len(data))}
	switch kind {
	case ward.FeedCSAF:
		a, err := ParseCSAF(name, data)
		if err != nil {
			return d, err
		}
		f.Advisories = append(f.Advisories, a)
		d.Name, d.Items, d.Published = strings.ToLower(a.ID), len(a.Vulns), a.Released
	case ward.FeedKEV:
		k, err := ParseKEV(name, data)
		if err != nil {
			return d, err
		}
		f.KEV = k
		d.Name, d.Items, d.Published = "catalog", len(k.Entries), k.Released
	case ward.FeedNVD:
		cves, err := ParseNVD(name, data)
		if err != nil {
			return d, err
		}
		f.AddCVEs(cves)
		d.Name, d.Items = strings.TrimSuffix(filepath.Base(name), filepath.Ext(name)), len(cves)
		if m := nvdTimestamp.FindSubmatch(head(data)); m != nil {
			d.Published = string(m[1])
		}
	case ward.FeedEPSS:
		scores, date, err := ParseEPSS(name, bytes.NewReader(data))
		if err != nil {
			return d, err
		}
		f.EPSS, f.EPSSDate = scores, date
		d.Name, d.Items, d.Published = "scores", len(scores), date
	default:
		return d, fmt.Errorf("%s: unknown feed kind %q", name, kind)
	}
	return d, nil
}

var nvdTimestamp = regexp.MustCompile(`"timestamp"\s*:\s*"([0-9T:.\-]+)"`)

func head(data []byte) []byte {
	return data[:min(len(data), 4096)]
}

// Kind tells which feed a file is from its first bytes: gzip or CSV is
// EPSS; JSON is told by the keys each format starts with. It returns ""
// when it cannot tell.
func Kind(data []byte) ward.FeedKind {
	h := head(data)
	if bytes.HasPrefix(h, []byte{0x1f, 0x8b}) {
		r, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return ""
		}
		h, _ = io.ReadAll(io.LimitReader(r, 4096))
	}
	switch {
	case bytes.HasPrefix(h, []byte("#model_version")), bytes.HasPrefix(h, []byte("cve,epss")):
		return ward.FeedEPSS
	case csafMark.Match(h):
		return ward.FeedCSAF
	case kevMark.Match(h):
		return ward.FeedKEV
	case nvdMark.Match(h):
		return ward.FeedNVD
	}
	return ""
}

// The marks of each JSON feed: a key with a string value, so that a JSON
// schema describing the key is not taken for the feed.
var (
	csafMark = regexp.MustCompile(`"csaf_version"\s*:\s*"`)
	kevMark  = regexp.MustCompile(`"catalogVersion"\s*:\s*"`)
	nvdMark  = regexp.MustCompile(`"format"\s*:\s*"NVD_CVE"|"resultsPerPage"\s*:\s*[0-9]`)
)

// ErrUnknownFeed is returned for a file that is none of the feeds Ward
// reads.
var ErrUnknownFeed = errors.New("not a feed Ward reads (CSAF 2.0 advisory, CISA KEV catalog, NVD CVE API 2.0 page, FIRST EPSS CSV)")

// Read identifies a feed file by its content, parses it (every file must
// parse: a broken feed is refused whole) and adds it to f. The returned
// file carries its description and its content compressed for storing.
func (f *Feeds) Read(name, source string, data []byte, now time.Time) (ward.FeedFile, error) {
	kind := Kind(data)
	if kind == "" {
		return ward.FeedFile{}, fmt.Errorf("%s: %w", name, ErrUnknownFeed)
	}
	d, err := f.Add(kind, name, data)
	if err != nil {
		return ward.FeedFile{}, err
	}
	sum := sha256.Sum256(data)
	d.Source, d.SHA256, d.Imported = source, hex.EncodeToString(sum[:]), now.UTC()
	stored := data
	if !bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		if stored, err = gzipBytes(data); err != nil {
			return ward.FeedFile{}, err
		}
	}
	return ward.FeedFile{Feed: d, Data: stored}, nil
}

func gzipBytes(data []byte) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(len(data) / 6)
	w, err := gzip.NewWriterLevel(&b, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// LoadStored reads every feed a store keeps. NVD pages are applied in the
// order they were imported, so a CVE updated by a later fetch takes the
// later record whatever the pages are called.
func LoadStored(ctx context.Context, s ward.FeedStore) (*Feeds, error) {
	f := &Feeds{}
	type page struct {
		imported time.Time
		cves     []CVE
	}
	var pages []page
	for _, kind := range ward.FeedKinds {
		err := s.FeedData(ctx, kind, func(file ward.FeedFile) error {
			if kind != ward.FeedNVD {
				_, err := f.Add(kind, file.Name, file.Data)
				return err
			}
			var one Feeds
			if _, err := one.Add(kind, file.Name, file.Data); err != nil {
				return err
			}
			cves := make([]CVE, 0, len(one.nvdOrder))
			for _, id := range one.nvdOrder {
				cves = append(cves, *one.NVD[id])
			}
			pages = append(pages, page{file.Imported, cves})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("stored %s feed: %w", kind, err)
		}
	}
	sort.SliceStable(pages, func(i, j int) bool { return pages[i].imported.Before(pages[j].imported) })
	for _, p := range pages {
		f.AddCVEs(p.cves)
	}
	return f, nil
}

// gunzip inflates gzipped JSON feeds; EPSS is left to ParseEPSS, which
// reads both. Inflating stops at MaxFeedBytes.
func gunzip(name string, data []byte, kind ward.FeedKind) ([]byte, error) {
	if kind == ward.FeedEPSS || !bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		return data, nil
	}
	r, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	out, err := io.ReadAll(io.LimitReader(r, MaxFeedBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(out) > MaxFeedBytes {
		return nil, fmt.Errorf("%s: larger than %d MiB once inflated", name, MaxFeedBytes>>20)
	}
	return out, nil
}
