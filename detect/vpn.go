package detect

import (
	"net/netip"
	"strings"
)

var vpnCategories = []string{"vpn"}

// maxVPNMemo bounds what the VPN readers remember between lines; past it
// the memo starts afresh.
const maxVPNMemo = 4096

// vpnMemo remembers across lines what a VPN's failure line leaves out:
// strongSwan names the peer's address when an IKE SA starts and only its
// identity when its authentication fails; OpenVPN names the user when it
// checks a password and only the peer's address when it refuses it.
type vpnMemo struct {
	peers map[string]string // strongSwan: IKE SA (or thread) -> peer address
	users map[string]string // OpenVPN: peer address:port -> user
}

func remember(m *map[string]string, k, v string) {
	if *m == nil || len(*m) >= maxVPNMemo {
		*m = make(map[string]string, 64)
	}
	(*m)[strings.Clone(k)] = strings.Clone(v)
}

// parseOpenVPN reads an OpenVPN server's logon messages, which start with
// the peer: "ADDR:PORT msg" or, once its certificate is known, "CN/ADDR:PORT
// msg":
//
//	203.0.113.7:51234 TLS: Username/Password authentication succeeded for username 'alice'
//	203.0.113.7:51234 TLS Auth Error: Auth Username/Password verification failed for peer
//	203.0.113.7:51234 TLS Auth Error: Auth Username/Password verification failed for peer 'alice'
//	alice/203.0.113.7:51234 Peer Connection Initiated with [AF_INET]203.0.113.7:51234
//	openvpn[812]: pam_unix(openvpn:auth): authentication failure; ... rhost=203.0.113.7 user=alice (as PAM)
//
// Failures are action "failed", accepted passwords "accepted", with user
// and source address.
func (p *parser) parseOpenVPN(e *Event, msg string) {
	if strings.HasPrefix(msg, "pam_") {
		parsePAM(e, msg)
		if e.fields[FieldAction] == "pam_failure" {
			e.fields[FieldAction] = "failed"
		}
		return
	}
	peer, rest, ok := strings.Cut(msg, " ")
	if !ok {
		return
	}
	cn, addrPort, hasCN := strings.Cut(peer, "/")
	if !hasCN {
		addrPort, cn = peer, ""
	}
	ap, err := netip.ParseAddrPort(strings.TrimPrefix(addrPort, "[AF_INET]"))
	if err != nil {
		return
	}
	src := ap.Addr().Unmap().String()
	switch {
	case strings.Contains(rest, "Username/Password authentication succeeded for username '"):
		user := quotedAfter(rest, "for username '")
		e.fields[FieldAction], e.fields[FieldUser], e.fields[FieldSource] = "accepted", user, src
		remember(&p.vpn.users, addrPort, user)
	case strings.Contains(rest, "Username/Password authentication deferred for username '"):
		remember(&p.vpn.users, addrPort, quotedAfter(rest, "for username '"))
	case strings.HasPrefix(rest, "TLS Auth Error: Auth Username/Password verification failed"),
		strings.HasPrefix(rest, "TLS Auth Error: Auth-token verification failed"):
		user := quotedAfter(rest, "peer '")
		if user == "" {
			user = cn
		}
		if user == "" {
			user = p.vpn.users[addrPort]
		}
		e.fields[FieldAction], e.fields[FieldUser], e.fields[FieldSource] = "failed", user, src
	case strings.HasPrefix(rest, "VERIFY ERROR:"):
		// a client certificate refused: a failed logon without a user
		e.fields[FieldAction], e.fields[FieldSource] = "failed", src
	}
}

// quotedAfter returns what stands between key (ending in a quote) and the
// next single quote.
func quotedAfter(s, key string) string {
	i := strings.Index(s, key)
	if i < 0 {
		return ""
	}
	s = s[i+len(key):]
	if j := strings.IndexByte(s, '\''); j >= 0 {
		return s[:j]
	}
	return ""
}

// parseStrongSwan reads the IKE daemon charon's logon messages:
//
//	10[IKE] 203.0.113.7 is initiating an IKE_SA
//	10[IKE] <rw|3> 203.0.113.7 is initiating an IKE_SA
//	11[IKE] <rw|3> EAP method EAP_MSCHAPV2 failed for peer alice
//	11[IKE] XAuth authentication of 'alice' failed
//	11[IKE] authentication of 'alice' with EAP successful
//	11[IKE] XAuth authentication of 'alice' successful
//	11[IKE] IKE_SA rw[3] established between 192.0.2.1[vpn.example]...203.0.113.7[alice]
//
// The failure lines name the peer's identity, not its address: that was
// named when the IKE SA started, on the same SA (<name|N>) or, when
// charon does not log SA names, the same thread.
func (p *parser) parseStrongSwan(e *Event, msg string) {
	thread, rest, ok := strings.Cut(msg, " ")
	if !ok || !strings.Contains(thread, "[") {
		return
	}
	key := thread[:strings.IndexByte(thread, '[')]
	if strings.HasPrefix(rest, "<") {
		if i := strings.IndexByte(rest, '>'); i > 0 {
			key, rest = rest[:i+1], strings.TrimLeft(rest[i+1:], " ")
		}
	}
	switch {
	case strings.HasSuffix(rest, " is initiating an IKE_SA") || strings.HasSuffix(rest, " is initiating a Main Mode IKE_SA") || strings.HasSuffix(rest, " is initiating an Aggressive Mode IKE_SA"):
		src := firstWord(rest)
		if _, err := netip.ParseAddr(src); err == nil {
			remember(&p.vpn.peers, key, src)
			e.fields[FieldAction], e.fields[FieldSource] = "connection", src
		}
	case strings.HasPrefix(rest, "EAP method ") && strings.Contains(rest, " failed for peer "):
		e.fields[FieldAction], e.fields[FieldUser] = "failed", firstWord(afterWord(rest, " failed for peer "))
		e.fields[FieldSource] = p.vpn.peers[key]
	case strings.HasPrefix(rest, "XAuth authentication of '") || strings.HasPrefix(rest, "authentication of '"):
		user := quotedAfter(rest, "authentication of '")
		if strings.Contains(rest, "(myself)") { // charon proving its own identity
			return
		}
		switch {
		case strings.HasSuffix(rest, " failed"):
			e.fields[FieldAction] = "failed"
		case strings.HasSuffix(rest, " successful"):
			e.fields[FieldAction] = "accepted"
		default:
			return
		}
		e.fields[FieldUser], e.fields[FieldSource] = user, p.vpn.peers[key]
	case strings.HasPrefix(rest, "IKE_SA ") && strings.Contains(rest, " established between "):
		// "...203.0.113.7[alice]": the peer's address, in case its start was not seen
		if i := strings.LastIndex(rest, "..."); i > 0 {
			peer := rest[i+3:]
			if j := strings.IndexByte(peer, '['); j > 0 {
				remember(&p.vpn.peers, key, peer[:j])
			}
		}
	}
}
