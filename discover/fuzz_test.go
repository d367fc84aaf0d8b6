package discover

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The fuzz targets feed arbitrary bytes to every parser: none may panic,
// loop or hold on to more than it was given, and every error must name a
// place.

func FuzzNmap(f *testing.F) {
	f.Add([]byte(scanXML))
	f.Add([]byte(scanXML[:len(scanXML)/2]))
	f.Add([]byte(`<nmaprun><host><address addr="1.2.3.4" addrtype="ipv4"/><ports><port protocol="tcp" portid="104"><state state="open"/></port></ports></host></nmaprun>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := ReadNmap("f.xml", bytes.NewReader(b), 0, nil)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.xml:") {
				t.Fatalf("error without a place: %v", err)
			}
			return
		}
		mergeChecked(t, res)
	})
}

func FuzzCSV(f *testing.F) {
	f.Add([]byte(cmms), "Device Type=-")
	f.Add([]byte("id,ip,mac,eol\nA,10.0.0.300,zz,2025-13-45\n"), "")
	f.Add([]byte("serial;hostname;zone\nS1;pump-1.local;imaging\n"), "zone=owner")
	f.Fuzz(func(t *testing.T, b []byte, mapping string) {
		m, err := ParseMapping(mapping)
		if err != nil {
			return
		}
		res, err := ReadCSV("f.csv", bytes.NewReader(b), 0, m, nil)
		if err != nil {
			if !strings.Contains(err.Error(), "f.csv:") {
				t.Fatalf("error without a place: %v", err)
			}
			return
		}
		mergeChecked(t, res)
	})
}

// mergeChecked merges into a valid model and checks it stays valid.
func mergeChecked(t *testing.T, res *Result) {
	m := hospital()
	Merge(m, res, Options{Zone: "found"})
	if err := m.Validate(); err != nil {
		t.Fatalf("merged model invalid: %v", err)
	}
}

// fuzzDissector runs a dissector both ways over b, as feed would.
func fuzzDissector(f *testing.F, d dissector, seeds ...[]byte) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, fromClient := range []bool{true, false} {
			p := newPassive()
			cli, srv := ep("10.0.0.1:40000", "").ap, ep("10.0.0.2:104", "").ap
			c, _ := p.conv(cli.Addr().As16(), srv.Addr().As16(), cli.Port(), srv.Port(), 6, true, time0)
			c.parse = d
			c.feed(p, fromClient, b, false)
			c.feed(p, fromClient, b, false)
			if len(c.buf[0]) > maxBuffer || len(c.buf[1]) > maxBuffer {
				t.Fatal("buffer past its bound")
			}
		}
	})
}

func FuzzHL7(f *testing.F) {
	fuzzDissector(f, dissectHL7, adt, hl7("MSH|^~\\&|A|B|C|D|1||ORU^R01|1|P|2.5"), []byte{0x0b, 'M', 'S', 'H', '|'})
}

func FuzzDICOM(f *testing.F) {
	fuzzDissector(f, dissectDICOM, associateRQ("CT", "PACS", "1.2.840.10008.5.1.4.1.1.2"), []byte{4, 0, 0, 0, 0, 10, 1, 2, 3})
}

func FuzzHTTP(f *testing.F) {
	fuzzDissector(f, dissectHTTP, []byte("GET /fhir/Patient/1 HTTP/1.1\r\nHost: a.b\r\n\r\n"), []byte("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"))
}

func FuzzMQTT(f *testing.F) {
	fuzzDissector(f, dissectMQTT, []byte("\x10\x13\x00\x04MQTT\x04\x02\x00\x3c\x00\x07sensor1"), []byte("\x30\x0a\x00\x05a/b/c12"), []byte("\x82\x08\x00\x01\x00\x03a/b\x00"))
}

func FuzzTLS(f *testing.F) {
	fuzzDissector(f, dissectTLS, clientHello("a.example", 0x0303), serverHello(0x0301))
}

func FuzzModbus(f *testing.F) {
	fuzzDissector(f, dissectModbus, []byte{0, 1, 0, 0, 0, 6, 1, 6, 0, 10, 0, 42})
}

func FuzzBACnet(f *testing.F) {
	fuzzDissector(f, dissectBACnet, []byte{0x81, 0x0a, 0, 8, 1, 0, 0x10, 0x08}, []byte{0x81, 0x0a, 0, 19, 1, 0, 0x10, 0x00, 0xc4, 0x02, 0x00, 0x03, 0xe9, 0x22, 0x01, 0xe0, 0x91, 0x00, 0x21})
}

func FuzzSMB(f *testing.F) {
	smb1 := append([]byte("\xffSMB\x72"), make([]byte, 40)...)
	fuzzDissector(f, dissectSMB, append([]byte{0, 0, 0, byte(len(smb1))}, smb1...))
}

func FuzzRDP(f *testing.F) {
	fuzzDissector(f, dissectRDP, []byte{3, 0, 0, 19, 14, 0xe0, 0, 0, 0, 0, 0, 1, 0, 8, 0, 0, 0, 3, 0}, []byte{3, 0, 0, 19, 14, 0xd0, 0, 0, 0x12, 0x34, 0, 2, 0, 8, 0, 0, 0, 0, 0})
}

// FuzzPcap reads arbitrary captures: a hand-made one, cut and flipped.
func FuzzPcap(f *testing.F) {
	path := filepath.Join(f.TempDir(), "hand.pcapng")
	handMade(f, path)
	data, _ := os.ReadFile(path)
	f.Add(data)
	f.Add(data[:len(data)/2])
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := ReadPcap("f.pcap", bytes.NewReader(b), 0, nil)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.pcap:") {
				t.Fatalf("error without a place: %v", err)
			}
			return
		}
		mergeChecked(t, res)
	})
}
