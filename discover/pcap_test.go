package discover

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
)

var (
	modality = ep("10.20.30.11:40000", "00:09:fb:11:22:33") // Philips Medical Systems
	pacs     = ep("10.20.40.5:104", "00:50:56:aa:bb:01")
	his      = ep("10.20.10.7:40000", "00:50:56:aa:bb:02")
	engine   = ep("10.20.10.9:2575", "00:50:56:aa:bb:03")
	sensor   = ep("10.20.50.21:40000", "00:50:56:aa:bb:04")
	broker   = ep("10.20.50.2:1883", "00:50:56:aa:bb:05")
)

func readCapture(t *testing.T, path string) *Result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := ReadPcap(filepath.Base(path), f, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func findFlow(t *testing.T, res *Result, server string, port int) *Flow {
	t.Helper()
	for _, f := range res.Flows {
		if f.Server == server && f.Port == port {
			return f
		}
	}
	for _, f := range res.Flows {
		t.Logf("flow %+v", *f)
	}
	t.Fatalf("no flow to %s:%d", server, port)
	return nil
}

func hasDetail(f *Flow, sub string) bool {
	return slices.ContainsFunc(f.Details, func(d string) bool { return strings.Contains(d, sub) })
}

// DICOM between Debian's dcmtk peers: storescu sends a CT image to
// storescp through the recording proxy.
func TestPassiveDICOMWithDCMTK(t *testing.T) {
	storescu := needTool(t, "storescu", "dcmtk")
	storescp := needTool(t, "storescp", "dcmtk")
	dump2dcm := needTool(t, "dump2dcm", "dcmtk")
	dir := t.TempDir()
	dump := filepath.Join(dir, "ct.txt")
	os.WriteFile(dump, []byte(`(0008,0016) UI =CTImageStorage
(0008,0018) UI [1.2.826.0.1.3680043.2.1125.1.1]
(0008,0060) CS [CT]
(0010,0010) PN [Doe^Jane]
(0020,000d) UI [1.2.826.0.1.3680043.2.1125.1.2]
(0020,000e) UI [1.2.826.0.1.3680043.2.1125.1.3]
(7fe0,0010) OW 0000\0001\0002\0003
`), 0o644)
	image := filepath.Join(dir, "ct.dcm")
	if out, err := exec.Command(dump2dcm, "-g", dump, image).CombinedOutput(); err != nil {
		t.Fatalf("dump2dcm: %v\n%s", err, out)
	}
	port := freePort(t)
	scp := exec.Command(storescp, "-aet", "PACS_MAIN", "-od", dir, strconv.Itoa(port))
	if err := scp.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { scp.Process.Kill(); scp.Wait() })
	waitListening(t, fmt.Sprintf("127.0.0.1:%d", port))

	capPath := filepath.Join(dir, "dicom.pcapng")
	f, _ := os.Create(capPath)
	cw := newCapWriter(t, f)
	addr, wait := recordingProxy(t, cw, fmt.Sprintf("127.0.0.1:%d", port), modality, pacs)
	host, p, _ := net.SplitHostPort(addr)
	if out, err := exec.Command(storescu, "-aet", "CT_SCANNER_1", "-aec", "PACS_MAIN", host, p, image).CombinedOutput(); err != nil {
		t.Fatalf("storescu: %v\n%s", err, out)
	}
	wait()
	cw.flush(t)
	f.Close()

	res := readCapture(t, capPath)
	fl := findFlow(t, res, "10.20.40.5", 104)
	if fl.Protocol != "dicom" || fl.Encrypted || !hasDetail(fl, "DICOM association CT_SCANNER_1 -> PACS_MAIN (") || !hasDetail(fl, "CT Image Storage") ||
		!slices.Contains(fl.Data, "images") || !slices.Contains(fl.Data, "phi") || fl.Confidence < 90 {
		t.Fatalf("DICOM flow: %+v", *fl)
	}
	kinds := map[string]ward.AssetKind{}
	for _, h := range res.Hosts {
		kinds[h.IPs[0]] = h.Kind
		if h.IPs[0] == "10.20.30.11" && (h.Vendor == "" || !slices.Contains(h.MACs, "00:09:fb:11:22:33")) {
			t.Errorf("modality's MAC and vendor: %+v", h)
		}
	}
	if kinds["10.20.40.5"] != "pacs" || kinds["10.20.30.11"] != "imaging-modality" {
		t.Fatalf("kinds: %v", kinds)
	}
}

// MQTT from Debian's mosquitto_pub to a mosquitto broker.
func TestPassiveMQTTWithMosquitto(t *testing.T) {
	pub := needTool(t, "mosquitto_pub", "mosquitto-clients")
	target := "127.0.0.1:1883"
	if bin, err := exec.LookPath("mosquitto"); err == nil {
		port := freePort(t)
		conf := filepath.Join(t.TempDir(), "m.conf")
		os.WriteFile(conf, []byte(fmt.Sprintf("listener %d 127.0.0.1\nallow_anonymous true\n", port)), 0o644)
		b := exec.Command(bin, "-c", conf)
		if err := b.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Process.Kill(); b.Wait() })
		target = fmt.Sprintf("127.0.0.1:%d", port)
	} else if c, err := net.DialTimeout("tcp", target, time.Second); err == nil {
		c.Close()
	} else {
		needTool(t, "mosquitto", "mosquitto")
	}
	waitListening(t, target)
	dir := t.TempDir()
	capPath := filepath.Join(dir, "mqtt.pcapng")
	f, _ := os.Create(capPath)
	cw := newCapWriter(t, f)
	addr, wait := recordingProxy(t, cw, target, sensor, broker)
	host, p, _ := net.SplitHostPort(addr)
	if out, err := exec.Command(pub, "-h", host, "-p", p, "-i", "ward-test-spo2-7", "-t", "icu/bed7/vitals/spo2", "-m", "97").CombinedOutput(); err != nil {
		t.Fatalf("mosquitto_pub: %v\n%s", err, out)
	}
	wait()
	cw.flush(t)
	f.Close()
	fl := findFlow(t, readCapture(t, capPath), "10.20.50.2", 1883)
	if fl.Protocol != "mqtt" || fl.Authenticated || !hasDetail(fl, `client id "ward-test-spo2-7"`) || !hasDetail(fl, "publishes icu/bed7/vitals/spo2") ||
		!slices.Contains(fl.Data, "device-telemetry") || !slices.Contains(fl.Data, "phi") || len(fl.Weak) == 0 {
		t.Fatalf("MQTT flow: %+v", *fl)
	}
}

// hl7 frames a message for MLLP.
func hl7(segments ...string) []byte {
	return append(append([]byte{0x0b}, strings.Join(segments, "\r")+"\r"...), 0x1c, 0x0d)
}

var adt = hl7("MSH|^~\\&|HIS|GENHOSP|LAB|LABFAC|20251014093000||ADT^A01^ADT_A01|MSG0001|P|2.5",
	"EVN|A01|20251014093000", "PID|1||123456^^^GENHOSP^MR||Doe^Jane||19700101|F", "PV1|1|I|ICU^7^1")

// HL7 v2 over MLLP between two real sockets: an ADT feed and its ACKs.
func TestPassiveHL7OverSockets(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		for {
			if _, err := r.ReadBytes(0x1c); err != nil {
				return
			}
			r.ReadByte()
			c.Write(hl7("MSH|^~\\&|LAB|LABFAC|HIS|GENHOSP|20251014093001||ACK^A01|ACK0001|P|2.5", "MSA|AA|MSG0001"))
		}
	}()
	dir := t.TempDir()
	capPath := filepath.Join(dir, "hl7.pcap")
	f, _ := os.Create(capPath)
	cw := newCapWriter(t, f)
	addr, wait := recordingProxy(t, cw, ln.Addr().String(), his, engine)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	oru := hl7("MSH|^~\\&|HIS|GENHOSP|LAB|LABFAC|20251014093500||ORU^R01|MSG0002|P|2.5", "OBX|1|NM|GLU||5.4|mmol/L")
	for _, m := range [][]byte{adt, oru} {
		c.Write(m)
		if _, err := r.ReadBytes(0x0d); err != nil {
			t.Fatal(err)
		}
		r.ReadBytes(0x0d) // ACK's two segments
		r.ReadBytes(0x0d)
	}
	c.Close()
	wait()
	cw.flush(t)
	f.Close()
	res := readCapture(t, capPath)
	fl := findFlow(t, res, "10.20.10.9", 2575)
	if fl.Protocol != "hl7v2" || fl.Encrypted || !hasDetail(fl, "HL7 ADT^A01 from HIS/GENHOSP to LAB/LABFAC") || !hasDetail(fl, "HL7 ORU^R01") ||
		!slices.Equal(fl.Data, []ward.DataClass{"lab-results", "phi", "pii"}) {
		t.Fatalf("HL7 flow: %+v", *fl)
	}
	for _, h := range res.Hosts {
		if h.IPs[0] == "10.20.10.9" && (h.Kind != "integration-engine" || h.Name != "LAB") {
			t.Fatalf("engine: %+v", h)
		}
	}
}

// handMade writes a capture of every other protocol, as a device would
// speak it.
func handMade(t testing.TB, path string) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cw := newCapWriter(t, f)
	ws := ep("10.20.60.15:50000", "00:50:56:00:00:15")
	// FHIR over HTTP.
	fhirSrv := ep("10.20.10.20:8080", "00:50:56:00:00:20")
	c := cw.dial(t, ws, fhirSrv)
	c.send(t, true, []byte("GET /fhir/Patient/8812?_format=json HTTP/1.1\r\nHost: ehr.st-example.local:8080\r\nUser-Agent: BedsideApp/2.1\r\nAccept: application/fhir+json\r\nAuthorization: Bearer x\r\n\r\n"))
	body := `{"resourceType":"Patient","id":"8812"}`
	c.send(t, false, []byte("HTTP/1.1 200 OK\r\nServer: HAPI FHIR 6.4\r\nContent-Type: application/fhir+json\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body))
	c.send(t, true, []byte("POST /fhir/Observation HTTP/1.1\r\nHost: ehr.st-example.local:8080\r\nContent-Type: application/fhir+json\r\nContent-Length: 2\r\n\r\n{}"))
	c.close(t)
	// TLS 1.0 to a portal.
	portal := ep("10.20.10.30:443", "00:50:56:00:00:30")
	c = cw.dial(t, ep("10.20.60.15:50001", "00:50:56:00:00:15"), portal)
	c.send(t, true, clientHello("portal.st-example.local", 0x0301))
	c.send(t, false, serverHello(0x0301))
	c.send(t, true, bytes.Repeat([]byte{0x17, 3, 1, 0, 16}, 4))
	c.close(t)
	// Modbus write to a chiller controller.
	plc := ep("10.20.70.5:502", "00:00:54:00:00:05") // Schneider Electric
	c = cw.dial(t, ep("10.20.70.2:50002", "00:50:56:00:00:02"), plc)
	c.send(t, true, []byte{0, 1, 0, 0, 0, 6, 1, 6, 0, 10, 0, 42})
	c.send(t, false, []byte{0, 1, 0, 0, 0, 6, 1, 6, 0, 10, 0, 42})
	c.close(t)
	// BACnet Who-Is and I-Am.
	bms := ep("10.20.70.9:47808", "00:50:56:00:00:09")
	wsB := ep("10.20.70.2:47808", "00:50:56:00:00:02")
	cw.udp(t, wsB, bms, []byte{0x81, 0x0a, 0, 8, 1, 0, 0x10, 0x08})
	cw.udp(t, bms, wsB, []byte{0x81, 0x0a, 0, 19, 1, 0, 0x10, 0x00, 0xc4, 0x02, 0x00, 0x03, 0xe9, 0x22, 0x01, 0xe0, 0x91, 0x00, 0x21})
	// SMB1 negotiate.
	fs := ep("10.20.10.40:445", "00:50:56:00:00:40")
	c = cw.dial(t, ep("10.20.60.15:50003", "00:50:56:00:00:15"), fs)
	smb1 := append([]byte("\xffSMB\x72"), make([]byte, 40)...)
	c.send(t, true, append([]byte{0, 0, 0, byte(len(smb1))}, smb1...))
	c.close(t)
	// RDP with standard security.
	rdpSrv := ep("10.20.60.16:3389", "00:50:56:00:00:16")
	c = cw.dial(t, ep("10.20.60.15:50004", "00:50:56:00:00:15"), rdpSrv)
	c.send(t, true, []byte{3, 0, 0, 19, 14, 0xe0, 0, 0, 0, 0, 0, 1, 0, 8, 0, 0, 0, 0, 0})
	c.send(t, false, []byte{3, 0, 0, 19, 14, 0xd0, 0, 0, 0x12, 0x34, 0, 2, 0, 8, 0, 0, 0, 0, 0})
	c.close(t)
	// Something on the Internet.
	c = cw.dial(t, ep("10.20.60.15:50005", "00:50:56:00:00:15"), ep("93.184.215.14:443", "00:50:56:00:00:01"))
	c.send(t, true, clientHello("updates.vendor.example", 0x0303))
	c.close(t)
	cw.flush(t)
}

func clientHello(sni string, version uint16) []byte {
	var ext []byte
	name := []byte(sni)
	sn := binary.BigEndian.AppendUint16(nil, uint16(len(name)+3))
	sn = append(sn, 0)
	sn = binary.BigEndian.AppendUint16(sn, uint16(len(name)))
	sn = append(sn, name...)
	ext = binary.BigEndian.AppendUint16(ext, 0)
	ext = binary.BigEndian.AppendUint16(ext, uint16(len(sn)))
	ext = append(ext, sn...)
	body := binary.BigEndian.AppendUint16(nil, version)
	body = append(body, make([]byte, 32)...)
	body = append(body, 0)                // session id
	body = append(body, 0, 2, 0x00, 0x2f) // one cipher suite
	body = append(body, 1, 0)             // null compression
	body = binary.BigEndian.AppendUint16(body, uint16(len(ext)))
	body = append(body, ext...)
	return handshake(1, body)
}

func serverHello(version uint16) []byte {
	body := binary.BigEndian.AppendUint16(nil, version)
	body = append(body, make([]byte, 32)...)
	body = append(body, 0, 0x00, 0x2f, 0)
	return handshake(2, body)
}

func handshake(typ byte, body []byte) []byte {
	hs := append([]byte{typ, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
	rec := []byte{0x16, 3, 1}
	rec = binary.BigEndian.AppendUint16(rec, uint16(len(hs)))
	return append(rec, hs...)
}

func TestPassiveHandMade(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hand.pcapng")
	handMade(t, path)
	res := readCapture(t, path)
	fhir := findFlow(t, res, "10.20.10.20", 8080)
	if fhir.Protocol != "fhir" || !fhir.Authenticated || !hasDetail(fhir, "FHIR GET Patient") || !hasDetail(fhir, "FHIR POST Observation") ||
		!hasDetail(fhir, "User-Agent: BedsideApp/2.1") || !hasDetail(fhir, "Server: HAPI FHIR 6.4") || slices.ContainsFunc(fhir.Details, func(d string) bool { return strings.Contains(d, "8812") }) ||
		!slices.Equal(fhir.Data, []ward.DataClass{"lab-results", "phi", "pii"}) {
		t.Fatalf("FHIR: %+v", *fhir)
	}
	tls := findFlow(t, res, "10.20.10.30", 443)
	if tls.Protocol != "https" || !tls.Encrypted || !hasDetail(tls, "TLS server name portal.st-example.local") || !hasDetail(tls, "TLS 1.0") || len(tls.Weak) != 1 {
		t.Fatalf("TLS: %+v", *tls)
	}
	mb := findFlow(t, res, "10.20.70.5", 502)
	if mb.Protocol != "modbus" || !slices.Contains(mb.Data, "device-control") || !hasDetail(mb, "Modbus write single register (unit 1)") {
		t.Fatalf("Modbus: %+v", *mb)
	}
	bn := findFlow(t, res, "10.20.70.9", 47808)
	if bn.Protocol != "bacnet" || !hasDetail(bn, "BACnet Who-Is") || !hasDetail(bn, "BACnet I-Am") {
		t.Fatalf("BACnet: %+v", *bn)
	}
	smb := findFlow(t, res, "10.20.10.40", 445)
	if smb.Protocol != "smb" || !slices.ContainsFunc(smb.Weak, func(w string) bool { return strings.Contains(w, "SMB1") }) {
		t.Fatalf("SMB: %+v", *smb)
	}
	rdp := findFlow(t, res, "10.20.60.16", 3389)
	if rdp.Protocol != "rdp" || rdp.Encrypted || len(rdp.Weak) == 0 {
		t.Fatalf("RDP: %+v", *rdp)
	}
	inet := findFlow(t, res, "93.184.215.14", 443)
	if !inet.Encrypted {
		t.Fatalf("Internet: %+v", *inet)
	}
	byIP := map[string]*Host{}
	for _, h := range res.Hosts {
		byIP[h.IPs[0]] = h
	}
	if byIP["93.184.215.14"] != nil {
		t.Fatal("an Internet address became a host")
	}
	if h := byIP["10.20.70.9"]; h == nil || h.Kind != "bms" || !slices.Contains(h.Hostnames, "") && h.Name != "bacnet-device-1001" {
		t.Fatalf("BACnet device: %+v", h)
	}
	if h := byIP["10.20.70.5"]; h == nil || !strings.Contains(strings.ToLower(h.Vendor), "schneider") {
		t.Fatalf("PLC vendor from the OUI registry: %+v", h)
	}
	if h := byIP["10.20.10.20"]; h == nil || h.Kind != "ehr" || !slices.Contains(h.Hostnames, "ehr.st-example.local") {
		t.Fatalf("FHIR server: %+v", h)
	}
}

// Truncated and corrupt captures are refused with the packet named.
func TestPcapTruncatedAndCorrupt(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hand.pcapng")
	handMade(t, path)
	data, _ := os.ReadFile(path)
	cut := filepath.Join(dir, "cut.pcapng")
	os.WriteFile(cut, data[:len(data)-30], 0o644)
	f, _ := os.Open(cut)
	defer f.Close()
	_, err := ReadPcap("cut.pcapng", f, 0, nil)
	if err == nil || !strings.Contains(err.Error(), "cut.pcapng:packet ") {
		t.Fatalf("truncated capture: %v", err)
	}
	for _, bad := range [][]byte{nil, []byte("hello world, not a capture"), {0xd4, 0xc3, 0xb2, 0xa1, 2, 0}} {
		if _, err := ReadPcap("bad.pcap", bytes.NewReader(bad), 0, nil); err == nil || !strings.HasPrefix(err.Error(), "bad.pcap:") {
			t.Fatalf("%q: %v", bad, err)
		}
	}
}
