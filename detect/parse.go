package detect

import (
	"strconv"
	"strings"
	"time"
)

// parser turns a line into an event; parse returns why a line could not
// be read, or "".
type parser struct {
	now       time.Time
	year      int
	guessYear bool
	// vpn remembers, for the VPN readers, the peer address of each IKE
	// SA (strongSwan) and the user of each peer (OpenVPN).
	vpn vpnMemo
}

func (p *parser) parse(e *Event) string {
	s := e.Raw
	switch c := s[0]; {
	case c == '{':
		return parseWindowsJSON(e)
	case c == '<':
		return p.parseSyslogPRI(e, s)
	case len(s) >= 16 && s[3] == ' ' && isMonth(s[:3]):
		return p.parse3164(e, s)
	case len(s) > 20 && isDigits(s[:4]) && s[4] == '-' && s[10] == 'T':
		return p.parseISOSyslog(e, s)
	case c >= '0' && c <= '9' || c == ':' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F':
		return parseAccess(e, s)
	}
	return "not a log line Ward reads (syslog, OpenSSH, web access, Windows JSON, iptables)"
}

// parseSyslogPRI reads "<PRI>" then an RFC 5424 or RFC 3164 message.
func (p *parser) parseSyslogPRI(e *Event, s string) string {
	end := strings.IndexByte(s, '>')
	if end < 2 || end > 4 || !isDigits(s[1:end]) {
		return "syslog: bad priority"
	}
	s = s[end+1:]
	if strings.HasPrefix(s, "1 ") {
		return p.parse5424(e, s[2:])
	}
	if len(s) > 20 && isDigits(s[:4]) && s[4] == '-' {
		return p.parseISOSyslog(e, s)
	}
	return p.parse3164(e, s)
}

var months = map[string]time.Month{
	"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6,
	"Jul": 7, "Aug": 8, "Sep": 9, "Oct": 10, "Nov": 11, "Dec": 12,
}

func isMonth(s string) bool { _, ok := months[s]; return ok }

// parse3164 reads "Mmm dd hh:mm:ss host tag[pid]: message".
func (p *parser) parse3164(e *Event, s string) string {
	if len(s) < 16 {
		return "syslog: line too short"
	}
	mon, ok := months[s[:3]]
	if !ok || s[3] != ' ' || s[6] != ' ' || s[9] != ':' || s[12] != ':' {
		return "syslog: bad RFC 3164 time stamp"
	}
	day := num2(strings.TrimLeft(s[4:6], " "))
	h, m, sec := num2(s[7:9]), num2(s[10:12]), num2(s[13:15])
	if day < 1 || day > 31 || h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60 {
		return "syslog: bad RFC 3164 time stamp"
	}
	t := time.Date(p.year, mon, day, h, m, sec, 0, time.UTC)
	if p.guessYear && t.After(p.now.Add(48*time.Hour)) {
		t = t.AddDate(-1, 0, 0)
	}
	e.Time = t
	return p.syslogBody(e, s[15:])
}

// parseISOSyslog reads "2026-12-01T10:00:00.123+01:00 host tag[pid]: message",
// as rsyslog writes files by default on Debian.
func (p *parser) parseISOSyslog(e *Event, s string) string {
	sp := strings.IndexByte(s, ' ')
	if sp < 0 {
		return "syslog: no host after the time stamp"
	}
	t, err := time.Parse(time.RFC3339Nano, s[:sp])
	if err != nil {
		return "syslog: bad RFC 3339 time stamp"
	}
	e.Time = t
	return p.syslogBody(e, s[sp:])
}

// syslogBody reads " host tag[pid]: message".
func (p *parser) syslogBody(e *Event, s string) string {
	s = strings.TrimLeft(s, " ")
	sp := strings.IndexByte(s, ' ')
	if sp <= 0 {
		return "syslog: no host name"
	}
	e.fields[FieldHost] = s[:sp]
	s = s[sp+1:]
	// The tag ends at '[', ':' or a space.
	i := strings.IndexAny(s, "[: ")
	if i < 0 {
		e.fields[FieldMessage] = s
		p.dispatch(e, "", s)
		return ""
	}
	prog := s[:i]
	rest := s[i:]
	if rest[0] == '[' {
		if j := strings.IndexByte(rest, ']'); j > 0 {
			rest = rest[j+1:]
		}
	}
	rest = strings.TrimPrefix(rest, ":")
	rest = strings.TrimPrefix(rest, " ")
	e.fields[FieldProgram] = prog
	e.fields[FieldMessage] = rest
	p.dispatch(e, prog, rest)
	return ""
}

// parse5424 reads "TIMESTAMP HOST APP PROCID MSGID SD MSG".
func (p *parser) parse5424(e *Event, s string) string {
	var parts [5]string
	for i := range parts {
		sp := strings.IndexByte(s, ' ')
		if sp < 0 {
			if i == 4 { // no message
				parts[i], s = s, ""
				break
			}
			return "syslog: RFC 5424 header cut short"
		}
		parts[i], s = s[:sp], s[sp+1:]
	}
	if parts[0] != "-" {
		t, err := time.Parse(time.RFC3339Nano, parts[0])
		if err != nil {
			return "syslog: bad RFC 5424 time stamp"
		}
		e.Time = t
	}
	// Structured data: "-" or one or more [id k="v" ...] elements.
	switch {
	case strings.HasPrefix(s, "-"):
		s = s[1:]
	case strings.HasPrefix(s, "["):
		i, inQuote := 0, false
		for i < len(s) {
			c := s[i]
			switch {
			case c == '\\' && inQuote:
				i++
			case c == '"':
				inQuote = !inQuote
			case c == ']' && !inQuote:
				if i+1 >= len(s) || s[i+1] != '[' {
					i++
					goto done
				}
			}
			i++
		}
		return "syslog: RFC 5424 structured data not closed"
	done:
		s = s[i:]
	default:
		if parts[4] != "" {
			return "syslog: RFC 5424 structured data missing"
		}
	}
	s = strings.TrimPrefix(s, " ")
	s = strings.TrimPrefix(s, "\ufeff")
	host, app := nilDash(parts[1]), nilDash(parts[2])
	e.fields[FieldHost] = host
	e.fields[FieldProgram] = app
	e.fields[FieldMessage] = s
	p.dispatch(e, app, s)
	return ""
}

func nilDash(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

// dispatch reads the message of a syslog line by its program: OpenSSH,
// PAM, the kernel's packet log.
func (p *parser) dispatch(e *Event, prog, msg string) {
	e.Product = ProductLinux
	switch {
	case strings.HasPrefix(prog, "sshd"):
		e.Service = "sshd"
		parseSSH(e, msg)
	case (prog == "nginx" || prog == "apache2" || prog == "httpd" || prog == "apache") && accessInSyslog(e, msg):
		// nginx's access_log syslog:server=..., Apache's piped to logger
		return
	case prog == "kernel" || prog == "ulogd" || strings.Contains(msg, " IN=") || strings.HasPrefix(msg, "IN="):
		if parseNetfilter(e, msg) {
			e.Service = ""
			e.Categories = firewallCategories
			return
		}
		e.Service = "syslog"
	case prog == "sudo" || prog == "su" || prog == "login" || strings.HasPrefix(prog, "pam") || prog == "systemd-logind" || prog == "cron" || prog == "CRON":
		e.Service = "auth"
		parsePAM(e, msg)
	case prog == "openvpn" || strings.HasPrefix(prog, "ovpn-"):
		e.Service = "openvpn"
		e.Categories = vpnCategories
		p.parseOpenVPN(e, msg)
	case prog == "charon" || prog == "charon-systemd" || prog == "ipsec" || prog == "strongswan":
		e.Service = "strongswan"
		e.Categories = vpnCategories
		p.parseStrongSwan(e, msg)
	default:
		e.Service = "syslog"
	}
}

var firewallCategories = []string{"firewall"}

// maxRepeat is the most times one "message repeated" line counts.
const maxRepeat = 1000

// parseSSH reads the OpenSSH messages of logons.
func parseSSH(e *Event, msg string) {
	if strings.HasPrefix(msg, "message repeated ") {
		// rsyslog's "message repeated N times: [ msg]".
		if i := strings.Index(msg, ": [ "); i > 0 {
			if n, err := strconv.Atoi(strings.TrimSuffix(msg[len("message repeated "):i], " times")); err == nil && n > 1 {
				e.Repeat = min(n, maxRepeat)
			}
			msg = strings.TrimSuffix(msg[i+4:], "]")
		}
	}
	switch {
	case strings.HasPrefix(msg, "Failed "):
		e.fields[FieldAction] = "failed"
		userFrom(e, afterWord(msg, " for "))
	case strings.HasPrefix(msg, "Accepted "):
		e.fields[FieldAction] = "accepted"
		userFrom(e, afterWord(msg, " for "))
	case strings.HasPrefix(msg, "Invalid user "):
		e.fields[FieldAction] = "invalid_user"
		userFrom(e, msg[len("Invalid user "):])
	case strings.HasPrefix(msg, "error: maximum authentication attempts exceeded for "):
		e.fields[FieldAction] = "max_attempts"
		userFrom(e, msg[len("error: maximum authentication attempts exceeded for "):])
	case strings.HasPrefix(msg, "pam_unix("):
		parsePAM(e, msg)
	case strings.HasPrefix(msg, "Connection closed by authenticating user "), strings.HasPrefix(msg, "Disconnected from authenticating user "):
		e.fields[FieldAction] = "closed_preauth"
		userIP(e, afterWord(msg, "authenticating user "))
	case strings.HasPrefix(msg, "Connection closed by invalid user "), strings.HasPrefix(msg, "Disconnected from invalid user "):
		e.fields[FieldAction] = "closed_preauth"
		userIP(e, afterWord(msg, "invalid user "))
	case strings.HasPrefix(msg, "Did not receive identification string from "):
		e.fields[FieldAction] = "no_identification"
		e.fields[FieldSource] = firstWord(msg[len("Did not receive identification string from "):])
	case strings.HasPrefix(msg, "Connection from "):
		e.fields[FieldAction] = "connection"
		e.fields[FieldSource] = firstWord(msg[len("Connection from "):])
	}
}

// userFrom reads "[invalid user ]USER from ADDR port N ...".
func userFrom(e *Event, s string) {
	s = strings.TrimPrefix(s, "invalid user ")
	i := strings.LastIndex(s, " from ")
	if i < 0 {
		return
	}
	e.fields[FieldUser] = s[:i]
	e.fields[FieldSource] = firstWord(s[i+len(" from "):])
}

// userIP reads "USER ADDR port N ...".
func userIP(e *Event, s string) {
	i := strings.LastIndex(s, " port ")
	if i < 0 {
		return
	}
	s = s[:i]
	j := strings.LastIndexByte(s, ' ')
	if j < 0 {
		return
	}
	e.fields[FieldUser], e.fields[FieldSource] = s[:j], s[j+1:]
}

// parsePAM reads "pam_unix(sshd:auth): authentication failure; ... rhost=ADDR  user=NAME".
func parsePAM(e *Event, msg string) {
	if !strings.HasPrefix(msg, "pam_") {
		return
	}
	switch {
	case strings.Contains(msg, "authentication failure"):
		e.fields[FieldAction] = "pam_failure"
	case strings.Contains(msg, "session opened"):
		e.fields[FieldAction] = "session_opened"
	default:
		return
	}
	if v := kv(msg, "rhost="); v != "" {
		e.fields[FieldSource] = v
	}
	if v := kv(msg, " user="); v != "" {
		e.fields[FieldUser] = v
	} else if i := strings.Index(msg, " for user "); i > 0 {
		e.fields[FieldUser] = firstWord(msg[i+len(" for user "):])
	}
}

// kv returns the word after key in s.
func kv(s, key string) string {
	i := strings.Index(s, key)
	if i < 0 {
		return ""
	}
	return firstWord(s[i+len(key):])
}

func afterWord(s, w string) string {
	if i := strings.Index(s, w); i >= 0 {
		return s[i+len(w):]
	}
	return ""
}

func firstWord(s string) string {
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i]
	}
	return s
}

// parseNetfilter reads an iptables or nftables LOG message:
// "[123.456] PREFIX IN=eth0 OUT= ... SRC=a DST=b ... PROTO=TCP SPT=1 DPT=22 ...".
func parseNetfilter(e *Event, msg string) bool {
	if strings.HasPrefix(msg, "[") { // the kernel's own clock
		if i := strings.IndexByte(msg, ']'); i > 0 {
			msg = strings.TrimLeft(msg[i+1:], " ")
		}
	}
	in := strings.Index(msg, "IN=")
	if in < 0 {
		return false
	}
	prefix := strings.ToUpper(msg[:in])
	switch {
	case strings.Contains(prefix, "DROP"), strings.Contains(prefix, "REJECT"), strings.Contains(prefix, "BLOCK"), strings.Contains(prefix, "DENY"):
		e.fields[FieldAction] = "dropped"
	case strings.Contains(prefix, "ACCEPT"), strings.Contains(prefix, "ALLOW"):
		e.fields[FieldAction] = "accepted"
	default:
		e.fields[FieldAction] = "logged"
	}
	seen := false
	for s := msg[in:]; s != ""; {
		var tok string
		if sp := strings.IndexByte(s, ' '); sp >= 0 {
			tok, s = s[:sp], s[sp+1:]
		} else {
			tok, s = s, ""
		}
		eq := strings.IndexByte(tok, '=')
		if eq <= 0 {
			continue
		}
		v := tok[eq+1:]
		switch tok[:eq] {
		case "SRC":
			e.fields[FieldSource], seen = v, true
		case "DST":
			e.fields[FieldDest] = v
		case "DPT":
			e.fields[FieldDestPort] = v
		case "PROTO":
			e.fields[FieldProto] = v
		}
	}
	return seen
}

// parseAccess reads a web access log line, common or combined format:
// host ident user [02/Jan/2006:15:04:05 -0700] "GET /x HTTP/1.1" 200 123 "referer" "agent".
func parseAccess(e *Event, s string) string {
	const bad = "web access: not in common or combined log format"
	sp := strings.IndexByte(s, ' ')
	if sp <= 0 {
		return bad
	}
	e.fields[FieldSource] = s[:sp]
	s = s[sp+1:]
	lb := strings.Index(s, " [")
	if lb < 0 {
		return bad
	}
	if sp := strings.IndexByte(s[:lb], ' '); sp >= 0 {
		if u := s[sp+1 : lb]; u != "-" {
			e.fields[FieldUser] = u
		}
	}
	s = s[lb+2:]
	rb := strings.IndexByte(s, ']')
	if rb < 0 {
		return bad
	}
	t, ok := parseCLFTime(s[:rb])
	if !ok {
		return "web access: bad time stamp"
	}
	e.Time = t
	s = s[rb+1:]
	if !strings.HasPrefix(s, ` "`) {
		return bad
	}
	req, rest, ok := quoted(s[2:])
	if !ok {
		return "web access: request not closed by a quote"
	}
	e.fields[FieldMessage] = req
	if m := strings.IndexByte(req, ' '); m > 0 {
		e.fields[FieldMethod] = req[:m]
		u := req[m+1:]
		if p := strings.LastIndexByte(u, ' '); p > 0 && strings.HasPrefix(u[p+1:], "HTTP/") {
			u = u[:p]
		}
		e.fields[FieldURL] = u
	}
	rest = strings.TrimPrefix(rest, " ")
	if len(rest) < 3 || !isDigits(rest[:3]) || (len(rest) > 3 && rest[3] != ' ') {
		return "web access: bad status"
	}
	e.fields[FieldStatus] = rest[:3]
	rest = rest[3:]
	// The size, then the optional referer and user agent.
	if i := strings.Index(rest, ` "`); i >= 0 {
		if _, r2, ok := quoted(rest[i+2:]); ok {
			if strings.HasPrefix(r2, ` "`) {
				if ua, _, ok := quoted(r2[2:]); ok {
					e.fields[FieldUserAgent] = ua
				}
			}
		}
	}
	e.fields[FieldAction] = "request"
	e.Categories = webCategories
	return ""
}

var webCategories = []string{"webserver"}

// accessInSyslog reads a web server's access log line sent as a syslog
// message into e, keeping the syslog host and program; false (e as it
// was) when msg is no access log line.
func accessInSyslog(e *Event, msg string) bool {
	if msg == "" {
		return false
	}
	host, prog, t := e.fields[FieldHost], e.fields[FieldProgram], e.Time
	if parseAccess(e, msg) != "" {
		for _, f := range []Field{FieldSource, FieldUser, FieldMethod, FieldURL, FieldStatus, FieldUserAgent, FieldAction} {
			e.fields[f] = ""
		}
		e.fields[FieldMessage], e.Time, e.Categories = msg, t, nil
		return false
	}
	e.fields[FieldHost], e.fields[FieldProgram] = host, prog
	e.Product, e.Service = "", ""
	return true
}

// quoted returns the text up to the closing quote (Apache escapes a quote
// inside as \", nginx as \x22) and what follows it.
func quoted(s string) (in, rest string, ok bool) {
	q := strings.IndexByte(s, '"')
	if q < 0 {
		return "", "", false
	}
	if strings.IndexByte(s[:q], '\\') < 0 { // no escape before it: the common case
		return s[:q], s[q+1:], true
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return s[:i], s[i+1:], true
		}
	}
	return "", "", false
}

// parseCLFTime reads 02/Jan/2006:15:04:05 -0700.
func parseCLFTime(s string) (time.Time, bool) {
	if len(s) != 26 || s[2] != '/' || s[6] != '/' || s[11] != ':' || s[14] != ':' || s[17] != ':' || s[20] != ' ' {
		return time.Time{}, false
	}
	mon, ok := months[s[3:6]]
	day, year := num2(s[0:2]), num4(s[7:11])
	h, m, sec := num2(s[12:14]), num2(s[15:17]), num2(s[18:20])
	zh, zm := num2(s[22:24]), num2(s[24:26])
	if !ok || day < 1 || day > 31 || year < 0 || h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60 || zh < 0 || zm < 0 || (s[21] != '+' && s[21] != '-') {
		return time.Time{}, false
	}
	off := (zh*60 + zm) * 60
	if s[21] == '-' {
		off = -off
	}
	t := time.Date(year, mon, day, h, m, sec, 0, time.UTC).Add(-time.Duration(off) * time.Second)
	return t, true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// num2 and num4 read fixed-width decimal numbers; -1 when not digits.
func num2(s string) int {
	if len(s) == 1 && isDigits(s) {
		return int(s[0] - '0')
	}
	if len(s) != 2 || !isDigits(s) {
		return -1
	}
	return int(s[0]-'0')*10 + int(s[1]-'0')
}

func num4(s string) int {
	if len(s) != 4 {
		return -1
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return -1
	}
	return n
}
