package discover

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
)

// A real scan by Debian's nmap of services the test starts on loopback:
// dcmtk's storescp (DICOM), a FHIR server and an HL7 listener.
func TestNmapScanOfLoopbackServices(t *testing.T) {
	nmap := needTool(t, "nmap", "nmap")
	storescp := needTool(t, "storescp", "dcmtk")
	dir := t.TempDir()
	// Nmap recognises DICOM on the ports DICOM registers; 4242 if 11112 is taken.
	dicomPort := 11112
	if ln, err := net.Listen("tcp", "127.0.0.1:11112"); err != nil {
		dicomPort = 4242
	} else {
		ln.Close()
	}
	scp := exec.Command(storescp, "-aet", "PACS_MAIN", "-od", dir, strconv.Itoa(dicomPort))
	if err := scp.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { scp.Process.Kill(); scp.Wait() })
	waitListening(t, fmt.Sprintf("127.0.0.1:%d", dicomPort))

	// The FHIR server listens on a port Nmap's tables know for HTTP, so
	// that its HTTP probes come first: on an ephemeral port Nmap may name
	// the service after the port (32777 is "sometimes-rpc17") when the
	// probes it sends there first do not match.
	var fhir net.Listener
	var err error
	for _, port := range []string{"8080", "8000", "8008", "8081", "8888", "0"} {
		if fhir, err = net.Listen("tcp", "127.0.0.1:"+port); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "HAPI FHIR 6.4.0 REST Server (FHIR Server; FHIR 4.0.1/R4)")
		w.Header().Set("Content-Type", "application/fhir+json")
		fmt.Fprint(w, `{"resourceType":"CapabilityStatement","status":"active","fhirVersion":"4.0.1"}`)
	})}
	go srv.Serve(fhir)
	t.Cleanup(func() { srv.Close() })
	hl7, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hl7.Close()
	go func() {
		for {
			c, err := hl7.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	fhirPort, hl7Port := fhir.Addr().(*net.TCPAddr).Port, hl7.Addr().(*net.TCPAddr).Port

	out := filepath.Join(dir, "scan.xml")
	cmd := exec.Command(nmap, "-sT", "-sV", "--version-light", "-Pn", "-n", "--script", "dicom-ping,http-server-header,http-title",
		"-p", fmt.Sprintf("%d,%d,%d", dicomPort, fhirPort, hl7Port), "-oX", out, "127.0.0.1")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nmap: %v\n%s", err, b)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := ReadNmap("scan.xml", f, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hosts) != 1 || res.Seen.IsZero() {
		t.Fatalf("hosts: %+v", res)
	}
	h := res.Hosts[0]
	ports := map[int]ward.Port{}
	for _, p := range h.Ports {
		ports[p.Port] = p
	}
	if ports[dicomPort].Protocol != "dicom" || ports[fhirPort].Protocol != "http" || !strings.Contains(ports[fhirPort].Product, "FHIR") {
		b, _ := os.ReadFile(out)
		t.Fatalf("ports: %+v\n%s", h.Ports, b)
	}
	if _, ok := ports[hl7Port]; !ok {
		t.Fatalf("the HL7 listener's port is missing: %+v", h.Ports)
	}
	if h.Kind != "pacs" || h.Notes["kind"].Confidence < 60 || !strings.Contains(h.Notes["kind"].Reason, "DICOM") {
		t.Fatalf("kind %s: %+v", h.Kind, h.Notes["kind"])
	}
	if h.Where != "scan.xml:"+strconv.Itoa(lineOfHost(t, out)) {
		t.Fatalf("where: %s", h.Where)
	}
}

func lineOfHost(t *testing.T, path string) int {
	b, _ := os.ReadFile(path)
	for i, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "<host") {
			return i + 1
		}
	}
	t.Fatal("no <host> line")
	return 0
}

const scanXML = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE nmaprun>
<nmaprun scanner="nmap" args="nmap -sV -O -oX scan.xml 10.20.0.0/24" start="1760434200" version="7.93" xmloutputversion="1.05">
<host starttime="1760434201" endtime="1760434260"><status state="up" reason="arp-response" reason_ttl="0"/>
<address addr="10.20.30.11" addrtype="ipv4"/>
<address addr="00:09:FB:11:22:33" addrtype="mac" vendor="Philips Medical Systems"/>
<hostnames><hostname name="ct-01.st-example.local" type="PTR"/></hostnames>
<ports>
<port protocol="tcp" portid="104"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="dicom" method="probed" conf="10"/></port>
<port protocol="tcp" portid="22"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="ssh" product="OpenSSH" version="7.4" extrainfo="protocol 2.0" method="probed" conf="10"><cpe>cpe:/a:openbsd:openssh:7.4</cpe><cpe>cpe:/o:linux:linux_kernel</cpe></service></port>
<port protocol="tcp" portid="8080"><state state="closed" reason="reset" reason_ttl="64"/></port>
</ports>
<os><osmatch name="Linux 3.10 - 4.11" accuracy="96" line="61200"><osclass type="general purpose" vendor="Linux" osfamily="Linux" osgen="3.X" accuracy="96"><cpe>cpe:/o:linux:linux_kernel:3</cpe></osclass></osmatch></os>
</host>
<host starttime="1760434201" endtime="1760434260"><status state="up" reason="arp-response" reason_ttl="0"/>
<address addr="10.20.70.9" addrtype="ipv4"/>
<ports><port protocol="udp" portid="47808"><state state="open" reason="udp-response" reason_ttl="64"/><service name="bacnet" method="table" conf="3"/></port></ports>
</host>
<host><status state="down" reason="no-response" reason_ttl="0"/><address addr="10.20.30.12" addrtype="ipv4"/></host>
<host starttime="1760434201" endtime="1760434260"><status state="up" reason="arp-response" reason_ttl="0"/>
<address addr="10.20.60.77" addrtype="ipv4"/>
<address addr="52:54:00:12:34:56" addrtype="mac"/>
</host>
<runstats><finished time="1760434260" elapsed="60.1" exit="success"/><hosts up="3" down="1" total="4"/></runstats>
</nmaprun>
`

func TestNmapHandMade(t *testing.T) {
	res, err := ReadNmap("scan.xml", strings.NewReader(scanXML), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hosts) != 3 || res.Stats.Records != 4 || res.Stats.Skipped != 1 {
		t.Fatalf("%d hosts, stats %+v", len(res.Hosts), res.Stats)
	}
	ct := res.Hosts[0]
	if ct.Kind != "pacs" && ct.Kind != "imaging-modality" || ct.Vendor != "Philips Medical Systems" || ct.MACs[0] != "00:09:fb:11:22:33" || ct.Name != "ct-01.st-example.local" || ct.Where != "scan.xml:4" {
		t.Fatalf("ct: %+v", ct)
	}
	var cpes []string
	for _, c := range ct.Components {
		cpes = append(cpes, c.CPE)
	}
	want := "cpe:2.3:a:openbsd:openssh:7.4:*:*:*:*:*:*:* cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:* cpe:2.3:o:linux:linux_kernel:3:*:*:*:*:*:*:*"
	if strings.Join(cpes, " ") != want {
		t.Fatalf("cpes %v", cpes)
	}
	if b := res.Hosts[1]; b.Kind != "bms" || b.Ports[0] != (ward.Port{Port: 47808, Transport: "udp", Protocol: "bacnet"}) {
		t.Fatalf("bacnet: %+v", b)
	}
	if u := res.Hosts[2]; u.Kind != "unknown" || u.Notes["kind"].Reason == "" {
		t.Fatalf("unknown: %+v", u)
	}
}

func TestNmapBrokenFiles(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{scanXML[:strings.Index(scanXML, "<runstats>")], "the file ends early"},
		{scanXML[:strings.Index(scanXML, "</ports>")], "scan.xml:"},
		{strings.Replace(scanXML, `portid="104">`, `portid="x104">`, 1), "scan.xml:"},
		{`<?xml version="1.0"?><report/>`, "not an Nmap XML file"},
		{"", "no <nmaprun> element"},
	} {
		_, err := ReadNmap("scan.xml", strings.NewReader(c.in), 0, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want %q, got %v", c.want, err)
		}
	}
}

func TestCPE23(t *testing.T) {
	for in, want := range map[string]string{
		"cpe:/a:openbsd:openssh:9.2p1":     "cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*",
		"cpe:/o:microsoft:windows_7::sp1":  "cpe:2.3:o:microsoft:windows_7:*:sp1:*:*:*:*:*:*",
		"cpe:/a:apache:http_server:2.4.57": "cpe:2.3:a:apache:http_server:2.4.57:*:*:*:*:*:*:*",
		"cpe:/h:ge:vivid%21e":              `cpe:2.3:h:ge:vivid\!e:*:*:*:*:*:*:*:*`,
		"cpe:/a:x:y:1:2:3:en:9":            "",
		"cpe:2.3:a:x:y:*:*:*:*:*:*:*:*":    "",
		"cpe:/a:bad%zz":                    "",
	} {
		if got := cpe23(in); got != want {
			t.Errorf("cpe23(%q) = %q, want %q", in, got, want)
		}
	}
}

// A scan with an impossible value is refused at the host that holds it,
// in words: a port past 65535 or an address that is none used to drop
// the port or the host silently, changing the kind inferred.
func TestNmapBadValuesRefused(t *testing.T) {
	for _, tc := range []struct{ name, old, new, want string }{
		{"port out of range", `portid="104"`, `portid="70000"`, `scan.xml:4:1: host: ports.port[0].portid: port 70000 out of range (ports run from 1 to 65535)`},
		{"port not a number", `portid="104"`, `portid="dicom"`, `scan.xml:4:1: host: ports.port[0].portid: port "dicom" is not a number (ports run from 1 to 65535)`},
		{"bad IPv4 address", `addr="10.20.30.11"`, `addr="10.20.30.300"`, `scan.xml:4:1: host: address[0]: invalid ipv4 address "10.20.30.300"`},
		{"IPv6 given as IPv4", `addr="10.20.30.11" addrtype="ipv4"`, `addr="10.20.30.11" addrtype="ipv6"`, `scan.xml:4:1: host: address[0]: invalid ipv6 address "10.20.30.11"`},
		{"bad MAC address", `addr="00:09:FB:11:22:33"`, `addr="00:09:FB:11:22"`, `scan.xml:4:1: host: address[1]: invalid mac address "00:09:FB:11:22"`},
		{"accuracy not a number", `accuracy="96" line`, `accuracy="high" line`, `scan.xml:4:1: host: os.osmatch[0].accuracy: "high" is not a whole number`},
		{"end time not a number", `endtime="1760434260"><status state="up" reason="arp-response" reason_ttl="0"/>
<address addr="10.20.30.11"`, `endtime="soon"><status state="up" reason="arp-response" reason_ttl="0"/>
<address addr="10.20.30.11"`, `scan.xml:4:1: host: endtime: "soon" is not a whole number`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(scanXML, tc.old) {
				t.Fatalf("case does not apply: %q", tc.old)
			}
			_, err := ReadNmap("scan.xml", strings.NewReader(strings.Replace(scanXML, tc.old, tc.new, 1)), 0, nil)
			if err == nil || err.Error() != tc.want {
				t.Errorf("got  %v\nwant %s", err, tc.want)
			}
		})
	}
}
