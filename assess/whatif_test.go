package assess_test

import (
	"strings"
	"testing"

	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/modelfile"
)

// A small hospital written for the what-if: the EHR and the pump server
// sit on the core switch; the RTLS server talks to the pump server only
// (an application flow, no cable of its own in the model); a nurse's
// workstation, with no cable in the model, talks to the EHR and to the
// PACS; the PACS hangs off its own switch, cabled to the core. Reasoned
// before running Ward:
//   - failing the RTLS stops nothing: medication needs the EHR and the
//     pump server, which the RTLS never carried traffic between;
//   - failing the workstation stops nothing but what needs the workstation
//     itself: a workstation does not carry the EHR's traffic to the PACS;
//   - failing the PACS switch stops imaging, and says the PACS was cut off
//     through pacs-sw;
//   - a service without a name is named by its id.
const whatIfHospital = `ward: 1
organisation: {id: small, name: Small Hospital}
zones:
  - {id: clinical, kind: clinical, trust: medium}
  - {id: corporate, kind: corporate, trust: medium}
assets:
  - {id: core-sw, kind: switch, zone: clinical}
  - {id: pacs-sw, kind: switch, zone: clinical}
  - {id: ehr, kind: ehr, zone: clinical}
  - {id: pump-server, kind: server, zone: clinical}
  - {id: rtls, kind: rtls, zone: clinical}
  - {id: pacs, kind: pacs, zone: clinical}
  - {id: ws-nurse, kind: workstation, zone: corporate}
links:
  - {from: ehr, to: core-sw, protocol: ethernet}
  - {from: pump-server, to: core-sw, protocol: ethernet}
  - {from: pacs-sw, to: core-sw, protocol: ethernet}
  - {from: pacs, to: pacs-sw, protocol: ethernet}
  - {from: rtls, to: pump-server, protocol: https, port: 443}
  - {from: ws-nurse, to: ehr, protocol: https, port: 443}
  - {from: ws-nurse, to: pacs, protocol: dicom, port: 104}
  - {from: ehr, to: pacs, protocol: hl7v2, port: 2575}
services:
  - {id: medication, name: Medication administration, max_outage: 30m, depends_on: [ehr, pump-server]}
  - {id: imaging, name: Imaging, max_outage: 4h, depends_on: [ehr, pacs]}
  - {id: ward-round, max_outage: 8h, depends_on: [ws-nurse]}
`

func TestWhatIfBlamesOnlyWhatTheFailureCuts(t *testing.T) {
	m, err := modelfile.Parse("small.yaml", []byte(whatIfHospital), modelfile.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	stops := func(failed string) map[string]assess.Impact {
		w, err := assess.Fail(m, []string{failed}, 0)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]assess.Impact{}
		for _, s := range w.Services {
			if s.Stops {
				out[s.Service] = s
			}
		}
		return out
	}
	if got := stops("rtls"); len(got) != 0 {
		t.Errorf("failing the RTLS stops %v", got)
	}
	if got := stops("ws-nurse"); len(got) != 1 || got["ward-round"].Name != "ward-round" {
		t.Errorf("failing the workstation stops %+v, want ward-round (named by its id) only", got)
	}
	got := stops("pacs-sw")
	if len(got) != 1 || !strings.Contains(strings.Join(got["imaging"].Causes, "; "), "through pacs-sw") {
		t.Errorf("failing the PACS switch: %+v", got)
	}
}
