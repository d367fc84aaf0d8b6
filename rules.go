package ward

import "strconv"

// Opening is what one allow rule lets through: the assets (indices into
// Model.Assets, in model order) that hosts of its zone may open connections
// to under it, once the rules before it have had their say.
type Opening struct {
	Rule   int
	Assets []int
}

// Openings resolves the model's allow rules to the assets they open. Rules
// are read in order and the first that matches a connection decides it: an
// allow rule does not open an asset that a deny rule before it, from the
// same zone, covers for every connection the allow matches (the same or any
// protocol, the same or any port). A rule of a valid model only.
func (m *Model) Openings() []Opening {
	if len(m.Rules) == 0 {
		return nil
	}
	byZone := map[string][]int{}
	index := make(map[string]int, len(m.Assets))
	for i := range m.Assets {
		index[m.Assets[i].ID] = i
		byZone[m.Assets[i].Zone] = append(byZone[m.Assets[i].Zone], i)
	}
	var out []Opening
	for ri := range m.Rules {
		r := &m.Rules[ri]
		if r.Denies() {
			continue
		}
		var targets []int
		if i, ok := index[r.To]; ok {
			targets = []int{i}
		} else {
			targets = byZone[r.To]
		}
		o := Opening{Rule: ri}
		for _, i := range targets {
			if !m.deniedBefore(ri, i) {
				o.Assets = append(o.Assets, i)
			}
		}
		if len(o.Assets) > 0 {
			out = append(out, o)
		}
	}
	return out
}

// deniedBefore tells whether a deny rule before rule ri, from the same zone,
// covers every connection rule ri allows to asset i.
func (m *Model) deniedBefore(ri, i int) bool {
	r := &m.Rules[ri]
	a := &m.Assets[i]
	for k := range ri {
		d := &m.Rules[k]
		if !d.Denies() || d.From != r.From || (d.To != a.ID && d.To != a.Zone) {
			continue
		}
		if (d.Protocol == "" || d.Protocol == r.Protocol) && (d.Port == 0 || d.Port == r.Port) {
			return true
		}
	}
	return false
}

// Describe names a rule as paths and plans cite it: "r-12 (corporate ->
// medical-devices, https/443)".
func (r *Rule) Describe() string {
	s := r.ID + " (" + r.From + " -> " + r.To
	switch {
	case r.Protocol != "" && r.Port != 0:
		s += ", " + string(r.Protocol) + "/" + strconv.Itoa(r.Port)
	case r.Protocol != "":
		s += ", " + string(r.Protocol)
	case r.Port != 0:
		s += ", port " + strconv.Itoa(r.Port)
	default:
		s += ", any"
	}
	return s + ")"
}
