package intel

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
)

// corpusEntry is one line of testdata/corpus/inventory.txt: a device as a
// hospital's inventory names it, and what the advisory's text says of it.
type corpusEntry struct {
	line       int
	advisory   string // file name without .json, lower case
	expect     string // affected, fixed or unaffected
	asset      ward.Asset
	reason     string
	components string
}

func readCorpus(t testing.TB) ([]corpusEntry, []*Advisory) {
	t.Helper()
	dir := filepath.Join("testdata", "corpus")
	f, err := os.Open(filepath.Join(dir, "inventory.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var entries []corpusEntry
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Split(line, "|")
		if len(fs) != 7 {
			t.Fatalf("inventory.txt:%d: %d fields, want 7", n, len(fs))
		}
		for i := range fs {
			fs[i] = strings.TrimSpace(fs[i])
		}
		e := corpusEntry{line: n, advisory: strings.ToLower(fs[0]), expect: fs[1], reason: fs[6], components: fs[5],
			asset: ward.Asset{ID: fmt.Sprintf("line-%d", n), Kind: "medical-device", Vendor: fs[2], Product: fs[3], Version: fs[4]}}
		switch e.expect {
		case "affected", "fixed", "unaffected":
		default:
			t.Fatalf("inventory.txt:%d: expect %q", n, e.expect)
		}
		if fs[5] != "" {
			for _, c := range strings.Split(fs[5], ";") {
				name, version, _ := strings.Cut(strings.TrimSpace(c), "=")
				e.asset.Components = append(e.asset.Components, ward.Component{Name: name, Version: version})
			}
		}
		entries = append(entries, e)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	advs := loadDir(t, dir)
	return entries, advs
}

// corpusResult is what the matcher made of the corpus.
type corpusResult struct {
	affected, found        int
	byConfidence           map[string]int
	fixed, falseFixed      int
	unaffected, falseUnaff int
	misses, falses         []string
	advisoriesWithoutEntry []string
	otherAdvisoriesMatched int
}

func runCorpus(t testing.TB) corpusResult {
	entries, advs := readCorpus(t)
	assets := make([]ward.Asset, len(entries))
	for i, e := range entries {
		assets[i] = e.asset
	}
	matches := NewMatcher(advs, nil).Match(assets)
	byAsset := map[string][]Match{}
	for _, m := range matches {
		byAsset[m.Asset] = append(byAsset[m.Asset], m)
	}
	r := corpusResult{byConfidence: map[string]int{}}
	covered := map[string]bool{}
	rank := map[string]int{"high": 3, "medium": 2, "low": 1}
	for _, e := range entries {
		covered[e.advisory] = true
		var mine []Match
		for _, m := range byAsset[e.asset.ID] {
			if strings.EqualFold(m.Advisory, e.advisory) {
				mine = append(mine, m)
			} else {
				r.otherAdvisoriesMatched++
			}
		}
		desc := fmt.Sprintf("line %d %s: %s / %s / %s", e.line, e.advisory, e.asset.Vendor, e.asset.Product, orUnknown(e.asset.Version))
		switch e.expect {
		case "affected":
			r.affected++
			if len(mine) == 0 {
				r.misses = append(r.misses, desc+" ("+e.reason+")")
				continue
			}
			r.found++
			best := ""
			for _, m := range mine {
				if rank[m.Confidence] > rank[best] {
					best = m.Confidence
				}
			}
			r.byConfidence[best]++
		case "fixed", "unaffected":
			if e.expect == "fixed" {
				r.fixed++
			} else {
				r.unaffected++
			}
			if len(mine) > 0 {
				if e.expect == "fixed" {
					r.falseFixed++
				} else {
					r.falseUnaff++
				}
				r.falses = append(r.falses, fmt.Sprintf("%s [%s]: %s", desc, e.expect, mine[0].Why))
			}
		}
	}
	for _, a := range advs {
		if !covered[strings.ToLower(a.ID)] {
			r.advisoriesWithoutEntry = append(r.advisoriesWithoutEntry, a.ID)
		}
	}
	sort.Strings(r.advisoriesWithoutEntry)
	return r
}

// The hand-written inventory of testdata/corpus finds the advisories'
// affected devices (recall at least 95%) and matches no device on a version
// the advisory names as fixed, nor one it leaves out. The numbers are those
// of docs/vulnerabilities.md.
func TestCorpusRecallAndFalseMatches(t *testing.T) {
	r := runCorpus(t)
	if len(r.advisoriesWithoutEntry) > 0 {
		t.Errorf("advisories without a corpus entry: %v", r.advisoriesWithoutEntry)
	}
	recall := float64(r.found) / float64(r.affected)
	t.Logf("recall %d/%d = %.1f%% (best confidence: high %d, medium %d, low %d)", r.found, r.affected, 100*recall,
		r.byConfidence["high"], r.byConfidence["medium"], r.byConfidence["low"])
	t.Logf("false matches: %d of %d fixed versions, %d of %d devices the advisory leaves out", r.falseFixed, r.fixed, r.falseUnaff, r.unaffected)
	t.Logf("matches with other advisories than the entry's: %d", r.otherAdvisoriesMatched)
	for _, m := range r.misses {
		t.Logf("missed %s", m)
	}
	for _, f := range r.falses {
		t.Logf("false %s", f)
	}
	if recall < 0.95 {
		t.Errorf("recall %.1f%%, want at least 95%%", 100*recall)
	}
	if r.falseFixed > 0 {
		t.Errorf("%d matches on fixed versions, want none", r.falseFixed)
	}
	if r.falseUnaff > 0 {
		t.Errorf("%d matches on devices the advisories leave out, want none", r.falseUnaff)
	}
}
