package discover

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/wardhealth/ward"
)

// The parts of Nmap's XML output (nmap.dtd) that discovery reads.
type nmapHost struct {
	// Numbers are read as text and checked here, so that a bad one is
	// reported in words.
	EndTime   string `xml:"endtime,attr"`
	StartTime string `xml:"starttime,attr"`
	Status    struct {
		State string `xml:"state,attr"`
	} `xml:"status"`
	Addresses []struct {
		Addr   string `xml:"addr,attr"`
		Type   string `xml:"addrtype,attr"`
		Vendor string `xml:"vendor,attr"`
	} `xml:"address"`
	Hostnames []struct {
		Name string `xml:"name,attr"`
	} `xml:"hostnames>hostname"`
	Ports []struct {
		Protocol string `xml:"protocol,attr"`
		PortID   string `xml:"portid,attr"`
		State    struct {
			State string `xml:"state,attr"`
		} `xml:"state"`
		Service struct {
			Name       string   `xml:"name,attr"`
			Product    string   `xml:"product,attr"`
			Version    string   `xml:"version,attr"`
			ExtraInfo  string   `xml:"extrainfo,attr"`
			OSType     string   `xml:"ostype,attr"`
			DeviceType string   `xml:"devicetype,attr"`
			Tunnel     string   `xml:"tunnel,attr"`
			Method     string   `xml:"method,attr"`
			CPEs       []string `xml:"cpe"`
		} `xml:"service"`
		Scripts []struct {
			ID     string `xml:"id,attr"`
			Output string `xml:"output,attr"`
		} `xml:"script"`
	} `xml:"ports>port"`
	OSMatches []struct {
		Name     string `xml:"name,attr"`
		Accuracy string `xml:"accuracy,attr"`
		Classes  []struct {
			Type   string   `xml:"type,attr"`
			Vendor string   `xml:"vendor,attr"`
			Family string   `xml:"osfamily,attr"`
			Gen    string   `xml:"osgen,attr"`
			CPEs   []string `xml:"cpe"`
		} `xml:"osclass"`
	} `xml:"os>osmatch"`
}

// ReadNmap reads Nmap's XML output (-oX) one host at a time, so a scan of a
// whole hospital network reads in little memory, and turns each host that
// was up into a Host: addresses, MAC vendor, the best OS guess, open ports
// with their service and version, CPEs as components, and a guessed kind.
// A file that ends before </nmaprun> (a scan still running or killed) is an
// error naming the line where it stops.
func ReadNmap(name string, r io.Reader, size int64, progress Progress) (*Result, error) {
	cr := newCounter(r, size, progress)
	d := xml.NewDecoder(cr)
	res := &Result{Source: "nmap", File: name}
	fail := func(err error) (*Result, error) {
		line, col := d.InputPos()
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			err = errors.New(se.Msg)
			if se.Msg == "unexpected EOF" {
				err = io.ErrUnexpectedEOF
			}
			line = se.Line
			col = 0
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			err = errors.New("the file ends early: a scan still running or cut short (no </nmaprun>)")
		}
		where := strconv.Itoa(line)
		if col > 0 {
			where += ":" + strconv.Itoa(col)
		}
		return nil, &PositionError{File: name, Where: where, Err: err}
	}
	sawRoot, closed := false, false
	for {
		line, col := d.InputPos() // where the token starts: whitespace is a token too
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case !sawRoot:
				if t.Name.Local != "nmaprun" {
					return fail(fmt.Errorf("not an Nmap XML file: the document is <%s>, not <nmaprun>", t.Name.Local))
				}
				sawRoot = true
				for _, a := range t.Attr {
					if a.Name.Local == "start" {
						if s, err := strconv.ParseInt(a.Value, 10, 64); err == nil {
							res.Seen = time.Unix(s, 0).UTC()
						}
					}
				}
			case t.Name.Local == "host":
				var nh nmapHost
				if err := d.DecodeElement(&nh, &t); err != nil {
					return fail(err)
				}
				res.Stats.Records++
				h, err := nmapToHost(&nh, res.Seen)
				if err != nil {
					return nil, &PositionError{File: name, Where: fmt.Sprintf("%d:%d", line, col), Err: err}
				}
				if h != nil {
					h.Where = name + ":" + strconv.Itoa(line)
					res.Hosts = append(res.Hosts, h)
				} else {
					res.Stats.Skipped++
				}
			}
		case xml.EndElement:
			if t.Name.Local == "nmaprun" {
				closed = true
			}
		}
	}
	res.Stats.Bytes = cr.n
	if !sawRoot {
		return fail(errors.New("not an Nmap XML file: no <nmaprun> element"))
	}
	if !closed {
		return fail(io.ErrUnexpectedEOF)
	}
	return res, nil
}

// nmapToHost turns a scanned host into a Host; nil when it was down or
// showed no address. A value Nmap would not write (a port past 65535, an
// address that is none) is an error: dropping it would change what is
// inferred of the host.
func nmapToHost(nh *nmapHost, scanStart time.Time) (*Host, error) {
	if nh.Status.State != "" && nh.Status.State != "up" {
		return nil, nil
	}
	number := func(field, s string) (int64, error) {
		if s == "" {
			return 0, nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("host: %s: %q is not a whole number", field, s)
		}
		return n, nil
	}
	if _, err := number("starttime", nh.StartTime); err != nil {
		return nil, err
	}
	end, err := number("endtime", nh.EndTime)
	if err != nil {
		return nil, err
	}
	accuracy := make([]int64, len(nh.OSMatches))
	for i, om := range nh.OSMatches {
		if accuracy[i], err = number(fmt.Sprintf("os.osmatch[%d].accuracy", i), om.Accuracy); err != nil {
			return nil, err
		}
	}
	ports := make([]int, len(nh.Ports))
	for i, p := range nh.Ports {
		n, err := strconv.Atoi(p.PortID)
		switch {
		case err != nil:
			return nil, fmt.Errorf("host: ports.port[%d].portid: port %q is not a number (ports run from 1 to 65535)", i, p.PortID)
		case n < 1 || n > 65535:
			return nil, fmt.Errorf("host: ports.port[%d].portid: port %d out of range (ports run from 1 to 65535)", i, n)
		}
		ports[i] = n
	}
	h := &Host{}
	if end > 0 {
		h.Seen = time.Unix(end, 0).UTC()
	} else if !scanStart.IsZero() {
		h.Seen = scanStart
	}
	ev := evidence{}
	for i, a := range nh.Addresses {
		switch a.Type {
		case "ipv4", "ipv6":
			ip, err := netip.ParseAddr(a.Addr)
			if err != nil || ip.Is4() != (a.Type == "ipv4") {
				return nil, fmt.Errorf("host: address[%d]: invalid %s address %q", i, a.Type, a.Addr)
			}
			h.addIP(a.Addr)
		case "mac":
			if m, err := net.ParseMAC(a.Addr); err != nil || len(m) != 6 {
				return nil, fmt.Errorf("host: address[%d]: invalid mac address %q", i, a.Addr)
			}
			h.addMAC(a.Addr)
			if a.Vendor != "" {
				h.Vendor, ev.macVendor = a.Vendor, a.Vendor
				h.note("vendor", 50, "maker of the network card, from the MAC address prefix")
			}
		}
	}
	if len(h.IPs) == 0 && len(h.MACs) == 0 {
		return nil, nil
	}
	h.note("addresses", 0, "answered the scan")
	for _, hn := range nh.Hostnames {
		h.addHostname(hn.Name)
	}
	if len(h.Hostnames) > 0 {
		h.Name = h.Hostnames[0]
		h.note("name", 0, "host name from DNS")
	}
	for i, p := range nh.Ports {
		if p.State.State != "open" {
			continue
		}
		s := p.Service
		port := ward.Port{Port: ports[i], Transport: ward.Transport(p.Protocol), Product: s.Product, Version: s.Version}
		if port.Transport != "tcp" && port.Transport != "udp" && port.Transport != "sctp" {
			continue
		}
		// Nmap's service name (probed, or from its port table) first, then
		// the ports medical and building protocols use that Nmap's table
		// does not name.
		if proto, ok := serviceProtocol(s.Name, s.Tunnel); ok {
			port.Protocol = proto
		} else if w, ok := portProtocol(port.Port, port.Transport); ok {
			port.Protocol = w.protocol
		}
		for _, sc := range p.Scripts {
			out := strings.ToLower(sc.Output)
			switch {
			case sc.ID == "dicom-ping" && strings.Contains(out, "dicom"):
				port.Protocol = "dicom"
			case (sc.ID == "http-title" || sc.ID == "http-server-header") && strings.Contains(out, "fhir"):
				if port.Product == "" {
					port.Product = strings.TrimSpace(sc.Output)
				}
			case sc.ID == "http-server-header" && port.Product == "":
				port.Product = strings.TrimSpace(sc.Output)
			case sc.ID == "fingerprint-strings" && (s.Name == "unknown" || s.Name == ""):
				// A service Nmap could not name: its answers may still
				// show HTTP (a FHIR server behind an unusual banner).
				fingerprintBanner(&port, sc.Output)
			}
		}
		h.addPort(port)
		if s.DeviceType != "" && ev.deviceType == "" {
			ev.deviceType = s.DeviceType
		}
		for _, c := range s.CPEs {
			if c23 := cpe23(c); c23 != "" {
				h.addComponent(ward.Component{Name: componentName(s.Product, c), Version: s.Version, CPE: c23})
			}
		}
	}
	if len(h.Ports) > 0 {
		h.note("ports", 0, "open ports found by the scan, with Nmap's service detection")
	}
	// The best OS guess, if Nmap is reasonably sure of it.
	if len(nh.OSMatches) > 0 && accuracy[0] >= 85 {
		om := nh.OSMatches[0]
		ev.os = om.Name
		if len(om.Classes) > 0 {
			c := om.Classes[0]
			ev.osType = c.Type
			for _, u := range c.CPEs {
				if c23 := cpe23(u); c23 != "" {
					h.addComponent(ward.Component{Name: om.Name, CPE: c23})
					break
				}
			}
		}
		h.note("components", int(accuracy[0]), fmt.Sprintf("operating system %s (Nmap's guess, %d%% accurate)", om.Name, accuracy[0]))
	}
	if len(h.Components) > 0 && h.Notes["components"].Reason == "" {
		h.note("components", 0, "software named by Nmap's service detection")
	}
	ev.ports = h.Ports
	for _, n := range h.Hostnames {
		h.Identities = append(h.Identities, Identity{Name: n, Seen: "host name from DNS"})
	}
	ev.names = h.Identities
	k, conf, why := inferKind(ev)
	h.Kind = k
	h.note("kind", conf, why)
	h.describe(ev.os)
	return h, nil
}

// fingerprintBanner reads the answers Nmap lists for a service it could not
// name: an HTTP status line makes it HTTP, a Server header its product.
func fingerprintBanner(p *ward.Port, out string) {
	if !strings.Contains(out, "HTTP/1.") {
		return
	}
	p.Protocol = "http"
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "Server:"); ok && p.Product == "" {
			p.Product = strings.TrimSpace(v)
		}
	}
	if p.Product == "" && strings.Contains(strings.ToLower(out), "fhir") {
		p.Product = "FHIR server"
	}
}

// describe gives a one-line description a reviewer can act on.
func (h *Host) describe(os string) {
	var parts []string
	if os != "" {
		parts = append(parts, os)
	}
	if len(h.Ports) > 0 {
		var ps []string
		for _, p := range h.Ports {
			s := fmt.Sprintf("%d/%s", p.Port, p.Transport)
			if p.Protocol != "" {
				s += " " + string(p.Protocol)
			}
			ps = append(ps, s)
		}
		parts = append(parts, "open: "+strings.Join(ps, ", "))
	}
	if len(parts) > 0 {
		h.Description = strings.Join(parts, "; ")
		h.note("description", 0, "summary of what the scan found")
	}
}

func (h *Host) addComponent(c ward.Component) {
	for _, o := range h.Components {
		if o.CPE == c.CPE {
			return
		}
	}
	h.Components = append(h.Components, c)
}

// componentName names a component by the product Nmap reports, else by the
// product part of its CPE.
func componentName(product, uri string) string {
	if product != "" {
		return product
	}
	parts := strings.Split(strings.TrimPrefix(uri, "cpe:/"), ":")
	if len(parts) >= 3 {
		return parts[2]
	}
	return uri
}
