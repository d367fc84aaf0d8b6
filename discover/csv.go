package discover

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/wardhealth/ward"
)

// Fields a CSV column can map to, and the header names asset-management
// (CMMS) exports commonly give them, compared in lower case with spaces,
// dashes and underscores removed.
var csvFields = map[string][]string{
	"id":             {"id", "assetid", "assettag", "assetnumber", "asset", "tag", "equipmentid", "equipmentnumber", "controlnumber", "inventorynumber", "deviceid"},
	"name":           {"name", "assetname", "devicename", "equipmentname", "displayname"},
	"kind":           {"kind", "type", "devicetype", "assettype", "equipmenttype", "category", "devicecategory", "class", "equipmentclass", "modality"},
	"vendor":         {"vendor", "manufacturer", "make", "mfr", "brand", "supplier"},
	"product":        {"product", "model", "modelname", "modelnumber", "devicemodel"},
	"version":        {"version", "softwareversion", "firmware", "firmwareversion", "swversion", "osversion"},
	"serial":         {"serial", "serialnumber", "serialno", "sn", "sernum"},
	"ip":             {"ip", "ipaddress", "ipv4", "ipv4address", "ipv6", "address", "addresses"},
	"mac":            {"mac", "macaddress", "hwaddress", "hardwareaddress"},
	"hostname":       {"hostname", "host", "dnsname", "fqdn", "networkname"},
	"zone":           {"zone", "networkzone", "vlan", "segment", "network"},
	"owner":          {"owner", "department", "costcentre", "costcenter", "responsible", "custodian"},
	"location":       {"location", "room", "site", "building", "ward"},
	"end_of_support": {"endofsupport", "eos", "endoflife", "eol", "supportend", "supportenddate"},
	"cpe":            {"cpe"},
	"description":    {"description", "notes", "comment", "comments", "remarks"},
}

// CSVFields lists the fields a column can be mapped to, sorted.
func CSVFields() []string {
	out := make([]string, 0, len(csvFields))
	for f := range csvFields {
		out = append(out, f)
	}
	slices.Sort(out)
	return out
}

func normHeader(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '_' || r == '.' || r == '#' || r == '/' {
			return -1
		}
		return unicode.ToLower(r)
	}, strings.TrimSpace(s))
}

// kindWords maps words of a CMMS device type to asset kinds, tried in order
// (so "infusion pump" wins over a bare "pump").
var kindWords = []struct {
	words []string
	kind  ward.AssetKind
}{
	{[]string{"infusion", "syringe pump", "volumetric pump", "pca pump", "pump"}, "infusion-pump"},
	{[]string{"patient monitor", "vital sign", "monitor", "telemetry", "central station"}, "patient-monitor"},
	{[]string{"ventilator", "respirator"}, "ventilator"},
	{[]string{"anaesthesia", "anesthesia"}, "anaesthesia-machine"},
	{[]string{"ct", "mri", "mr scanner", "x-ray", "xray", "radiograph", "ultrasound", "mammograph", "fluoroscop", "angiograph", "pet", "spect", "scanner", "c-arm", "modality"}, "imaging-modality"},
	{[]string{"imaging workstation", "reading station", "viewing station"}, "imaging-workstation"},
	{[]string{"analyser", "analyzer", "blood gas", "haematology", "hematology", "chemistry"}, "lab-analyser"},
	{[]string{"dialysis"}, "dialysis-machine"},
	{[]string{"defibrillator", "aed"}, "defibrillator"},
	{[]string{"programmer"}, "implant-programmer"},
	{[]string{"pacs"}, "pacs"},
	{[]string{"ehr", "emr", "electronic health record"}, "ehr"},
	{[]string{"lis", "laboratory information"}, "lis"},
	{[]string{"ris", "radiology information"}, "ris"},
	{[]string{"his", "hospital information"}, "his"},
	{[]string{"nurse call"}, "nurse-call"},
	{[]string{"hvac", "air handling", "chiller"}, "hvac"},
	{[]string{"bms", "building management"}, "bms"},
	{[]string{"ups", "generator"}, "power-supply"},
	{[]string{"printer"}, "printer"},
	{[]string{"workstation", "desktop", "laptop", "pc"}, "workstation"},
	{[]string{"tablet", "smartphone", "phone", "handheld"}, "mobile-client"},
	{[]string{"switch"}, "switch"},
	{[]string{"router"}, "router"},
	{[]string{"firewall"}, "firewall"},
	{[]string{"access point", "wireless"}, "wireless-controller"},
	{[]string{"server"}, "server"},
	{[]string{"medical device", "medical"}, "medical-device"},
}

// csvKind reads a device type: an asset kind as such, or words of it.
func csvKind(s string) (ward.AssetKind, int, bool) {
	l := strings.ToLower(strings.TrimSpace(s))
	if _, ok := ward.LookupKind(ward.AssetKind(l)); ok {
		return ward.AssetKind(l), 0, true
	}
	if k, _, ok := kindInText(l, true); ok {
		return k, 80, true
	}
	return "", 0, false
}

// kindInText finds the asset kind words of text name, and the word: a
// device type ("Infusion Pump"), or a device's own name
// ("infusion-pump-17", "ICU_MONITOR_3"), whose hyphens and underscores
// separate words unless keepHyphens.
func kindInText(text string, keepHyphens bool) (ward.AssetKind, string, bool) {
	words := " " + strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' && keepHyphens {
			return r
		}
		return ' '
	}, strings.ToLower(text)) + " "
	for _, kw := range kindWords {
		for _, w := range kw.words {
			if strings.Contains(words, " "+w+" ") || (len(w) > 4 && strings.Contains(words, w)) {
				return kw.kind, w, true
			}
		}
	}
	return "", "", false
}

// ParseMapping reads a --map value: "Header=field,Other Header=field".
func ParseMapping(s string) (map[string]string, error) {
	out := map[string]string{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, pair := range strings.Split(s, ",") {
		h, f, ok := strings.Cut(pair, "=")
		h, f = strings.TrimSpace(h), strings.TrimSpace(f)
		if !ok || h == "" {
			return nil, fmt.Errorf("--map %q: write Header=field, pairs separated by commas", pair)
		}
		if _, known := csvFields[f]; !known && f != "-" {
			return nil, fmt.Errorf("--map %q: unknown field %q (fields: %s, or - to ignore the column)", pair, f, strings.Join(CSVFields(), ", "))
		}
		out[normHeader(h)] = f
	}
	return out, nil
}

// ReadCSV reads an asset-management export: one asset a row, columns
// mapped to fields by their header names, overridden by mapping (header to
// field, "-" to ignore a column). The delimiter (comma, semicolon or tab)
// is taken from the header line. Every bad value is reported with its row
// and column, all at once (up to ward.MaxErrors); a file with any is
// refused whole.
func ReadCSV(name string, r io.Reader, size int64, mapping map[string]string, progress Progress) (*Result, error) {
	cr := newCounter(r, size, progress)
	br := bufio.NewReader(cr)
	head, err := br.Peek(4096)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, &PositionError{File: name, Err: err}
	}
	if bytes.HasPrefix(head, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
		head = head[3:]
	}
	first, _, _ := bytes.Cut(head, []byte("\n"))
	cw := csv.NewReader(br)
	cw.Comma = ','
	best := bytes.Count(first, []byte(","))
	for _, d := range []rune{';', '\t'} {
		if n := bytes.Count(first, []byte(string(d))); n > best {
			cw.Comma, best = d, n
		}
	}
	cw.ReuseRecord = true
	header, err := cw.Read()
	if err != nil {
		if err == io.EOF {
			return nil, &PositionError{File: name, Err: errors.New("empty file: expected a header row")}
		}
		return nil, csvError(name, err)
	}
	header = slices.Clone(header)
	cols := make([]string, len(header)) // field of each column, "" ignored
	taken := map[string]int{}
	var errs MultiError
	for i, h := range header {
		n := normHeader(h)
		f, ok := mapping[n]
		if !ok {
			for field, names := range csvFields {
				if slices.Contains(names, n) {
					f = field
				}
			}
		}
		if f == "-" || f == "" {
			continue
		}
		if j, dup := taken[f]; dup && f != "ip" && f != "mac" && f != "hostname" {
			errs.add(&PositionError{File: name, Where: fmt.Sprintf("row 1, column %d %q", i+1, h), Err: fmt.Errorf("a second column for %s (column %d %q has it); map one with --map \"%s=-\"", f, j+1, header[j], h)})
			continue
		}
		taken[f] = i
		cols[i] = f
	}
	_, hasIP := taken["ip"]
	_, hasMAC := taken["mac"]
	_, hasHost := taken["hostname"]
	_, hasSerial := taken["serial"]
	_, hasID := taken["id"]
	if !hasIP && !hasMAC && !hasHost && !hasSerial && !hasID {
		errs.add(&PositionError{File: name, Where: "row 1", Err: fmt.Errorf("no column identifies an asset (headers: %s); map one to id, ip, mac, hostname or serial with --map \"Header=field\"", strings.Join(header, ", "))})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	res := &Result{Source: "csv", File: name, Seen: time.Now().UTC()}
	row := 1
	for {
		rec, err := cw.Read()
		if err == io.EOF {
			break
		}
		row++
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
				errs.add(&PositionError{File: name, Where: fmt.Sprintf("row %d", row), Err: fmt.Errorf("%d columns, the header has %d", len(rec), len(header))})
				if len(errs) >= ward.MaxErrors {
					break
				}
				continue
			}
			errs.add(csvError(name, err))
			break
		}
		res.Stats.Records++
		if h := csvHost(name, row, header, cols, rec, &errs); h != nil {
			res.Hosts = append(res.Hosts, h)
		}
		if len(errs) >= ward.MaxErrors {
			break
		}
	}
	res.Stats.Bytes = cr.n
	if len(errs) > 0 {
		return nil, errs
	}
	return res, nil
}

func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &PositionError{File: name, Where: fmt.Sprintf("row %d, column %d", pe.Line, pe.Column), Err: pe.Err}
	}
	return &PositionError{File: name, Err: err}
}

// csvHost reads one row; problems go to errs.
func csvHost(name string, row int, header, cols, rec []string, errs *MultiError) *Host {
	h := &Host{Where: fmt.Sprintf("%s: row %d", name, row)}
	bad := func(i int, format string, a ...any) {
		errs.add(&PositionError{File: name, Where: fmt.Sprintf("row %d, column %q", row, header[i]), Err: fmt.Errorf(format, a...)})
	}
	var location string
	for i, f := range cols {
		v := strings.TrimSpace(rec[i])
		if f == "" || v == "" {
			continue
		}
		if !utf8.ValidString(v) {
			bad(i, "invalid UTF-8 in %q (save the export as UTF-8)", v)
			continue
		}
		if r, ctl := ward.ControlChar(v, f == "description"); ctl {
			bad(i, "control character %U in %q", r, v)
			continue
		}
		switch f {
		case "id":
			h.ID = v
		case "name":
			h.Name = v
		case "kind":
			k, conf, ok := csvKind(v)
			if !ok {
				bad(i, "device type %q matches no asset kind (ward kinds lists them); map the column away with --map %q or fix the value", v, header[i]+"=-")
				continue
			}
			h.Kind = k
			reason := "asset kind in the inventory"
			if conf > 0 {
				reason = fmt.Sprintf("inventory device type %q", v)
			}
			h.note("kind", conf, reason)
		case "vendor":
			h.Vendor = v
		case "product":
			h.Product = v
		case "version":
			h.Version = v
		case "serial":
			h.Serial = v
		case "ip":
			for _, s := range splitList(v) {
				a, err := netip.ParseAddr(s)
				if err != nil {
					bad(i, "invalid IP address %q", s)
					continue
				}
				h.IPs = appendNew(h.IPs, a.Unmap().String())
			}
		case "mac":
			for _, s := range splitList(v) {
				m, err := net.ParseMAC(s)
				if err != nil || len(m) != 6 {
					bad(i, "invalid MAC address %q", s)
					continue
				}
				h.MACs = appendNew(h.MACs, m.String())
			}
		case "hostname":
			for _, s := range splitList(v) {
				n := len(h.Hostnames)
				h.addHostname(s)
				if len(h.Hostnames) == n && !slices.Contains(h.Hostnames, strings.ToLower(s)) {
					bad(i, "invalid host name %q", s)
				}
			}
		case "zone":
			h.Zone = v
		case "owner":
			h.Owner = v
		case "location":
			location = v
		case "end_of_support":
			d, ok := parseDate(v)
			if !ok {
				bad(i, "invalid date %q", v)
				continue
			}
			h.EndOfSupport = d
		case "cpe":
			if !ward.ValidCPE(v) {
				if c := cpe23(v); c != "" {
					v = c
				} else {
					bad(i, "invalid CPE %q", v)
					continue
				}
			}
			h.CPE = v
		case "description":
			h.Description = v
		}
	}
	if location != "" {
		if h.Description != "" {
			h.Description += "; "
		}
		h.Description += "location: " + location
	}
	if h.ID == "" && len(h.IPs) == 0 && len(h.MACs) == 0 && len(h.Hostnames) == 0 && h.Serial == "" {
		errs.add(&PositionError{File: name, Where: fmt.Sprintf("row %d", row), Err: errors.New("nothing identifies the asset: no id, address, host name or serial")})
		return nil
	}
	if h.Kind == "" {
		h.Kind = "unknown"
		h.note("kind", 0, "the inventory gives no device type")
	}
	if h.Name == "" && len(h.Hostnames) > 0 {
		h.Name = h.Hostnames[0]
	}
	return h
}

func splitList(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ';' || r == '|' || r == ',' })
}

// parseDate reads the dates exports write: ISO, day first with dots or
// slashes (European exports), or an ISO timestamp.
func parseDate(v string) (ward.Date, bool) {
	for _, layout := range []string{time.DateOnly, "02.01.2006", "02/01/2006", "2006/01/02", time.RFC3339} {
		if t, err := time.Parse(layout, v); err == nil {
			// The years a model accepts.
			return ward.Date(t.Format(time.DateOnly)), t.Year() >= 1970 && t.Year() <= 2100
		}
	}
	return "", false
}

// MultiError is every problem of one input.
type MultiError []error

func (m *MultiError) add(err error) {
	if len(*m) < ward.MaxErrors {
		*m = append(*m, err)
	}
}

func (m MultiError) Error() string {
	if len(m) == 1 {
		return m[0].Error()
	}
	var b strings.Builder
	for i, e := range m {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}
