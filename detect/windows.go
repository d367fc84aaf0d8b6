package detect

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// parseWindowsJSON reads a Windows event exported as one JSON object a
// line, in any of the shapes common exporters write:
//
//   - evtx_dump and similar EVTX-to-JSON tools: {"Event":{"System":{...},"EventData":{...}}}
//   - Winlogbeat / Elastic: {"@timestamp":..., "winlog":{"event_id":..., "computer_name":..., "channel":..., "event_data":{...}}}
//   - NXLog and other flat exports: {"EventTime":..., "Hostname":..., "EventID":..., "Channel":..., "TargetUserName":..., ...}
//   - PowerShell Get-WinEvent | ConvertTo-Json -Compress: {"Id":..., "MachineName":..., "LogName":..., "TimeCreated":"/Date(ms)/"}
//   - Wazuh alerts: {"data":{"win":{"system":{"eventID":..., "computer":..., "channel":..., "systemTime":...},"eventdata":{"targetUserName":...}}}}
//     (its lowerCamel field names read as Windows writes them: targetUserName is TargetUserName)
func parseWindowsJSON(e *Event) string {
	var doc map[string]any
	if err := json.Unmarshal([]byte(e.Raw), &doc); err != nil {
		return "windows event: not JSON: " + shortJSONError(err)
	}
	var sys, data map[string]any
	var id, host, channel, ts string
	switch {
	case obj(doc["Event"]) != nil:
		ev := obj(doc["Event"])
		sys, data = obj(ev["System"]), obj(ev["EventData"])
		if sys == nil {
			return "windows event: Event has no System"
		}
		id, host, channel = scalar(sys["EventID"]), scalar(sys["Computer"]), scalar(sys["Channel"])
		if tc := obj(sys["TimeCreated"]); tc != nil {
			ts = scalar(tc["SystemTime"])
			if a := obj(tc["#attributes"]); a != nil {
				ts = scalar(a["SystemTime"])
			}
		}
	case obj(obj(doc["data"])["win"]) != nil:
		win := obj(obj(doc["data"])["win"])
		sys = obj(win["system"])
		if sys == nil {
			return "windows event: data.win has no system"
		}
		data = map[string]any{}
		for k, v := range obj(win["eventdata"]) {
			if k != "" {
				data[strings.ToUpper(k[:1])+k[1:]] = v
			}
		}
		id, host, channel, ts = scalar(sys["eventID"]), scalar(sys["computer"]), scalar(sys["channel"]), scalar(sys["systemTime"])
		if ts == "" {
			ts = scalar(doc["timestamp"])
		}
	case obj(doc["winlog"]) != nil:
		wl := obj(doc["winlog"])
		data = obj(wl["event_data"])
		id, host, channel = scalar(wl["event_id"]), scalar(wl["computer_name"]), scalar(wl["channel"])
		ts = scalar(doc["@timestamp"])
	default:
		data = doc
		id = first(doc, "EventID", "EventId", "event_id", "Id")
		host = first(doc, "Hostname", "Computer", "MachineName", "host")
		channel = first(doc, "Channel", "LogName", "channel")
		ts = first(doc, "EventTime", "TimeCreated", "@timestamp", "SystemTime", "TimeGenerated")
	}
	if id == "" {
		return "windows event: no EventID"
	}
	if _, err := strconv.Atoi(id); err != nil {
		return "windows event: EventID is not a number"
	}
	t, ok := windowsTime(ts)
	if !ok {
		return fmt.Sprintf("windows event: bad or missing time %q", ts)
	}
	e.Time = t
	e.Product = ProductWindows
	e.Service = strings.ToLower(channel)
	if e.Service == "" && (id == "4625" || id == "4624" || id == "4740" || id == "4688" || id == "1102" || id == "4771" || id == "4776") {
		e.Service = "security"
	}
	e.fields[FieldEventID] = id
	e.fields[FieldHost] = host
	e.Extra = make(map[string]string, len(data))
	for k, v := range data {
		if s := scalar(v); s != "" {
			e.Extra[k] = s
		}
	}
	if m := scalar(doc["Message"]); m != "" {
		e.fields[FieldMessage] = m
	}
	get := func(k string) string {
		v := e.Extra[k]
		if v == "-" {
			return ""
		}
		return v
	}
	e.fields[FieldUser] = get("TargetUserName")
	e.fields[FieldSource] = get("IpAddress")
	if e.fields[FieldSource] == "" {
		e.fields[FieldSource] = get("WorkstationName")
	}
	e.fields[FieldImage] = get("NewProcessName")
	if e.fields[FieldImage] == "" {
		e.fields[FieldImage] = get("Image")
	}
	e.fields[FieldCommandLine] = get("CommandLine")
	switch id {
	case "4625", "4771":
		e.fields[FieldAction] = "failed"
	case "4624":
		e.fields[FieldAction] = "accepted"
	case "4740":
		e.fields[FieldAction] = "lockout"
	case "4688":
		e.fields[FieldAction] = "process_creation"
		e.Categories = processCategories
	case "1102":
		e.fields[FieldAction] = "log_cleared"
		if e.fields[FieldUser] == "" {
			e.fields[FieldUser] = get("SubjectUserName")
		}
	case "1":
		if strings.Contains(e.Service, "sysmon") {
			e.fields[FieldAction] = "process_creation"
			e.Categories = processCategories
		}
	}
	return ""
}

var processCategories = []string{"process_creation"}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// scalar renders a JSON value as the string a rule compares; an evtx_dump
// element with attributes keeps its text in "#text".
func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case map[string]any:
		if t, ok := x["#text"]; ok {
			return scalar(t)
		}
	}
	return ""
}

func first(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if v := scalar(m[k]); v != "" {
			return v
		}
	}
	return ""
}

// windowsTime reads the time stamps Windows exporters write.
func windowsTime(s string) (time.Time, bool) {
	if strings.HasPrefix(s, "/Date(") && strings.HasSuffix(s, ")/") {
		ms, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(s, "/Date("), ")/"), 10, 64)
		return time.UnixMilli(ms).UTC(), err == nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func shortJSONError(err error) string {
	s := err.Error()
	if len(s) > 80 {
		s = s[:80]
	}
	return s
}
