// Package detect reads the logs a hospital already keeps — OpenSSH and PAM
// logons, web servers in front of portals and gateways, syslog from network
// and medical-device gateways, Windows Security events, iptables/nftables
// LOG lines — and evaluates Sigma rules and correlations over them, so that
// a brute force on the vendor VPN or a flood of the ePrescription gateway
// becomes a detection tied to an asset of the model. See docs/detection.md.
package detect

import (
	"strings"
	"time"
)

// Field is one of the fields every reader fills; rules name them by any of
// their Sigma, Windows, ECS or W3C names (see fieldNames).
type Field int

// The fields of an event.
const (
	FieldHost        Field = iota // the machine that wrote the line: syslog host name, Windows Computer
	FieldProgram                  // syslog app name: sshd, kernel, nginx
	FieldMessage                  // the free text: syslog message, the whole web request line
	FieldSource                   // the remote address: SSH client, web client, packet source
	FieldUser                     // the account: SSH user, Windows TargetUserName, web user
	FieldAction                   // what happened, normalised: failed, accepted, invalid_user, request, dropped, ...
	FieldDest                     // the destination address (firewall)
	FieldDestPort                 // the destination port (firewall)
	FieldProto                    // the protocol (firewall)
	FieldMethod                   // the HTTP method
	FieldURL                      // the request target
	FieldStatus                   // the HTTP status
	FieldUserAgent                // the HTTP user agent
	FieldEventID                  // the Windows event id
	FieldImage                    // the Windows new process's image
	FieldCommandLine              // the Windows new process's command line
	// From the model, when the event is tied to an asset (Assets.Tie):
	FieldAssetKind      // the asset's kind: infusion-pump, ehr, vpn-gateway
	FieldAssetCategory  // its kind's category: medical-device, ...
	FieldAssetZoneKind  // the kind of its zone: medical-devices, clinical, dmz
	FieldSourceAsset    // the asset the source address belongs to
	FieldSourceZoneKind // the kind of that asset's zone; internet for a public address outside the model
	numFields
)

// fieldNames are the names rules may use for each field, compared without
// regard to case. A name not here is looked up in the event's Extra fields
// (every EventData field of a Windows event is there).
var fieldNames = map[string]Field{
	"host": FieldHost, "hostname": FieldHost, "computer": FieldHost, "computername": FieldHost, "host.name": FieldHost, "dvchost": FieldHost,
	"program": FieldProgram, "app": FieldProgram, "appname": FieldProgram, "process.name": FieldProgram,
	"message": FieldMessage, "msg": FieldMessage,
	"src_ip": FieldSource, "source.ip": FieldSource, "ipaddress": FieldSource, "c-ip": FieldSource, "clientip": FieldSource, "src": FieldSource, "rhost": FieldSource, "sourceaddress": FieldSource, "sourceip": FieldSource,
	"user": FieldUser, "user.name": FieldUser, "targetusername": FieldUser, "cs-username": FieldUser, "username": FieldUser,
	"action": FieldAction, "event.action": FieldAction,
	"dst_ip": FieldDest, "destination.ip": FieldDest, "dst": FieldDest, "destinationaddress": FieldDest,
	"dst_port": FieldDestPort, "destination.port": FieldDestPort, "dpt": FieldDestPort, "destinationport": FieldDestPort,
	"proto": FieldProto, "protocol": FieldProto, "network.transport": FieldProto,
	"cs-method": FieldMethod, "method": FieldMethod, "http.request.method": FieldMethod,
	"cs-uri-stem": FieldURL, "cs-uri": FieldURL, "url": FieldURL, "uri": FieldURL, "url.original": FieldURL,
	"sc-status": FieldStatus, "status": FieldStatus, "http.response.status_code": FieldStatus,
	"c-useragent": FieldUserAgent, "user_agent": FieldUserAgent, "useragent": FieldUserAgent, "user_agent.original": FieldUserAgent,
	"eventid": FieldEventID, "event.code": FieldEventID, "event_id": FieldEventID,
	"image": FieldImage, "newprocessname": FieldImage, "process.executable": FieldImage,
	"commandline": FieldCommandLine, "process.command_line": FieldCommandLine,
	"asset_kind": FieldAssetKind, "asset_category": FieldAssetCategory, "asset_zone_kind": FieldAssetZoneKind,
	"src_asset": FieldSourceAsset, "src_zone_kind": FieldSourceZoneKind,
}

// lookupField names a field; ok is false for a name only Extra can hold.
func lookupField(name string) (Field, bool) {
	f, ok := fieldNames[strings.ToLower(name)]
	return f, ok
}

// Log sources, as Sigma's logsource names them.
const (
	ProductLinux   = "linux"
	ProductWindows = "windows"
)

// Event is one log line, read. Its strings share the line's memory.
type Event struct {
	// File and Line say where it was read; Raw is the line as read (cut
	// at MaxLine).
	File string
	Line int
	Raw  string
	Time time.Time
	// Product, Service and Categories are the Sigma log source the line
	// belongs to: linux/sshd, linux/syslog, webserver, windows/security
	// with process_creation, firewall.
	Product    string
	Service    string
	Categories []string
	// Asset is the model's asset the event happened on, when known.
	Asset string
	// Repeat is how many times the line stands for its message (rsyslog's
	// "message repeated N times"); 0 is once.
	Repeat int
	fields [numFields]string
	// Extra holds fields without a place of their own (a Windows event's
	// EventData).
	Extra map[string]string
}

// Get returns a field's value ("" when the line did not have it).
func (e *Event) Get(f Field) string { return e.fields[f] }

// Set sets a field.
func (e *Event) Set(f Field, v string) { e.fields[f] = v }

// GetName returns a field by any of its names, falling back to Extra.
func (e *Event) GetName(name string) (string, bool) {
	if f, ok := lookupField(name); ok {
		v := e.fields[f]
		return v, v != ""
	}
	v, ok := e.Extra[name]
	if !ok {
		for k, x := range e.Extra {
			if strings.EqualFold(k, name) {
				return x, true
			}
		}
	}
	return v, ok
}

func (e *Event) hasCategory(c string) bool {
	for _, x := range e.Categories {
		if x == c {
			return true
		}
	}
	return false
}
