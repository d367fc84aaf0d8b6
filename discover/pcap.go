package discover

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/macs"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/wardhealth/ward"
)

// Limits that keep passive discovery in constant memory whatever the
// capture's length: a stream buffers at most maxBuffer bytes a direction,
// and at most maxStreams streams are followed at once (the least recently
// seen half is forgotten past it; their flows stay).
const (
	maxBuffer  = 64 << 10
	maxStreams = 1 << 16
	// maxInspect bounds the bytes of one stream direction the dissectors
	// read: past it a stream is only counted.
	maxInspect = 1 << 20
	// maxWarnings bounds the malformed messages a result lists.
	maxWarnings = 20
)

// packetSource reads packets from a pcap or pcapng file.
type packetSource interface {
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
}

// openCapture picks the reader by the file's magic number.
func openCapture(r *bufio.Reader) (packetSource, func(ci gopacket.CaptureInfo) layers.LinkType, error) {
	magic, err := r.Peek(4)
	if err != nil {
		return nil, nil, errors.New("not a capture: shorter than a pcap header")
	}
	if binary.BigEndian.Uint32(magic) == 0x0a0d0d0a {
		// The link type of each interface is looked up once per section:
		// ng.Interface copies a large struct, and every packet asks. A new
		// section starts a new list of interfaces, so it empties the cache.
		var links []layers.LinkType
		var known []bool
		opts := pcapgo.DefaultNgReaderOptions
		opts.SectionEndCallback = func([]pcapgo.NgInterface, pcapgo.NgSectionInfo) {
			links, known = links[:0], known[:0]
		}
		ng, err := pcapgo.NewNgReader(r, opts)
		if err != nil {
			return nil, nil, fmt.Errorf("pcapng: %w", err)
		}
		return ng, func(ci gopacket.CaptureInfo) layers.LinkType {
			i := ci.InterfaceIndex
			if i >= 0 && i < len(known) && known[i] {
				return links[i]
			}
			intf, err := ng.Interface(i)
			if err != nil {
				return ng.LinkType()
			}
			for len(known) <= i {
				links, known = append(links, 0), append(known, false)
			}
			links[i], known[i] = intf.LinkType, true
			return intf.LinkType
		}, nil
	}
	pr, err := pcapgo.NewReader(r)
	if err != nil {
		return nil, nil, fmt.Errorf("not a pcap or pcapng file: %w", err)
	}
	lt := pr.LinkType()
	return pr, func(gopacket.CaptureInfo) layers.LinkType { return lt }, nil
}

// ReadPcap discovers hosts and conversations in a capture (pcap or pcapng,
// read as a stream): who talks to whom, on which port, in which protocol
// (recognised by content, else by port), encrypted or not, carrying which
// data. A file cut short or corrupt is an error naming the packet; a
// malformed message inside a packet is only a warning, since captures hold
// whatever the wire carried.
func ReadPcap(name string, r io.Reader, size int64, progress Progress) (*Result, error) {
	cr := newCounter(r, size, progress)
	src, linkType, err := openCapture(bufio.NewReaderSize(cr, 1<<20))
	if err != nil {
		return nil, &PositionError{File: name, Err: err}
	}
	p := newPassive()
	for {
		data, ci, err := src.ZeroCopyReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				err = errors.New("the file ends inside the packet: the capture is truncated")
			}
			return nil, &PositionError{File: name, Where: fmt.Sprintf("packet %d", p.packets+1), Err: err}
		}
		p.packet(linkType(ci), data, ci.Timestamp)
	}
	res := p.result()
	res.Source, res.File = "pcap", name
	res.Stats.Bytes = cr.n
	return res, nil
}

// passive is the state of one capture's discovery.
type passive struct {
	parser           *gopacket.DecodingLayerParser
	parserLink       layers.LinkType
	eth              layers.Ethernet
	sll              layers.LinuxSLL
	loop             layers.Loopback
	dot1q            layers.Dot1Q
	ip4              layers.IPv4
	ip6              layers.IPv6
	tcp              layers.TCP
	udp              layers.UDP
	arp              layers.ARP
	payload          gopacket.Payload
	decoded          []gopacket.LayerType
	packets, skipped int64
	first, last      time.Time
	hosts            map[netip.Addr]*hostState
	macIPs           map[[6]byte]int
	flows            map[flowKey]*Flow
	convs            map[convKey]*conv
	warnings         []string
	// srcMAC is the current packet's source MAC address, when hasMAC.
	srcMAC [6]byte
	hasMAC bool
	// reasons are the reasons of flows on well-known ports, by port.
	reasons   map[listenKey]string
	curPacket int64
	malformed int64
	evictions int64
	// free holds forgotten conversations for reuse (see recycle).
	free []*conv
}

// flowKey is a flow: client, server (16-byte forms), server port, and 1
// for UDP; like convKey, plain memory.
type flowKey struct {
	client, server [16]byte
	port, udp      uint16
}

// convKey is one TCP connection or UDP exchange whichever way a packet
// goes: the lower endpoint first, so that a packet finds its conversation
// in one lookup. Addresses are kept in their 16-byte form, and the key has
// neither pointers nor padding, so it hashes as plain memory.
type convKey struct {
	lo, hi         [16]byte
	loPort, hiPort uint16
	proto          uint16
}

// makeConvKey is the key of the conversation between src and dst, and
// whether src is its lower endpoint.
func makeConvKey(src, dst netip.AddrPort, proto uint8) (convKey, bool) {
	s, d := src.Addr().As16(), dst.Addr().As16()
	c := bytes.Compare(s[:], d[:])
	if c < 0 || c == 0 && src.Port() <= dst.Port() {
		return convKey{s, d, src.Port(), dst.Port(), uint16(proto)}, true
	}
	return convKey{d, s, dst.Port(), src.Port(), uint16(proto)}, false
}

// listenKey is a port a host answers on: the port shifted left, plus 1 for
// UDP, so that keys sort by port, then TCP before UDP.
type listenKey uint32

func makeListenKey(port uint16, udp bool) listenKey {
	k := listenKey(port) << 1
	if udp {
		k |= 1
	}
	return k
}

// hostState gathers what the wire shows of one IP address.
type hostState struct {
	addr      netip.Addr
	mac       [6]byte
	hasMAC    bool
	macShared bool
	roles     []string
	names     map[string]string // name -> reason
	// listens holds, for each port the host answered on, the flow it last
	// answered in; lastListen is that last answer, which most packets
	// repeat, so that they do not write the map again.
	listens    map[listenKey]*Flow
	lastListen struct {
		key  listenKey
		flow *Flow
	}
	first time.Time
	last  time.Time
	// addrText is addr as text, once asked for: the flows of a host share
	// it.
	addrText string
}

func (h *hostState) text() string {
	if h.addrText == "" {
		h.addrText = h.addr.String()
	}
	return h.addrText
}

func (h *hostState) role(r string) {
	if h != nil && !slices.Contains(h.roles, r) && len(h.roles) < 32 {
		h.roles = append(h.roles, r)
	}
}

// listen records that the host answered on a port, in a flow.
func (h *hostState) listen(k listenKey, f *Flow) {
	if h.lastListen.flow == f && h.lastListen.key == k {
		return
	}
	if h.listens == nil {
		h.listens = map[listenKey]*Flow{}
	}
	h.listens[k] = f
	h.lastListen.key, h.lastListen.flow = k, f
}

func (h *hostState) name(n, reason string) {
	if h == nil || n == "" || len(h.names) >= 8 {
		return
	}
	if h.names == nil {
		h.names = map[string]string{}
	}
	if _, ok := h.names[n]; !ok {
		h.names[n] = reason
	}
}

// nameBytes is name for a name in a buffer, copied only when kept.
func (h *hostState) nameBytes(n []byte, reason string) {
	if h == nil || len(n) == 0 || len(h.names) >= 8 {
		return
	}
	if h.names == nil {
		h.names = map[string]string{}
	}
	if _, ok := h.names[string(n)]; !ok {
		h.names[string(n)] = reason
	}
}

func newPassive() *passive {
	return &passive{
		hosts:  map[netip.Addr]*hostState{},
		macIPs: map[[6]byte]int{},
		flows:  map[flowKey]*Flow{},
		convs:  map[convKey]*conv{},
	}
}

// decoderFor sets the parser up for a link type: the same
// DecodingLayerParser a bare loop would use, built once per link type.
func (p *passive) decoderFor(lt layers.LinkType) bool {
	if p.parser != nil && p.parserLink == lt {
		return true
	}
	var first gopacket.LayerType
	switch lt {
	case layers.LinkTypeEthernet:
		first = layers.LayerTypeEthernet
	case layers.LinkTypeLinuxSLL:
		first = layers.LayerTypeLinuxSLL
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		first = layers.LayerTypeLoopback
	case layers.LinkTypeRaw, layers.LinkTypeIPv4:
		first = layers.LayerTypeIPv4
	case layers.LinkTypeIPv6:
		first = layers.LayerTypeIPv6
	default:
		return false
	}
	p.parser = gopacket.NewDecodingLayerParser(first, &p.eth, &p.sll, &p.loop, &p.dot1q, &p.ip4, &p.ip6, &p.tcp, &p.udp, &p.arp, &p.payload)
	p.parser.IgnoreUnsupported = true
	p.parserLink = lt
	return true
}

// packet handles one packet.
func (p *passive) packet(lt layers.LinkType, data []byte, ts time.Time) {
	p.packets++
	p.curPacket = p.packets
	if p.first.IsZero() || ts.Before(p.first) {
		p.first = ts
	}
	if ts.After(p.last) {
		p.last = ts
	}
	if (lt == layers.LinkTypeRaw || lt == layers.LinkTypeIPv4) && len(data) > 0 && data[0]>>4 == 6 {
		lt = layers.LinkTypeIPv6
	}
	if !p.decoderFor(lt) {
		p.skipped++
		return
	}
	if err := p.parser.DecodeLayers(data, &p.decoded); err != nil && len(p.decoded) == 0 {
		p.skipped++
		return
	}
	var src, dst netip.Addr
	isTCP, isUDP := false, false
	p.hasMAC = false
	for _, t := range p.decoded {
		switch t {
		case layers.LayerTypeEthernet:
			if len(p.eth.SrcMAC) == 6 {
				p.srcMAC = [6]byte(p.eth.SrcMAC)
				p.hasMAC = p.srcMAC != [6]byte{} && p.eth.SrcMAC[0]&1 == 0
			}
		case layers.LayerTypeIPv4:
			src, _ = netip.AddrFromSlice(p.ip4.SrcIP)
			dst, _ = netip.AddrFromSlice(p.ip4.DstIP)
		case layers.LayerTypeIPv6:
			src, _ = netip.AddrFromSlice(p.ip6.SrcIP)
			dst, _ = netip.AddrFromSlice(p.ip6.DstIP)
		case layers.LayerTypeTCP:
			isTCP = true
		case layers.LayerTypeUDP:
			isUDP = true
		case layers.LayerTypeARP:
			p.arpPacket(ts)
			return
		}
	}
	if !src.IsValid() || !dst.IsValid() {
		p.skipped++
		return
	}
	src, dst = src.Unmap(), dst.Unmap()
	switch {
	case isTCP:
		p.tcpPacket(src, dst, ts, len(data))
		return
	case isUDP:
		p.udpPacket(src, dst, ts, len(data))
		return
	}
	sh := p.host(src, ts)
	if p.hasMAC {
		p.seeMAC(sh, p.srcMAC)
	}
	if !unaddressed(dst) {
		p.host(dst, ts)
	}
}

// unaddressed says whether a destination names no one host: multicast,
// broadcast or unspecified.
func unaddressed(a netip.Addr) bool {
	return a.IsMulticast() || a == netip.IPv4Unspecified() || isBroadcast(a)
}

// touch records that a conversation's packet was seen: its sender and
// receiver, through the hosts the conversation holds rather than by
// looking them up.
func (p *passive) touch(c *conv, fromClient bool, ts time.Time) {
	sh, dh, dstSide := c.client, c.server, 1
	if !fromClient {
		sh, dh, dstSide = c.server, c.client, 0
	}
	sh.last = ts
	if p.hasMAC {
		p.seeMAC(sh, p.srcMAC)
	}
	if !c.unaddressed[dstSide] {
		dh.last = ts
	}
}

func isBroadcast(a netip.Addr) bool {
	if !a.Is4() {
		return false
	}
	b := a.As4()
	return b[3] == 255 || a == netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

func (p *passive) host(a netip.Addr, ts time.Time) *hostState {
	h := p.hosts[a]
	if h == nil {
		h = &hostState{addr: a, first: ts}
		p.hosts[a] = h
	}
	h.last = ts
	return h
}

// seeMAC ties a MAC address to an IP. A MAC that shows up with many IPs is
// a router's, forwarding others' packets: it identifies none of them.
func (p *passive) seeMAC(h *hostState, mac [6]byte) {
	if h.hasMAC {
		if h.mac != mac {
			h.macShared = true
		}
		return
	}
	h.mac, h.hasMAC = mac, true
	p.macIPs[mac]++
}

func (p *passive) arpPacket(ts time.Time) {
	a := &p.arp
	if a.Protocol != layers.EthernetTypeIPv4 || len(a.SourceProtAddress) != 4 || len(a.SourceHwAddress) != 6 {
		return
	}
	ip := netip.AddrFrom4([4]byte(a.SourceProtAddress))
	if ip.IsUnspecified() {
		return
	}
	var mac [6]byte
	copy(mac[:], a.SourceHwAddress)
	p.seeMAC(p.host(ip, ts), mac)
}

func (p *passive) tcpPacket(src, dst netip.Addr, ts time.Time, size int) {
	t := &p.tcp
	sa := netip.AddrPortFrom(src, uint16(t.SrcPort))
	da := netip.AddrPortFrom(dst, uint16(t.DstPort))
	c, fromClient := p.conv(sa, da, 6, t.SYN && !t.ACK, ts)
	p.touch(c, fromClient, ts)
	c.packet(ts, size)
	dir := 0
	if !fromClient {
		dir = 1
	}
	if t.SYN {
		c.next[dir], c.seqKnown[dir] = t.Seq+1, true
		if t.ACK {
			c.server.listen(makeListenKey(uint16(t.SrcPort), false), c.flow)
		}
		return
	}
	if t.RST || t.FIN {
		defer p.end(c, t.RST)
	}
	if len(t.Payload) == 0 || c.done {
		return
	}
	if !fromClient {
		c.server.listen(makeListenKey(uint16(c.flow.Port), false), c.flow)
	}
	seq := t.Seq
	if c.seqKnown[dir] && seq != c.next[dir] {
		if int32(seq-c.next[dir]) < 0 {
			// A retransmission of what was read already.
			if end := seq + uint32(len(t.Payload)); int32(end-c.next[dir]) <= 0 {
				return
			}
			cut := c.next[dir] - seq
			c.next[dir] += uint32(len(t.Payload)) - cut
			c.feed(p, fromClient, t.Payload[cut:], false)
			return
		}
		// Lost or unseen data: parsing restarts at this segment.
		c.next[dir] = seq + uint32(len(t.Payload))
		c.feed(p, fromClient, t.Payload, true)
		return
	}
	c.next[dir], c.seqKnown[dir] = seq+uint32(len(t.Payload)), true
	c.feed(p, fromClient, t.Payload, false)
}

func (p *passive) udpPacket(src, dst netip.Addr, ts time.Time, size int) {
	u := &p.udp
	sa := netip.AddrPortFrom(src, uint16(u.SrcPort))
	da := netip.AddrPortFrom(dst, uint16(u.DstPort))
	c, fromClient := p.conv(sa, da, 17, false, ts)
	p.touch(c, fromClient, ts)
	c.packet(ts, size)
	if !fromClient {
		c.server.listen(makeListenKey(uint16(c.flow.Port), true), c.flow)
	}
	if len(u.Payload) > 0 && !c.done {
		// Each datagram is a message of its own.
		c.feed(p, fromClient, u.Payload, true)
	}
}

// conv finds or starts the conversation of a packet and says whether the
// packet comes from its client. The client is the side that sent the SYN;
// failing that, the side whose port is not a known server port, or the
// higher port.
func (p *passive) conv(src, dst netip.AddrPort, proto uint8, syn bool, ts time.Time) (*conv, bool) {
	key, srcLow := makeConvKey(src, dst, proto)
	if c, ok := p.convs[key]; ok {
		return c, srcLow == c.clientLow
	}
	client, server := src, dst
	if !syn && serverSide(src.Port(), dst.Port(), proto) {
		client, server = dst, src
	}
	if dst.Addr().IsMulticast() || isBroadcast(dst.Addr()) {
		client, server = src, dst
	}
	transport := ward.Transport("tcp")
	if proto == 17 {
		transport = "udp"
	}
	fk := flowKey{client.Addr().As16(), server.Addr().As16(), server.Port(), uint16(proto & 1)}
	f := p.flows[fk]
	ch, sh := p.host(client.Addr(), ts), p.host(server.Addr(), ts)
	if f == nil {
		f = &Flow{Client: ch.text(), Server: sh.text(), Transport: transport, Port: int(server.Port()), First: ts}
		if w, ok := portProtocol(int(server.Port()), transport); ok {
			f.Protocol, f.Encrypted = w.protocol, w.tls && encryptedByDefault(w.protocol)
			f.Confidence, f.Reason = 50, p.portReason(server.Port(), transport, w)
		} else {
			f.Protocol, f.Confidence, f.Reason = "other", 20, fmt.Sprintf("port %d/%s, not recognised", server.Port(), transport)
		}
		p.flows[fk] = f
	}
	if len(p.convs) >= maxStreams {
		p.evict()
	}
	c := p.newConv()
	c.flow, c.client, c.server, c.p = f, ch, sh, p
	c.unaddressed = [2]bool{unaddressed(client.Addr()), unaddressed(server.Addr())}
	c.parse = dissectorByPort(int(server.Port()), transport)
	c.key, c.clientLow = key, srcLow == (src == client)
	p.convs[key] = c
	return c, src == client
}

// portReason says why a flow on a well-known port is thought to speak its
// protocol: one string per port, shared by the flows.
func (p *passive) portReason(port uint16, transport ward.Transport, w wellKnown) string {
	k := makeListenKey(port, transport == "udp")
	r, ok := p.reasons[k]
	if !ok {
		r = fmt.Sprintf("port %d/%s is %s's", port, transport, w.name)
		if p.reasons == nil {
			p.reasons = map[listenKey]string{}
		}
		p.reasons[k] = r
	}
	return r
}

// serverSide says whether the packet's source looks like the server.
func serverSide(srcPort, dstPort uint16, proto uint8) bool {
	t := ward.Transport("tcp")
	if proto == 17 {
		t = "udp"
	}
	_, srcKnown := portProtocol(int(srcPort), t)
	_, dstKnown := portProtocol(int(dstPort), t)
	switch {
	case srcKnown && !dstKnown:
		return true
	case dstKnown && !srcKnown:
		return false
	}
	return srcPort < dstPort
}

// end forgets a TCP connection once reset or closed both ways.
func (p *passive) end(c *conv, reset bool) {
	c.ended++
	if reset || c.ended >= 2 {
		delete(p.convs, c.key)
		p.recycle(c)
	}
}

// Forgotten conversations are kept for reuse, so that a capture of many
// short connections does not allocate (and collect) one object and its
// buffers per connection. The pool and the buffers it keeps are bounded.
const (
	maxFreeConvs   = 256
	maxReusedBytes = 16 << 10
)

// newConv is a zeroed conversation, reused when one was forgotten.
func (p *passive) newConv() *conv {
	n := len(p.free)
	if n == 0 {
		return &conv{}
	}
	c := p.free[n-1]
	p.free[n-1] = nil
	p.free = p.free[:n-1]
	return c
}

// recycle keeps a forgotten conversation for newConv, zeroed but for the
// capacity of small buffers. Nothing may refer to c afterwards.
func (p *passive) recycle(c *conv) {
	if len(p.free) >= maxFreeConvs {
		return
	}
	var buf [2][]byte
	for i, b := range c.buf {
		if cap(b) <= maxReusedBytes {
			buf[i] = b[:0]
		}
	}
	*c = conv{buf: buf}
	p.free = append(p.free, c)
}

// evict forgets the least recently seen half of the streams followed.
func (p *passive) evict() {
	p.evictions++
	times := make([]time.Time, 0, len(p.convs))
	for _, c := range p.convs {
		times = append(times, c.last)
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	cut := times[len(times)/2]
	for k, c := range p.convs {
		if !c.last.After(cut) {
			delete(p.convs, k)
			p.recycle(c)
		}
	}
}

func (p *passive) warn(format string, a ...any) {
	p.malformed++
	if len(p.warnings) < maxWarnings {
		p.warnings = append(p.warnings, fmt.Sprintf("packet %d: ", p.curPacket)+fmt.Sprintf(format, a...))
	}
}

// result turns what was seen into hosts and flows.
func (p *passive) result() *Result {
	res := &Result{Seen: p.first, Stats: Stats{Records: p.packets, Skipped: p.skipped}}
	res.Warnings = p.warnings
	if p.malformed > int64(len(p.warnings)) {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%d malformed messages in all", p.malformed))
	}
	addrs := make([]netip.Addr, 0, len(p.hosts))
	for a := range p.hosts {
		addrs = append(addrs, a)
	}
	slices.SortFunc(addrs, func(a, b netip.Addr) int { return a.Compare(b) })
	for _, a := range addrs {
		hs := p.hosts[a]
		if !local(a) {
			continue
		}
		h := &Host{Seen: hs.last}
		h.addIP(a.String())
		h.note("addresses", 0, "seen on the wire")
		ev := evidence{roles: hs.roles}
		if hs.hasMAC && !hs.macShared && p.macIPs[hs.mac] <= 2 {
			mac := net.HardwareAddr(hs.mac[:])
			h.addMAC(mac.String())
			if v, ok := macs.ValidMACPrefixMap[[3]byte(hs.mac[:3])]; ok {
				h.Vendor, ev.macVendor = v, v
				h.note("vendor", 50, "maker of the network card, from the MAC address prefix (IEEE OUI registry)")
			}
		}
		keys := make([]listenKey, 0, len(hs.listens))
		for k := range hs.listens {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			proto := hs.listens[k].Protocol
			if proto == "other" {
				proto = ""
			}
			transport := ward.Transport("tcp")
			if k&1 != 0 {
				transport = "udp"
			}
			h.addPort(ward.Port{Port: int(k >> 1), Transport: transport, Protocol: proto})
		}
		if len(h.Ports) > 0 {
			h.note("ports", 0, "answered connections on the wire")
		}
		ev.ports = h.Ports
		names := make([]string, 0, len(hs.names))
		for n := range hs.names {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			if validName(n) {
				h.addHostname(n)
			}
		}
		if len(names) > 0 {
			h.Name = names[0]
			h.note("name", 40, hs.names[names[0]])
		}
		k, conf, why := inferKind(ev)
		h.Kind = k
		h.note("kind", conf, why)
		res.Hosts = append(res.Hosts, h)
	}
	for _, f := range p.flows {
		if f.Protocol == "other" && f.Packets < 3 {
			continue
		}
		slices.Sort(f.Data)
		res.Flows = append(res.Flows, f)
	}
	// Flows sort by client, server and port as text, field by field: the
	// order of "client server port" strings, without building one per
	// comparison (a long capture has tens of thousands of flows). The
	// transport breaks ties so the order does not depend on the map's.
	slices.SortFunc(res.Flows, func(a, b *Flow) int {
		if c := strings.Compare(a.Client, b.Client); c != 0 {
			return c
		}
		if c := strings.Compare(a.Server, b.Server); c != 0 {
			return c
		}
		if a.Port != b.Port {
			return a.Port - b.Port
		}
		return strings.Compare(string(a.Transport), string(b.Transport))
	})
	return res
}

// validName says whether a name seen on the wire (an SNI, a Host header)
// is a host name rather than an application title.
func validName(n string) bool {
	return strings.Contains(n, ".") && ward.ValidAddress(n) && !bytes.ContainsAny([]byte(n), ":/")
}

// local says whether an address belongs to the hospital's own networks:
// private, loopback or link-local. Others are the Internet's.
func local(a netip.Addr) bool {
	return a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast()
}

// conv is one TCP connection or UDP exchange being dissected.
type conv struct {
	key convKey
	// clientLow says the client is the key's lower endpoint.
	clientLow bool
	// unaddressed says, client then server, whether the side is a
	// multicast, broadcast or unspecified address.
	unaddressed    [2]bool
	flow           *Flow
	client, server *hostState
	parse          dissector
	identified     bool
	buf            [2][]byte
	skip           [2]int
	inspected      [2]int
	next           [2]uint32
	seqKnown       [2]bool
	done           bool
	ended          int
	last           time.Time
	p              *passive
}

// A dissector reads the messages at the start of b, one direction of a
// stream, and says how many bytes it used and how many more after b to
// skip (a large body it does not read). errShort asks for more bytes; any
// other error means b is not what the dissector reads.
type dissector func(c *conv, fromClient bool, b []byte) (n, skip int, err error)

func (c *conv) packet(ts time.Time, size int) {
	c.last = ts
	f := c.flow
	f.Packets++
	f.Bytes += int64(size)
	if ts.After(f.Last) {
		f.Last = ts
	}
}

// identify records the protocol the content shows.
func (c *conv) identify(p ward.Protocol, confidence int, reason string) {
	if c.identified {
		return
	}
	c.identified = true
	f := c.flow
	if confidence >= f.Confidence {
		f.Protocol, f.Confidence, f.Reason = p, confidence, reason
	}
}

// feed hands the dissector the bytes of one direction. restart says the
// bytes do not follow those before (a gap, or a datagram).
func (c *conv) feed(p *passive, fromClient bool, b []byte, restart bool) {
	dir := 0
	if !fromClient {
		dir = 1
	}
	if restart {
		c.buf[dir], c.skip[dir] = c.buf[dir][:0], 0
	}
	if s := c.skip[dir]; s > 0 {
		if s >= len(b) {
			c.skip[dir] -= len(b)
			return
		}
		b, c.skip[dir] = b[s:], 0
	}
	// A conversation whose flow has all the details it keeps is only
	// counted from then on: its messages would add nothing.
	if c.inspected[dir] > maxInspect || c.identified && len(c.flow.Details) >= maxDetails {
		c.done = true
		c.buf = [2][]byte{}
		return
	}
	c.inspected[dir] += len(b)
	if c.parse == nil {
		c.parse = sniff(b, fromClient, c.flow.Transport)
		if c.parse == nil {
			if !fromClient || c.inspected[0] > 4096 {
				c.done = true
			}
			return
		}
	}
	data := b
	if len(c.buf[dir]) > 0 {
		c.buf[dir] = append(c.buf[dir], b...)
		data = c.buf[dir]
	}
	for len(data) > 0 && !c.done {
		n, skip, err := c.parse(c, fromClient, data)
		if err == errShort {
			break
		}
		if err != nil {
			c.p.warn("%s %s -> %s: %v", c.flow.Protocol, c.flow.Client, c.flow.Server, err)
			data = nil
			break
		}
		if n <= 0 || n > len(data) {
			data = nil
			break
		}
		data = data[n:]
		if skip > 0 {
			if skip >= len(data) {
				c.skip[dir] = skip - len(data)
				data = nil
				break
			}
			data = data[skip:]
		}
	}
	switch {
	case len(data) == 0:
		c.buf[dir] = c.buf[dir][:0]
	case len(data) > maxBuffer:
		c.buf[dir] = c.buf[dir][:0]
	default:
		c.buf[dir] = append(c.buf[dir][:0], data...)
	}
}

// sniff picks a dissector by the first bytes of a stream.
func sniff(b []byte, fromClient bool, transport ward.Transport) dissector {
	if transport == "udp" {
		if len(b) >= 4 && b[0] == 0x81 {
			return dissectBACnet
		}
		return nil
	}
	switch {
	case len(b) >= 3 && b[0] == 0x16 && b[1] == 0x03 && b[2] <= 0x04:
		return dissectTLS
	case len(b) >= 1 && b[0] == mllpStart:
		return dissectHL7
	case len(b) >= 10 && b[0] == 0x01 && b[1] == 0 && b[6] == 0 && b[7] == 1:
		return dissectDICOM
	case looksHTTP(b):
		return dissectHTTP
	case len(b) >= 8 && b[0] == 0x10 && (bytes.Contains(b[:min(len(b), 16)], []byte("MQTT")) || bytes.Contains(b[:min(len(b), 16)], []byte("MQIsdp"))):
		return dissectMQTT
	case len(b) >= 8 && b[0] == 0 && (bytes.Equal(b[5:8], []byte("SMB")) && (b[4] == 0xff || b[4] == 0xfe || b[4] == 0xfd)):
		return dissectSMB
	case len(b) >= 7 && b[0] == 3 && b[1] == 0 && b[5] == 0xe0:
		return dissectRDP
	}
	return nil
}

// dissectorByPort is the dissector of a well-known server port whose
// messages do not announce themselves (Modbus), or nil to sniff.
func dissectorByPort(port int, transport ward.Transport) dissector {
	switch {
	case port == 502 && transport == "tcp":
		return dissectModbus
	case port == 47808 && transport == "udp":
		return dissectBACnet
	}
	return nil
}
