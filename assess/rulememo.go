package assess

import (
	"fmt"

	"github.com/wardhealth/ward/catalog"
)

// ruleMemo remembers, for one worker of an assessment, each rule's answer
// for the facts the rule reads. Most of the catalog's rules read an
// asset's category or kind and a flag or two, of which a hospital of a
// million assets has a few hundred combinations; evaluating every rule's
// CEL program on every asset was a quarter of such an assessment's time.
// A rule is remembered only when it names the facts it reads (a rule
// taking the asset whole is evaluated each time), and stops being
// remembered when its combinations turn out mostly new (a rule reading
// versions or counts). The organisation's facts, which rules may read
// too, are the same for every asset of an assessment, and a memo lives
// within one.
//
// The rules are numbered as risks and evaluated read them: the catalog's
// weaknesses, then its threats, then the evaluator's asset checks.
type ruleMemo struct {
	keyers []keyer // the distinct sets of facts the rules read
	of     []int   // per rule: its keyer, or -1 when not remembered
	seen   []map[string]int8
	asked  []int32 // per rule: lookups so far, and of them new keys
	missed []int32
	// The current asset's key for each keyer, written once for all the
	// rules that read the same facts.
	asset *catalog.AssetFacts
	made  []bool
	keys  [][]byte
}

// Giving up on a rule: after memoTrial lookups, when more than half were
// new keys; and whenever it holds memoMax keys.
const (
	memoTrial = 1024
	memoMax   = 1 << 14
)

// newRuleMemo readies a memo of the evaluator's rules.
func newRuleMemo(e *evaluator) *ruleMemo {
	m := &ruleMemo{}
	byKeyer := map[string]int{}
	add := func(fields []string, whole bool) {
		k, ok := projection(fields)
		if whole || !ok {
			m.of = append(m.of, -1)
			return
		}
		name := fmt.Sprint([]int(k))
		j, found := byKeyer[name]
		if !found {
			j = len(m.keyers)
			byKeyer[name] = j
			m.keyers = append(m.keyers, k)
		}
		m.of = append(m.of, j)
	}
	for i := range e.cat.Weaknesses {
		add(e.cat.Weaknesses[i].Reads())
	}
	for i := range e.cat.Threats {
		add(e.cat.Threats[i].Reads())
	}
	for _, ac := range e.checks {
		add(ac.c.Reads())
	}
	n := len(m.of)
	m.seen, m.asked, m.missed = make([]map[string]int8, n), make([]int32, n), make([]int32, n)
	for r := range m.seen {
		if m.of[r] >= 0 {
			m.seen[r] = map[string]int8{}
		}
	}
	m.made, m.keys = make([]bool, len(m.keyers)), make([][]byte, len(m.keyers))
	return m
}

// threatRule and checkRule are the rule numbers of the catalog's threat i
// and of the evaluator's check i (a weakness's is its index).
func threatRule(cat *catalog.Catalog, i int) int { return len(cat.Weaknesses) + i }
func checkRule(cat *catalog.Catalog, i int) int  { return len(cat.Weaknesses) + len(cat.Threats) + i }

// begin starts the evaluation of the rules on one asset's facts.
func (m *ruleMemo) begin(f *catalog.AssetFacts) {
	if m != nil {
		m.asset = f
		clear(m.made)
	}
}

// recall is rule r's answer on the current asset when remembered; ok is
// false when the rule is to be evaluated (then keep its answer). A nil
// memo remembers nothing.
func (m *ruleMemo) recall(r int) (v int8, ok bool) {
	if m == nil || m.of[r] < 0 {
		return 0, false
	}
	j := m.of[r]
	if !m.made[j] {
		m.keys[j] = m.keyers[j].appendTo(m.keys[j][:0], m.asset)
		m.made[j] = true
	}
	m.asked[r]++
	v, ok = m.seen[r][string(m.keys[j])]
	return v, ok
}

// keep remembers rule r's answer on the current asset, which recall did
// not have.
func (m *ruleMemo) keep(r int, v int8) {
	if m == nil || m.of[r] < 0 {
		return
	}
	m.missed[r]++
	if len(m.seen[r]) >= memoMax || (m.asked[r] >= memoTrial && 2*m.missed[r] > m.asked[r]) {
		m.of[r], m.seen[r] = -1, nil
		return
	}
	m.seen[r][string(m.keys[m.of[r]])] = v
}

func b2i8(b bool) int8 {
	if b {
		return 1
	}
	return 0
}
