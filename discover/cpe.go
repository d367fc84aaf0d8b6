package discover

import (
	"net/url"
	"strings"

	"github.com/wardhealth/ward"
)

// cpe23 turns the CPE 2.2 URI Nmap writes (cpe:/a:openbsd:openssh:9.2p1)
// into the CPE 2.3 formatted string the model and the NVD matcher use, after
// NISTIR 7695: each component is unbound from the URI (percent-decoded) and
// bound to the formatted string (special characters escaped, missing parts
// "*"). A packed edition (~) is left as "*": Nmap never writes one. It returns
// "" for anything that does not come out valid.
func cpe23(uri string) string {
	rest, ok := strings.CutPrefix(strings.TrimSpace(uri), "cpe:/")
	if !ok || rest == "" {
		return ""
	}
	parts := strings.Split(rest, ":")
	if len(parts) > 7 {
		return ""
	}
	out := make([]string, 11)
	for i := range out {
		out[i] = "*"
	}
	for i, p := range parts {
		if i == 4 && strings.HasPrefix(p, "~") {
			continue
		}
		v, err := url.PathUnescape(p)
		if err != nil {
			return ""
		}
		switch v {
		case "":
			continue
		case "-":
			out[i] = "-"
			continue
		}
		var b strings.Builder
		for _, r := range strings.ToLower(v) {
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_', r == '.', r == '-':
				b.WriteRune(r)
			case r < 0x80 && r > 0x20:
				b.WriteByte('\\')
				b.WriteRune(r)
			default:
				return ""
			}
		}
		out[i] = b.String()
	}
	s := "cpe:2.3:" + strings.Join(out, ":")
	if !ward.ValidCPE(s) {
		return ""
	}
	return s
}
