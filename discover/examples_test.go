package discover

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// exampleCapture writes examples/bedside-capture.pcapng: what a mirror port
// of St. Example General (the demo) shows of its devices in a few seconds.
func exampleCapture(t testing.TB) []byte {
	var buf bytes.Buffer
	cw := newCapWriter(t, &buf)
	// An infusion pump reports to its server over MQTT, without a user name.
	pump := ep("10.20.50.17:40117", "02:00:0a:14:32:11")
	broker := ep("10.20.50.2:1883", "02:00:0a:14:32:02")
	c := cw.dial(t, pump, broker)
	id := "infusion-pump-17"
	connect := append([]byte{0x10, byte(12 + len(id)), 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, byte(len(id))}, id...)
	c.send(t, true, connect)
	c.send(t, false, []byte{0x20, 2, 0, 0})
	topic := "icu/bed7/pump/rate"
	c.send(t, true, append(append([]byte{0x30, byte(2 + len(topic) + 4), 0, byte(len(topic))}, topic...), "12.5"...))
	c.close(t)
	// A CT scanner stores images on the PACS.
	ct := ep("10.20.40.11:50400", "02:00:0a:14:28:0b")
	pacs := ep("10.10.2.10:104", "00:50:56:8a:22:10")
	c = cw.dial(t, ct, pacs)
	c.send(t, true, associateRQ("CT_ED_01", "PACS_MAIN", "1.2.840.10008.5.1.4.1.1.2"))
	c.close(t)
	// A blood gas analyser sends results to the HL7 engine, in clear text.
	lab := ep("10.20.40.30:50430", "02:00:0a:14:28:1e")
	engine := ep("10.10.1.50:2575", "00:50:56:8a:11:50")
	c = cw.dial(t, lab, engine)
	c.send(t, true, hl7("MSH|^~\\&|BLOOD_GAS_ICU|ICU_LAB|HL7ENGINE|STEXAMPLE|20251014093500||ORU^R01^ORU_R01|MSG0417|P|2.5",
		"PID|1||123456^^^STEXAMPLE^MR||Doe^Jane", "OBX|1|NM|2708-6^SpO2^LN||97|%"))
	c.send(t, false, hl7("MSH|^~\\&|HL7ENGINE|STEXAMPLE|BLOOD_GAS_ICU|ICU_LAB|20251014093501||ACK|ACK0417|P|2.5", "MSA|AA|MSG0417"))
	c.close(t)
	// A bedside tablet reads a patient from the EHR's FHIR API.
	tablet := ep("10.20.60.15:50000", "f0:18:98:20:60:15")
	ehr := ep("10.10.1.11:8080", "00:50:56:8a:11:01")
	c = cw.dial(t, tablet, ehr)
	c.send(t, true, []byte("GET /fhir/Patient/8812 HTTP/1.1\r\nHost: ehr-app-01.st-example.local:8080\r\nUser-Agent: BedsideApp/2.1\r\nAccept: application/fhir+json\r\n\r\n"))
	body := `{"resourceType":"Patient","id":"8812"}`
	c.send(t, false, []byte("HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body))
	c.close(t)
	cw.flush(t)
	return buf.Bytes()
}

// The example capture in examples/ is what exampleCapture writes
// (WARD_UPDATE_EXAMPLES=1 rewrites it), and reads as the devices it shows:
// the pump by its MQTT client id, the scanner and the analyser by their
// DICOM and HL7 names.
func TestExampleCapture(t *testing.T) {
	path := filepath.Join("..", "examples", "bedside-capture.pcapng")
	data := exampleCapture(t)
	if os.Getenv("WARD_UPDATE_EXAMPLES") == "1" {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if old, err := os.ReadFile(path); err != nil || !bytes.Equal(old, data) {
		t.Fatalf("%s is not what exampleCapture writes (%v): run WARD_UPDATE_EXAMPLES=1 go test ./discover -run ExampleCapture", path, err)
	}
	res := readCapture(t, path)
	hosts := map[string]*Host{}
	for _, h := range res.Hosts {
		hosts[h.IPs[0]] = h
	}
	for ip, want := range map[string]struct {
		kind string
		id   Identity
	}{
		"10.20.50.17": {"infusion-pump", Identity{"infusion-pump-17", "MQTT client id"}},
		"10.20.40.11": {"imaging-modality", Identity{"CT_ED_01", "DICOM calling AE title"}},
		"10.20.40.30": {"lab-analyser", Identity{"BLOOD_GAS_ICU", "HL7 sending application (MSH-3)"}},
	} {
		h := hosts[ip]
		if h == nil || !slices.Contains(h.Identities, want.id) || want.kind != "" && string(h.Kind) != want.kind {
			t.Errorf("%s: %+v, want kind %s and %v", ip, h, want.kind, want.id)
		}
	}
	if n := hosts["10.20.50.17"].Notes["kind"]; n.Confidence != 50 || n.Reason != `its own name "infusion-pump-17" (MQTT client id) says "infusion"` {
		t.Errorf("pump kind note: %+v", n)
	}
}
