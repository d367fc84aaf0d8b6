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
//
// Reading runs in a goroutine of its own, a few batches of packets ahead
// of the decoders and dissectors, so that a long capture uses two cores.
func ReadPcap(name string, r io.Reader, size int64, progress Progress) (*Result, error) {
	cr := newCounter(r, size, progress)
	src, linkType, err := openCapture(bufio.NewReaderSize(cr, 1<<20))
	if err != nil {
		return nil, &PositionError{File: name, Err: err}
	}
	full, free := make(chan *batch, batchesInFlight), make(chan *batch, batchesInFlight)
	for range batchesInFlight {
		free <- &batch{}
	}
	done, stopped := make(chan struct{}), make(chan struct{})
	defer func() {
		close(done)
		<-stopped
	}()
	go func() {
		defer close(stopped)
		defer close(full)
		readPackets(src, linkType, full, free, done)
	}()
	p := newPassive()
	var d decoder
	var w wire
	for b := range full {
		for _, f := range b.frames {
			w = wire{}
			payload := d.decode(&w, f.link, b.data[f.off:f.off+f.n], f.ts)
			p.packet(&w, payload)
		}
		if b.err != nil {
			err := b.err
			if errors.Is(err, io.ErrUnexpectedEOF) {
				err = errors.New("the file ends inside the packet: the capture is truncated")
			}
			return nil, &PositionError{File: name, Where: fmt.Sprintf("packet %d", p.packets+1), Err: err}
		}
		free <- b
	}
	res := p.result()
	res.Source, res.File = "pcap", name
	res.Stats.Bytes = cr.n
	return res, nil
}

// The reader may be batchesInFlight batches ahead of the dissectors; a
// batch holds up to batchPackets packets or about batchBytes of them.
const (
	batchesInFlight = 8
	batchBytes      = 256 << 10
	batchPackets    = 4096
)

// A batch is packets read, handed from the reader to the dissectors:
// where each lies in one buffer, and the error that ended the capture,
// if any (after the packets).
type batch struct {
	frames []frame
	data   []byte
	err    error
}

// frame is a packet of a batch: when it was captured (Unix nanoseconds),
// on which link type, and where its bytes lie in the batch's data.
type frame struct {
	ts   int64
	off  int32
	n    int32
	link layers.LinkType
}

// readPackets reads a capture into batches until its end, an error, or
// done.
func readPackets(src packetSource, linkType func(gopacket.CaptureInfo) layers.LinkType, full, free chan *batch, done chan struct{}) {
	var b *batch
	for {
		if b == nil {
			select {
			case b = <-free:
			case <-done:
				return
			}
			b.frames, b.data, b.err = b.frames[:0], b.data[:0], nil
		}
		data, ci, err := src.ZeroCopyReadPacketData()
		if err != nil {
			if err != io.EOF {
				b.err = err
			}
			select {
			case full <- b:
			case <-done:
			}
			return
		}
		b.frames = append(b.frames, frame{ts: ci.Timestamp.UnixNano(), off: int32(len(b.data)), n: int32(len(data)), link: linkType(ci)})
		b.data = append(b.data, data...)
		if len(b.data) >= batchBytes || len(b.frames) >= batchPackets {
			select {
			case full <- b:
				b = nil
			case <-done:
				return
			}
		}
	}
}

// What a packet is, to passive discovery.
const (
	wireSkipped = iota // not a packet it reads
	wireIP             // IP, neither TCP nor UDP
	wireTCP
	wireUDP
	wireARP
)

// TCP flags in wire.flags.
const (
	flagSYN = 1 << iota
	flagACK
	flagFIN
	flagRST
)

// wire is what passive discovery reads of one packet: addresses, ports
// and TCP state.
type wire struct {
	ts           int64 // Unix nanoseconds
	src, dst     ip16
	seq          uint32
	size         int32
	sport, dport uint16
	kind, flags  uint8
	hasMAC       bool
	mac          [6]byte
}

// decoder decodes packets with a gopacket DecodingLayerParser, set up
// again when the link type changes.
type decoder struct {
	parser     *gopacket.DecodingLayerParser
	parserLink layers.LinkType
	eth        layers.Ethernet
	sll        layers.LinuxSLL
	loop       layers.Loopback
	dot1q      layers.Dot1Q
	ip4        layers.IPv4
	ip6        layers.IPv6
	tcp        layers.TCP
	udp        layers.UDP
	arp        layers.ARP
	payload    gopacket.Payload
	decoded    []gopacket.LayerType
}

// decoderFor sets the parser up for a link type, built once per link
// type.
func (d *decoder) decoderFor(lt layers.LinkType) bool {
	if d.parser != nil && d.parserLink == lt {
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
	d.parser = gopacket.NewDecodingLayerParser(first)
	// The sparse container finds a layer's decoder by indexing a slice
	// with its type, where the default one looks it up in a map.
	var layers gopacket.DecodingLayerContainer = gopacket.DecodingLayerSparse(nil)
	for _, l := range []gopacket.DecodingLayer{&d.eth, &d.sll, &d.loop, &d.dot1q, &d.ip4, &d.ip6, &d.tcp, &d.udp, &d.arp, &d.payload} {
		layers = layers.Put(l)
	}
	d.parser.SetDecodingLayerContainer(layers)
	d.parser.IgnoreUnsupported = true
	d.parserLink = lt
	return true
}

// decode reads a packet into a zeroed summary of it, and returns its
// transport payload, a part of data.
func (d *decoder) decode(w *wire, lt layers.LinkType, data []byte, ts int64) (payload []byte) {
	w.ts, w.size = ts, int32(len(data))
	if (lt == layers.LinkTypeRaw || lt == layers.LinkTypeIPv4) && len(data) > 0 && data[0]>>4 == 6 {
		lt = layers.LinkTypeIPv6
	}
	if !d.decoderFor(lt) {
		return nil
	}
	hasIP := false
	if err := d.parser.DecodeLayers(data, &d.decoded); err != nil && len(d.decoded) == 0 {
		return nil
	}
	for _, t := range d.decoded {
		switch t {
		case layers.LayerTypeEthernet:
			if len(d.eth.SrcMAC) == 6 {
				w.mac = [6]byte(d.eth.SrcMAC)
				w.hasMAC = w.mac != [6]byte{} && w.mac[0]&1 == 0
			}
		case layers.LayerTypeIPv4:
			if len(d.ip4.SrcIP) == 4 && len(d.ip4.DstIP) == 4 {
				w.src, w.dst, hasIP = mapped4(d.ip4.SrcIP), mapped4(d.ip4.DstIP), true
			}
		case layers.LayerTypeIPv6:
			if len(d.ip6.SrcIP) == 16 && len(d.ip6.DstIP) == 16 {
				w.src, w.dst, hasIP = ip16(d.ip6.SrcIP), ip16(d.ip6.DstIP), true
			}
		case layers.LayerTypeTCP:
			t := &d.tcp
			w.kind, w.sport, w.dport, w.seq = wireTCP, uint16(t.SrcPort), uint16(t.DstPort), t.Seq
			if t.SYN {
				w.flags |= flagSYN
			}
			if t.ACK {
				w.flags |= flagACK
			}
			if t.FIN {
				w.flags |= flagFIN
			}
			if t.RST {
				w.flags |= flagRST
			}
			payload = t.Payload
		case layers.LayerTypeUDP:
			w.kind, w.sport, w.dport = wireUDP, uint16(d.udp.SrcPort), uint16(d.udp.DstPort)
			payload = d.udp.Payload
		case layers.LayerTypeARP:
			// An ARP packet ties its sender's IP to its MAC address.
			a := &d.arp
			if a.Protocol != layers.EthernetTypeIPv4 || len(a.SourceProtAddress) != 4 || len(a.SourceHwAddress) != 6 {
				return nil
			}
			if [4]byte(a.SourceProtAddress) == [4]byte{} {
				return nil
			}
			w.kind, w.src, w.mac = wireARP, mapped4(a.SourceProtAddress), [6]byte(a.SourceHwAddress)
			return nil
		}
	}
	if !hasIP {
		w.kind = wireSkipped
		return nil
	}
	if w.kind == wireSkipped {
		w.kind = wireIP
	}
	return payload
}

// passive is the state of one capture's discovery.
type passive struct {
	packets, skipped int64
	first, last      time.Time
	hosts            map[netip.Addr]*hostState
	macIPs           map[[6]byte]int
	flows            map[flowKey]*flowState
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

// flowState is a flow with the hosts at its ends, so that a new
// connection in a known flow finds them without looking them up.
type flowState struct {
	Flow
	client, server *hostState
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
func makeConvKey(src, dst ip16, sport, dport uint16, proto uint8) (convKey, bool) {
	// The addresses compare as two big-endian words each: the order of
	// bytes.Compare without its call.
	s0, s1 := binary.BigEndian.Uint64(src[:8]), binary.BigEndian.Uint64(src[8:])
	d0, d1 := binary.BigEndian.Uint64(dst[:8]), binary.BigEndian.Uint64(dst[8:])
	if s0 < d0 || s0 == d0 && (s1 < d1 || s1 == d1 && sport <= dport) {
		return convKey{src, dst, sport, dport, uint16(proto)}, true
	}
	return convKey{dst, src, dport, sport, uint16(proto)}, false
}

// ip16 is an IP address in its 16-byte form, IPv4 as IPv4-mapped IPv6:
// what the per-packet path compares and hashes. netip.Addr is made of it
// only for a new conversation.
type ip16 = [16]byte

// addrOf is the address an ip16 holds, IPv4 unmapped.
func addrOf(a ip16) netip.Addr { return netip.AddrFrom16(a).Unmap() }

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
		flows:  map[flowKey]*flowState{},
		convs:  map[convKey]*conv{},
	}
}

// mapped4 is an IPv4 address of 4 bytes in its 16-byte form.
func mapped4(b []byte) ip16 {
	return ip16{10: 0xff, 11: 0xff, 12: b[0], 13: b[1], 14: b[2], 15: b[3]}
}

// packet handles one packet.
func (p *passive) packet(w *wire, payload []byte) {
	p.packets++
	p.curPacket = p.packets
	ts := time.Unix(0, w.ts)
	if p.first.IsZero() || ts.Before(p.first) {
		p.first = ts
	}
	if ts.After(p.last) {
		p.last = ts
	}
	p.hasMAC, p.srcMAC = w.hasMAC, w.mac
	switch w.kind {
	case wireSkipped:
		p.skipped++
	case wireARP:
		p.seeMAC(p.host(addrOf(w.src), ts), w.mac)
	case wireTCP:
		p.tcpPacket(w, ts, payload)
	case wireUDP:
		p.udpPacket(w, ts, payload)
	default:
		sh := p.host(addrOf(w.src), ts)
		if p.hasMAC {
			p.seeMAC(sh, p.srcMAC)
		}
		if dst := addrOf(w.dst); !unaddressed(dst) {
			p.host(dst, ts)
		}
	}
}

// unaddressed says whether a destination names no one host: multicast,
// broadcast or unspecified.
func unaddressed(a netip.Addr) bool {
	return a.IsMulticast() || a == netip.IPv4Unspecified() || isBroadcast(a)
}

// touch records that a conversation's packet was seen. What it tells of
// the hosts and the flow (last seen, MAC address, counts) is kept in the
// conversation and handed on when it is forgotten (flush): most packets
// then touch no memory but their conversation's.
func (p *passive) touch(c *conv, fromClient bool, ts time.Time, size int) {
	side := 0
	if !fromClient {
		side = 1
	}
	c.last, c.sent[side] = ts, ts
	c.packets++
	c.bytes += int64(size)
	if p.hasMAC && (!c.macKnown[side] || c.mac[side] != p.srcMAC) {
		h := c.client
		if side == 1 {
			h = c.server
		}
		p.seeMAC(h, p.srcMAC)
		c.mac[side], c.macKnown[side] = p.srcMAC, true
	}
}

// flush hands what a conversation saw on to its flow and hosts.
func (c *conv) flush() {
	f := c.flow
	f.Packets += c.packets
	f.Bytes += c.bytes
	if c.last.After(f.Last) {
		f.Last = c.last
	}
	c.packets, c.bytes = 0, 0
	for side, h := range [2]*hostState{c.client, c.server} {
		last := c.sent[side]
		if !c.unaddressed[side] {
			// An addressed host was seen whenever it was sent to.
			last = c.last
		}
		if last.After(h.last) {
			h.last = last
		}
	}
}

// listen records, once a conversation, that its server answered on the
// flow's port.
func (c *conv) listen(udp bool) {
	if !c.listened {
		c.server.listen(makeListenKey(uint16(c.flow.Port), udp), c.flow)
		c.listened = true
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

func (p *passive) tcpPacket(w *wire, ts time.Time, payload []byte) {
	syn, ack := w.flags&flagSYN != 0, w.flags&flagACK != 0
	c, fromClient := p.conv(w.src, w.dst, w.sport, w.dport, 6, syn && !ack, ts)
	p.touch(c, fromClient, ts, int(w.size))
	dir := 0
	if !fromClient {
		dir = 1
	}
	if syn {
		c.next[dir], c.seqKnown[dir] = w.seq+1, true
		if ack && !fromClient {
			c.listen(false)
		}
		return
	}
	if w.flags&(flagRST|flagFIN) != 0 {
		defer p.end(c, w.flags&flagRST != 0)
	}
	if len(payload) == 0 || c.done {
		return
	}
	if !fromClient {
		c.listen(false)
	}
	seq := w.seq
	if c.seqKnown[dir] && seq != c.next[dir] {
		if int32(seq-c.next[dir]) < 0 {
			// A retransmission of what was read already.
			if end := seq + uint32(len(payload)); int32(end-c.next[dir]) <= 0 {
				return
			}
			cut := c.next[dir] - seq
			c.next[dir] += uint32(len(payload)) - cut
			c.feed(p, fromClient, payload[cut:], false)
			return
		}
		// Lost or unseen data: parsing restarts at this segment.
		c.next[dir] = seq + uint32(len(payload))
		c.feed(p, fromClient, payload, true)
		return
	}
	c.next[dir], c.seqKnown[dir] = seq+uint32(len(payload)), true
	c.feed(p, fromClient, payload, false)
}

func (p *passive) udpPacket(w *wire, ts time.Time, payload []byte) {
	c, fromClient := p.conv(w.src, w.dst, w.sport, w.dport, 17, false, ts)
	p.touch(c, fromClient, ts, int(w.size))
	if !fromClient {
		c.listen(true)
	}
	if len(payload) > 0 && !c.done {
		// Each datagram is a message of its own.
		c.feed(p, fromClient, payload, true)
	}
}

// conv finds or starts the conversation of a packet and says whether the
// packet comes from its client. The client is the side that sent the SYN;
// failing that, the side whose port is not a known server port, or the
// higher port.
func (p *passive) conv(src, dst ip16, sport, dport uint16, proto uint8, syn bool, ts time.Time) (*conv, bool) {
	key, srcLow := makeConvKey(src, dst, sport, dport, proto)
	if c, ok := p.convs[key]; ok {
		return c, srcLow == c.clientLow
	}
	srcA, dstA := addrOf(src), addrOf(dst)
	fromClient := true
	if !syn && serverSide(sport, dport, proto) {
		fromClient = false
	}
	if dstA.IsMulticast() || isBroadcast(dstA) {
		fromClient = true
	}
	client, server, port := src, dst, dport
	clientA, serverA := srcA, dstA
	if !fromClient {
		client, server, port = dst, src, sport
		clientA, serverA = dstA, srcA
	}
	transport := ward.Transport("tcp")
	if proto == 17 {
		transport = "udp"
	}
	fk := flowKey{client, server, port, uint16(proto & 1)}
	fs := p.flows[fk]
	if fs == nil {
		ch, sh := p.host(clientA, ts), p.host(serverA, ts)
		fs = &flowState{client: ch, server: sh}
		f := &fs.Flow
		f.Client, f.Server, f.Transport, f.Port, f.First = ch.text(), sh.text(), transport, int(port), ts
		if w, ok := portProtocol(int(port), transport); ok {
			f.Protocol, f.Encrypted = w.protocol, w.tls && encryptedByDefault(w.protocol)
			f.Confidence, f.Reason = 50, p.portReason(port, transport, w)
		} else {
			f.Protocol, f.Confidence, f.Reason = "other", 20, fmt.Sprintf("port %d/%s, not recognised", port, transport)
		}
		p.flows[fk] = fs
	}
	if len(p.convs) >= maxStreams {
		p.evict()
	}
	c := p.newConv()
	c.flow, c.client, c.server, c.p = &fs.Flow, fs.client, fs.server, p
	c.unaddressed = [2]bool{unaddressed(clientA), unaddressed(serverA)}
	c.parse = dissectorByPort(int(port), transport)
	c.key, c.clientLow = key, srcLow == fromClient
	p.convs[key] = c
	return c, fromClient
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
		p.forget(c)
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

// forget stops following a conversation, its findings handed on.
func (p *passive) forget(c *conv) {
	c.flush()
	delete(p.convs, c.key)
	p.recycle(c)
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
	for _, c := range p.convs {
		if !c.last.After(cut) {
			p.forget(c)
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
	for _, c := range p.convs {
		c.flush()
	}
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
		for _, n := range names {
			h.Identities = append(h.Identities, Identity{Name: n, Seen: hs.names[n]})
		}
		ev.names = h.Identities
		if len(names) > 0 {
			h.Name = names[0]
			h.note("name", 40, hs.names[names[0]])
		}
		k, conf, why := inferKind(ev)
		h.Kind = k
		h.note("kind", conf, why)
		res.Hosts = append(res.Hosts, h)
	}
	kept := make([]*flowState, 0, len(p.flows))
	for _, fs := range p.flows {
		if fs.Protocol == "other" && fs.Packets < 3 {
			continue
		}
		slices.Sort(fs.Data)
		kept = append(kept, fs)
	}
	// Flows sort by client, server, port and transport, addresses in their
	// numeric order as hosts are: the order does not depend on the map's.
	slices.SortFunc(kept, func(a, b *flowState) int {
		if c := a.client.addr.Compare(b.client.addr); c != 0 {
			return c
		}
		if c := a.server.addr.Compare(b.server.addr); c != 0 {
			return c
		}
		if a.Port != b.Port {
			return a.Port - b.Port
		}
		return strings.Compare(string(a.Transport), string(b.Transport))
	})
	res.Flows = make([]*Flow, len(kept))
	for i, fs := range kept {
		res.Flows[i] = &fs.Flow
	}
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
	p              *passive
	// What the conversation saw since it last flushed: its packets and
	// bytes, when it last saw a packet, and from each side (client,
	// server) when and with which MAC address it last sent one.
	packets, bytes int64
	last           time.Time
	sent           [2]time.Time
	mac            [2][6]byte
	macKnown       [2]bool
	listened       bool
}

// A dissector reads the messages at the start of b, one direction of a
// stream, and says how many bytes it used and how many more after b to
// skip (a large body it does not read). errShort asks for more bytes; any
// other error means b is not what the dissector reads.
type dissector func(c *conv, fromClient bool, b []byte) (n, skip int, err error)

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
