package assess

import "testing"

// The attack graph's room is made for the steps the links make, counted
// beforehand: the count is the links' steps the graph then holds, on
// stirred hospitals (two-way links, zones as ends) and the incident ones.
func TestLinkStepsCounted(t *testing.T) {
	names, models, vulns := incidentHospitals(t)
	m, v := stirred(t, 800, 4)
	names, models, vulns = append(names, "stirred"), append(models, m), append(vulns, v)
	for k, m := range models {
		x := m.Index()
		org, facts := facts(x, "2026-11-23", vulns[k], nil)
		ag := buildAttackGraph(x, facts, &org)
		made := 0
		for _, s := range ag.steps {
			if s.link > 0 {
				made++
			}
		}
		if n := linkSteps(x); n != made || made == 0 {
			t.Errorf("%s: %d link steps counted, %d made", names[k], n, made)
		}
	}
}
