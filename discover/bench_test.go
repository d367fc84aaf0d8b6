package discover

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// benchSize is the capture the passive benchmark generates, in MB:
// WARD_BENCH_PCAP_MB (1024 for the numbers in docs/performance.md),
// 64 by default so that a run of every benchmark stays short.
func benchSize() int64 {
	if s, err := strconv.Atoi(os.Getenv("WARD_BENCH_PCAP_MB")); err == nil && s > 0 {
		return int64(s) << 20
	}
	return 64 << 20
}

// genCapture writes a hospital's traffic until the file reaches size:
// DICOM studies, HL7 feeds, FHIR calls, TLS sessions, MQTT telemetry,
// Modbus polling and BACnet, between a few thousand hosts.
func genCapture(b *testing.B, path string, size int64) (packets int64) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	cw := newCapWriter(b, bw)
	image := bytes.Repeat([]byte{0x04, 0, 0, 0, 0xff, 0xfa}, 64<<10/6)
	body := bytes.Repeat([]byte(`{"resourceType":"Observation","status":"final"}`), 80)
	appData := append([]byte{0x17, 3, 3, 0x05, 0x73}, make([]byte, 1395)...)
	for i := 0; ; i++ {
		if i%256 == 0 {
			cw.flush(b)
			if st, _ := f.Stat(); st.Size() >= size {
				break
			}
		}
		cli := endpoint{ap: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i / 250 % 16), byte(1 + i%250)}), uint16(1024+i%60000)), mac: modality.mac}
		srv := func(port uint16) endpoint {
			return endpoint{ap: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 2, 0, byte(1 + i%50)}), port), mac: pacs.mac}
		}
		switch i % 7 {
		case 0:
			c := cw.dial(b, cli, srv(104))
			c.send(b, true, associateRQ("CT", "PACS", "1.2.840.10008.5.1.4.1.1.2"))
			ac := associateRQ("CT", "PACS", "1.2.840.10008.5.1.4.1.1.2")
			ac[0] = 2
			c.send(b, false, ac)
			c.send(b, true, append([]byte{4, 0, 0, 0, byte(len(image) >> 8), byte(len(image))}, image...))
			c.close(b)
		case 1:
			c := cw.dial(b, cli, srv(2575))
			for range 5 {
				c.send(b, true, adt)
				c.send(b, false, hl7("MSH|^~\\&|LAB|LABFAC|HIS|GENHOSP|20251014093001||ACK^A01|ACK0001|P|2.5", "MSA|AA|MSG0001"))
			}
			c.close(b)
		case 2:
			c := cw.dial(b, cli, srv(8080))
			for range 3 {
				c.send(b, true, []byte("GET /fhir/Observation?patient=42 HTTP/1.1\r\nHost: ehr.local\r\nAccept: application/fhir+json\r\n\r\n"))
				c.send(b, false, append([]byte("HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"), body...))
			}
			c.close(b)
		case 3:
			c := cw.dial(b, cli, srv(443))
			c.send(b, true, clientHello("portal.local", 0x0303))
			c.send(b, false, serverHello(0x0303))
			for range 20 {
				c.send(b, false, appData)
			}
			c.close(b)
		case 4:
			c := cw.dial(b, cli, srv(1883))
			c.send(b, true, []byte("\x10\x13\x00\x04MQTT\x04\x02\x00\x3c\x00\x07sensor1"))
			for range 10 {
				c.send(b, true, []byte("\x30\x14\x00\x0ficu/bed7/spo2\x00\x00\x0097"))
			}
			c.close(b)
		case 5:
			c := cw.dial(b, cli, srv(502))
			for range 10 {
				c.send(b, true, []byte{0, 1, 0, 0, 0, 6, 1, 3, 0, 10, 0, 2})
				c.send(b, false, []byte{0, 1, 0, 0, 0, 7, 1, 3, 4, 0, 42, 0, 7})
			}
			c.close(b)
		case 6:
			cw.udp(b, cli, srv(47808), []byte{0x81, 0x0a, 0, 8, 1, 0, 0x10, 0x08})
			cw.udp(b, srv(47808), cli, []byte{0x81, 0x0a, 0, 19, 1, 0, 0x10, 0x00, 0xc4, 0x02, 0x00, 0x03, 0xe9, 0x22, 0x01, 0xe0, 0x91, 0x00, 0x21})
		}
	}
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Seek(0, io.SeekStart)
	ng, _ := pcapgo.NewNgReader(bufio.NewReaderSize(f, 1<<20), pcapgo.DefaultNgReaderOptions)
	for {
		if _, _, err := ng.ZeroCopyReadPacketData(); err != nil {
			break
		}
		packets++
	}
	return packets
}

// BenchmarkPcap measures passive discovery against a bare gopacket loop
// (the same reader and DecodingLayerParser, nothing else) over one
// generated capture: the ratio of their times is discovery's overhead.
func BenchmarkPcap(b *testing.B) {
	path := filepath.Join(b.TempDir(), "hospital.pcapng")
	size := benchSize()
	packets := genCapture(b, path, size)
	st, _ := os.Stat(path)
	run := func(b *testing.B, read func(f *os.File)) {
		b.SetBytes(st.Size())
		for b.Loop() {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			read(f)
			f.Close()
		}
		b.ReportMetric(float64(packets)*float64(b.N)/b.Elapsed().Seconds(), "packets/s")
	}
	b.Run("bare", func(b *testing.B) {
		run(b, func(f *os.File) {
			ng, err := pcapgo.NewNgReader(bufio.NewReaderSize(f, 1<<20), pcapgo.DefaultNgReaderOptions)
			if err != nil {
				b.Fatal(err)
			}
			var (
				eth     layers.Ethernet
				ip4     layers.IPv4
				ip6     layers.IPv6
				tcp     layers.TCP
				udp     layers.UDP
				payload gopacket.Payload
				decoded []gopacket.LayerType
			)
			parser := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &ip4, &ip6, &tcp, &udp, &payload)
			parser.IgnoreUnsupported = true
			for {
				data, _, err := ng.ZeroCopyReadPacketData()
				if err != nil {
					break
				}
				parser.DecodeLayers(data, &decoded)
			}
		})
	})
	b.Run("discover", func(b *testing.B) {
		var res *Result
		run(b, func(f *os.File) {
			var err error
			if res, err = ReadPcap("hospital.pcapng", f, 0, nil); err != nil {
				b.Fatal(err)
			}
		})
		if res.Stats.Records != packets || len(res.Flows) == 0 {
			b.Fatalf("read %d packets of %d, %d flows", res.Stats.Records, packets, len(res.Flows))
		}
	})
}

// BenchmarkNmap65k imports a scan of 65,536 hosts: read and merged into a
// model, with the live heap after the import reported.
func BenchmarkNmap65k(b *testing.B) {
	path := filepath.Join(b.TempDir(), "scan.xml")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<nmaprun scanner="nmap" args="nmap -sV -O -oX scan.xml 10.0.0.0/16" start="1760434200" version="7.93" xmloutputversion="1.05">`)
	const hosts = 65536
	for i := range hosts {
		fmt.Fprintf(w, `<host starttime="1760434201" endtime="1760434260"><status state="up" reason="arp-response" reason_ttl="0"/>
<address addr="10.%d.%d.%d" addrtype="ipv4"/><address addr="00:09:FB:%02X:%02X:%02X" addrtype="mac" vendor="Philips Medical Systems"/>
<hostnames><hostname name="dev%d.st-example.local" type="PTR"/></hostnames>
<ports><extraports state="closed" count="997"><extrareasons reason="reset" count="997"/></extraports>
<port protocol="tcp" portid="22"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="ssh" product="OpenSSH" version="8.4p1" method="probed" conf="10"><cpe>cpe:/a:openbsd:openssh:8.4p1</cpe></service></port>
<port protocol="tcp" portid="104"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="dicom" method="probed" conf="10"/></port>
<port protocol="tcp" portid="443"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="http" tunnel="ssl" product="nginx" version="1.18.0" method="probed" conf="10"><cpe>cpe:/a:igor_sysoev:nginx:1.18.0</cpe></service></port>
</ports>
<os><osmatch name="Linux 4.15 - 5.8" accuracy="100" line="1"><osclass type="general purpose" vendor="Linux" osfamily="Linux" osgen="5.X" accuracy="100"><cpe>cpe:/o:linux:linux_kernel:5</cpe></osclass></osmatch></os>
</host>
`, i>>16, (i>>8)&255, i&255, i>>16, (i>>8)&255, i&255, i)
	}
	fmt.Fprintln(w, `<runstats><finished time="1760434999"/></runstats></nmaprun>`)
	w.Flush()
	f.Close()
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	b.ReportAllocs()
	var heap uint64
	for b.Loop() {
		f, _ := os.Open(path)
		res, err := ReadNmap("scan.xml", f, 0, nil)
		f.Close()
		if err != nil || len(res.Hosts) != hosts {
			b.Fatalf("%v, %d hosts", err, len(res.Hosts))
		}
		m := hospital()
		d := Merge(m, res, Options{Zone: "scanned"})
		if len(d.Added) != hosts {
			b.Fatalf("%d added", len(d.Added))
		}
		if err := m.Validate(); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		heap = max(heap, ms.HeapAlloc)
		runtime.KeepAlive(m)
	}
	b.ReportMetric(float64(heap)/(1<<20), "live-MB")
	b.ReportMetric(float64(hosts)*float64(b.N)/b.Elapsed().Seconds(), "hosts/s")
}
