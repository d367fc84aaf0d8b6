package modelfile_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/demo"
	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/synth"
)

// base is a small valid model; cases below break one thing each.
const base = `ward: 1
organisation:
  id: h1
  name: Test Hospital
zones:
  - id: clinical
    kind: clinical
    trust: medium
  - id: internet
    kind: internet
    trust: untrusted
assets:
  - id: ehr
    kind: ehr
    zone: clinical
  - id: pump
    kind: infusion-pump
    zone: clinical
links:
  - from: pump
    to: ehr
    protocol: hl7v2
    port: 2575
services:
  - id: care
    max_outage: 15m
    depends_on: [ehr]
`

func parse(t *testing.T, name, text string) (*ward.Model, modelfile.Errors) {
	t.Helper()
	m, err := modelfile.Parse(name, []byte(text), modelfile.DefaultLimits)
	if err == nil {
		return m, nil
	}
	es, ok := modelfile.AsErrors(err)
	if !ok {
		t.Fatalf("error without position: %v", err)
	}
	return nil, es
}

func TestBaseIsValid(t *testing.T) {
	if _, es := parse(t, "base.yaml", base); es != nil {
		t.Fatal(es)
	}
}

func TestValidationErrors(t *testing.T) {
	cases := []struct {
		name, old, new string
		want           string // the whole first error line
	}{
		{"unknown zone with hint", "    zone: clinical\n  - id: pump", "    zone: clinicl\n  - id: pump",
			`h.yaml:15:11: assets[0].zone: unknown zone "clinicl" (did you mean "clinical"?)`},
		{"duplicate id", "  - id: pump", "  - id: ehr",
			`h.yaml:16:9: assets[1].id: duplicate id "ehr" (already the id of an asset; zones, assets, services and redundancy groups share one namespace)`},
		{"link to missing asset", "    to: ehr\n", "    to: ehrr\n",
			`h.yaml:21:9: links[0].to: unknown asset or zone "ehrr" (did you mean "ehr"?)`},
		{"bad enum", "    kind: infusion-pump", "    kind: infusion-pmp",
			`h.yaml:17:11: assets[1].kind: invalid value "infusion-pmp" (did you mean "infusion-pump"?)`},
		{"bad protocol", "protocol: hl7v2", "protocol: hl7",
			`h.yaml:22:15: links[0].protocol: invalid value "hl7" (did you mean "hl7v2"?)`},
		{"port out of range", "port: 2575", "port: 70000",
			`h.yaml:23:11: links[0].port: port 70000 out of range (ports run from 1 to 65535; leave it out when unknown)`},
		{"service depends on nothing", "    depends_on: [ehr]\n", "    depends_on: []\n",
			`h.yaml:27:17: services[0].depends_on: service depends on nothing (list the assets and services it needs)`},
		{"zero outage", "max_outage: 15m", "max_outage: 0m",
			`h.yaml:26:17: services[0].max_outage: missing or zero maximum tolerable outage (how long can the service be down before patients are harmed, e.g. 15m, 4h, 2d)`},
		{"bad duration", "max_outage: 15m", "max_outage: 15 minutes",
			`h.yaml:26:17: services[0].max_outage: duration "15 minutes": unknown unit " minutes" (use s, m, h, d or w)`},
		{"bad CPE", "    zone: clinical\n  - id: pump", "    zone: clinical\n    cpe: cpe:/a:vendor:ehr:1.0\n  - id: pump",
			`h.yaml:16:10: assets[0].cpe: invalid CPE 2.3 name "cpe:/a:vendor:ehr:1.0" (this is the older CPE 2.2 URI form; write the CPE 2.3 formatted string, e.g. cpe:2.3:a:vendor:product:1.0:*:*:*:*:*:*:*)`},
		{"bad purl", "    zone: clinical\n  - id: pump", "    zone: clinical\n    purl: npm/left-pad\n  - id: pump",
			`h.yaml:16:11: assets[0].purl: invalid package URL "npm/left-pad": purl scheme is not "pkg": "npm/left-pad" (e.g. pkg:deb/debian/openssl@3.0.11 (see github.com/package-url/purl-spec))`},
		{"bad address", "    zone: clinical\n  - id: pump", "    zone: clinical\n    addresses: [10.0.0.300]\n  - id: pump",
			`h.yaml:16:17: assets[0].addresses[0]: invalid IP address or prefix "10.0.0.300" (each IPv4 octet runs from 0 to 255, e.g. 10.20.0.15 or 10.20.0.0/24)`},
		{"impossible date", "    zone: clinical\n  - id: pump", "    zone: clinical\n    end_of_support: 2020-02-30\n  - id: pump",
			`h.yaml:16:21: assets[0].end_of_support: invalid date "2020-02-30" (write dates as YYYY-MM-DD, e.g. 2025-10-14)`},
		{"unknown field", "    port: 2575", "    prot: 2575",
			`h.yaml:23:5: links[0].prot: unknown field "prot" (did you mean "port"?)`},
		{"wrong type", "port: 2575", "port: https",
			`h.yaml:23:11: links[0].port: expected a whole number, found "https"`},
		{"yes is not a boolean", "    port: 2575\n", "    port: 2575\n    encrypted: yes\n",
			`h.yaml:24:16: links[0].encrypted: expected true or false, found "yes"`},
		{"duplicate field", "    port: 2575\n", "    port: 2575\n    port: 104\n",
			`h.yaml:24:5: links[0].port: duplicate field "port" (the later value would silently win; keep one)`},
		{"unknown control", "    zone: clinical\n  - id: pump", "    zone: clinical\n    controls: [mfa, edrr]\n  - id: pump",
			`h.yaml:16:21: assets[0].controls[1]: unknown control "edrr" (did you mean "edr"?)`},
		{"self link", "    to: ehr\n", "    to: pump\n",
			`h.yaml:21:9: links[0].to: link from "pump" to itself`},
		{"missing format version", "ward: 1\n", "",
			`h.yaml:1:1: ward: missing model format version (add ` + "`ward: 1`" + ` at the top)`},
		{"trusted internet", "    trust: untrusted", "    trust: high",
			`h.yaml:11:12: zones[1].trust: the internet zone cannot be trusted ("high") (set trust: untrusted)`},
		{"control character in a name", "  name: Test Hospital", `  name: "Test\e[2J Hospital"`,
			`h.yaml:4:9: organisation.name: control character U+001B (a name is one line of printable text; remove the character)`},
		{"newline in a name", "    zone: clinical\n  - id: pump", "    zone: clinical\n    name: \"EHR\\nserver\"\n  - id: pump",
			`h.yaml:16:11: assets[0].name: control character U+000A (a name is one line of printable text; remove the character)`},
		{"bidirectional override in a vendor", "    zone: clinical\n  - id: pump", "    zone: clinical\n    vendor: \"Acme\\u202Egnp.exe\"\n  - id: pump",
			`h.yaml:16:13: assets[0].vendor: control character U+202E (a name is one line of printable text; remove the character)`},
		{"escape in a description", "    zone: clinical\n  - id: pump", "    zone: clinical\n    description: \"line one\\n\\tline two\\a\"\n  - id: pump",
			`h.yaml:16:18: assets[0].description: control character U+0007 (text may hold tabs and line breaks, no other control characters)`},
		{"rule from an asset", "    depends_on: [ehr]\n", "    depends_on: [ehr]\nrules:\n  - id: r-1\n    from: pump\n    to: clinical\n",
			`h.yaml:30:11: rules[0].from: "pump" is an asset, not a zone`},
		{"rule action", "    depends_on: [ehr]\n", "    depends_on: [ehr]\nrules:\n  - id: r-1\n    from: internet\n    to: clinical\n    action: block\n",
			`h.yaml:32:13: rules[0].action: invalid value "block" (one of: allow, deny)`},
		{"rule without id", "    depends_on: [ehr]\n", "    depends_on: [ehr]\nrules:\n  - from: internet\n    to: ehr\n",
			`h.yaml:29:5: rules[0].id: missing id (name the rule as the firewall does (r-12), so paths and plans can cite it)`},
		{"group needs more than it has", "    depends_on: [ehr]\n", "    depends_on: [ehr, pumps]\nredundancy:\n  - id: pumps\n    need: 3\n    of: [pump, ehr]\n",
			`h.yaml:30:11: redundancy[0].need: need 3 of 2 (how many of the members must work: at least 1, at most all of them; 1 for a standby pair)`},
		{"asset depends on a service", "    zone: clinical\n  - id: pump", "    zone: clinical\n    depends_on: [care]\n  - id: pump",
			`h.yaml:16:18: assets[0].depends_on[0]: "care" is a service (an asset depends on assets (its power, switch, directory) or on redundancy groups of them)`},
		{"service cycle", "    depends_on: [ehr]\n", "    depends_on: [ehr, care2]\n  - id: care2\n    max_outage: 1h\n    depends_on: [care]\n",
			`h.yaml:30:17: services[1].depends_on: services depend on each other in a cycle: care -> care2 -> care`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(base, tc.old) {
				t.Fatalf("case does not apply: %q", tc.old)
			}
			_, es := parse(t, "h.yaml", strings.Replace(base, tc.old, tc.new, 1))
			if len(es) == 0 {
				t.Fatal("no error reported")
			}
			if got := es[0].Error(); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestAllErrorsAtOnce(t *testing.T) {
	text := strings.NewReplacer("zone: clinical\n  - id: pump", "zone: clinicl\n  - id: pump", "protocol: hl7v2", "protocol: hl8", "port: 2575", "port: -1", "max_outage: 15m", "max_outage: 0m").Replace(base)
	_, es := parse(t, "h.yaml", text)
	if len(es) != 4 {
		t.Fatalf("got %d errors, want 4:\n%v", len(es), es)
	}
	fields := []string{"assets[0].zone", "links[0].protocol", "links[0].port", "services[0].max_outage"}
	for i, f := range fields {
		if es[i].Field != f {
			t.Errorf("error %d is about %s, want %s", i, es[i].Field, f)
		}
	}
}

func TestRefusesHostileFiles(t *testing.T) {
	var bomb strings.Builder
	bomb.WriteString("ward: 1\norganisation: {id: h, name: H}\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&bomb, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	bomb.WriteString("zones: [{id: z, kind: clinical, trust: high, controls: *a9}]\n")
	deep := "ward: 1\nzones: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "\n"
	deepJSON := `{"ward": 1, "zones": ` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "}"
	cases := []struct {
		name, file, text, want string
		lim                    modelfile.Limits
	}{
		{"alias bomb", "bomb.yaml", bomb.String(), "expand to more than 100000 nodes", modelfile.DefaultLimits},
		{"deep nesting", "deep.yaml", deep, "nesting deeper than 32 levels", modelfile.DefaultLimits},
		{"deep JSON", "deep.json", deepJSON, "nesting deeper than 32 levels", modelfile.DefaultLimits},
		{"oversized", "big.yaml", base + strings.Repeat("# padding\n", 200), "larger than the 1 KiB limit", modelfile.Limits{MaxBytes: 1024, MaxDepth: 32, MaxAliasNodes: 1000}},
		{"two documents", "two.yaml", base + "---\nward: 1\n", "more than one YAML document", modelfile.DefaultLimits},
		{"syntax", "syn.yaml", "ward: 1\norganisation:\n  id: [unclosed\n", "syn.yaml:2:1: YAML syntax", modelfile.DefaultLimits},
		{"empty", "empty.yaml", "", "empty file", modelfile.DefaultLimits},
		{"not a mapping", "list.yaml", "- a\n- b\n", "the document must be a mapping of fields", modelfile.DefaultLimits},
		{"JSON syntax", "bad.json", "{\n  \"ward\": 1,\n  \"organisation\": {\"id\": \"h\",}\n}", "bad.json:3:", modelfile.DefaultLimits},
		{"JSON trailing", "trail.json", `{"ward": 1} {"ward": 1}`, "unexpected data after the model", modelfile.DefaultLimits},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := modelfile.Read(tc.file, strings.NewReader(tc.text), tc.lim)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

func TestJSONErrorsArePositioned(t *testing.T) {
	var buf bytes.Buffer
	m, _ := parse(t, "base.yaml", base)
	if err := modelfile.Write(&buf, m, modelfile.JSON); err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(buf.String(), `"zone": "clinical"`, `"zone": "clinicl"`, 1)
	text = strings.Replace(text, `"Zone"`, `"zone"`, 1)
	_, es := parse(t, "h.json", text)
	if len(es) != 1 || !strings.HasPrefix(es[0].Error(), `h.json:23:15: assets[0].zone: unknown zone "clinicl"`) {
		t.Fatalf("got %v", es)
	}
	// encoding/json would take "Zone" for "zone" and let a repeated key win.
	for _, bad := range []string{
		strings.Replace(buf.String(), `"zone": "clinical"`, `"Zone": "clinical"`, 1),
		strings.Replace(buf.String(), `"zone": "clinical"`, `"zone": "clinical", "zone": "clinical"`, 1),
	} {
		if _, es := parse(t, "h.json", bad); len(es) == 0 {
			t.Errorf("accepted:\n%s", bad)
		}
	}
}

// Reading what Write wrote gives the same model, in both formats, for the
// demo and for generated hospitals of several seeds and sizes.
func TestRoundTrip(t *testing.T) {
	models := []*ward.Model{}
	dm, err := demo.Model()
	if err != nil {
		t.Fatal(err)
	}
	models = append(models, dm)
	for seed := uint64(1); seed <= 5; seed++ {
		m, err := synth.Generate(synth.Options{Assets: 60 + int(seed)*300, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		models = append(models, m)
	}
	for i, m := range models {
		for _, f := range []modelfile.Format{modelfile.YAML, modelfile.JSON} {
			var buf bytes.Buffer
			if err := modelfile.Write(&buf, m, f); err != nil {
				t.Fatal(err)
			}
			got, err := modelfile.Parse("rt."+string(f), buf.Bytes(), modelfile.DefaultLimits)
			if err != nil {
				t.Fatalf("model %d, %s: %v", i, f, err)
			}
			a, _ := json.Marshal(m)
			b, _ := json.Marshal(got)
			if !bytes.Equal(a, b) {
				t.Fatalf("model %d, %s: round trip changed the model", i, f)
			}
		}
	}
}

// Both readers of a format accept the same files and give the same model.
func TestFastAndGeneralPathsAgree(t *testing.T) {
	m, err := synth.Generate(synth.Options{Assets: 6000, Seed: 9}) // over a MiB: parallel YAML
	if err != nil {
		t.Fatal(err)
	}
	var y bytes.Buffer
	if err := modelfile.Write(&y, m, modelfile.YAML); err != nil {
		t.Fatal(err)
	}
	if y.Len() < 1<<20 {
		t.Fatalf("YAML is only %d bytes; the test needs the parallel path", y.Len())
	}
	// A problem deep in the links must be found at the same place whether
	// the file is read in pieces or whole.
	lines := strings.Split(y.String(), "\n")
	target := -1
	for i := len(lines) * 3 / 4; i < len(lines); i++ {
		if strings.HasPrefix(lines[i], "    protocol: ") {
			target = i
			lines[i] = "    protocol: smtp"
			break
		}
	}
	_, es := parse(t, "big.yaml", strings.Join(lines, "\n"))
	if len(es) != 1 || es[0].Line != target+1 || es[0].Column != 15 {
		t.Fatalf("want one error at line %d col 15, got %v", target+1, es)
	}
	// Comments and a blank first line keep the general path honest too.
	_, es = parse(t, "big2.yaml", "# comment\n\n"+strings.Join(lines, "\n"))
	if len(es) != 1 || es[0].Line != target+3 {
		t.Fatalf("with two lines on top: want line %d, got %v", target+3, es)
	}
}
