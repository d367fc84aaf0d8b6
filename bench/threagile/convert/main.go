// Command convert writes a Ward model as a Threagile model, so that both
// tools can be run on the same hospital (bench/threagile/compare.sh).
//
// The mapping keeps what both tools model: each asset a technical asset
// (its zone a trust boundary, its Internet exposure, its criticality as
// confidentiality, integrity and availability), each asset-to-asset link
// a communication link (protocol, encryption, authentication), the data
// it holds as data assets. Links to a whole zone have no Threagile
// equivalent and are left out (counted on stderr).
//
//	go run ./bench/threagile/convert hospital.yaml > threagile.yaml
package main

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/modelfile"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: convert MODEL > threagile.yaml")
		os.Exit(2)
	}
	lim := modelfile.DefaultLimits
	lim.MaxBytes = 4 << 30
	m, err := modelfile.Load(os.Args[1], lim)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	skipped := write(w, m)
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "%d assets, %d links converted; %d links to a zone left out\n", len(m.Assets), len(m.Links)-skipped, skipped)
}

// q quotes a string for YAML.
func q(s string) string { return fmt.Sprintf("%q", s) }

// cia maps a Ward level to Threagile's criticality and confidentiality.
func criticality(l ward.Level) string {
	switch l {
	case "critical":
		return "mission-critical"
	case "high":
		return "critical"
	case "medium":
		return "important"
	case "low":
		return "operational"
	}
	return "archive"
}

func confidentiality(l ward.Level) string {
	switch l {
	case "critical":
		return "strictly-confidential"
	case "high":
		return "confidential"
	case "medium":
		return "restricted"
	case "low":
		return "internal"
	}
	return "public"
}

// technology is the nearest Threagile technology of an asset kind.
func technology(a *ward.Asset) (tech, typ string) {
	k, _ := ward.LookupKind(a.Kind)
	switch {
	case a.Kind == "database" || a.Kind == "storage" || a.Kind == "backup":
		return "database", "datastore"
	case a.Kind == "ehr" || a.Kind == "his" || a.Kind == "pacs" || a.Kind == "lis" || a.Kind == "ris":
		return "application-server", "process"
	case a.Kind == "directory" || a.Kind == "identity-provider":
		return "identity-provider", "process"
	case a.Kind == "workstation":
		return "desktop", "external-entity"
	case a.Kind == "vpn-gateway" || a.Kind == "firewall" || a.Kind == "router" || a.Kind == "switch":
		return "gateway", "process"
	case a.Kind == "cloud-service" || a.Kind == "external-service":
		return "web-service-rest", "process"
	case k.Category == ward.CategoryMedicalDevice || k.Category == ward.CategoryBuilding:
		return "iot-device", "process"
	}
	return "application-server", "process"
}

var protocols = map[ward.Protocol][2]string{ // plain, encrypted
	"https": {"https", "https"}, "http": {"http", "https"}, "ssh": {"ssh", "ssh"}, "smb": {"smb", "smb-encrypted"},
	"mqtt": {"mqtt", "mqtt"}, "ldap": {"ldap", "ldaps"}, "sql": {"sql-access-protocol", "sql-access-protocol-encrypted"},
	"smtp": {"smtp", "smtp-encrypted"}, "ftp": {"ftp", "ftps"}, "nfs": {"nfs", "nfs"},
}

func protocol(l *ward.Link) string {
	if p, ok := protocols[l.Protocol]; ok {
		if l.Encrypted {
			return p[1]
		}
		return p[0]
	}
	if l.Encrypted {
		return "binary-encrypted"
	}
	return "binary"
}

func write(w *bufio.Writer, m *ward.Model) (skipped int) {
	fmt.Fprintf(w, "threagile_version: 1.0.0\ntitle: %s\ndate: 2026-01-01\nauthor:\n  name: ward\nbusiness_criticality: critical\n", q(m.Organisation.Name))
	fmt.Fprint(w, "data_assets:\n")
	classes := map[ward.DataClass]bool{"operational": true}
	for i := range m.Assets {
		for _, d := range m.Assets[i].Data {
			classes[d] = true
		}
	}
	names := make([]string, 0, len(classes))
	for d := range classes {
		names = append(names, string(d))
	}
	slices.Sort(names)
	for _, d := range names {
		fmt.Fprintf(w, "  %s:\n    id: %s\n    usage: business\n    quantity: many\n    confidentiality: confidential\n    integrity: critical\n    availability: critical\n    justification_cia_rating: %s\n", q("data-"+d), q("data-"+d), q("Ward data class "+d))
	}
	isAsset := make(map[string]bool, len(m.Assets))
	for i := range m.Assets {
		isAsset[m.Assets[i].ID] = true
	}
	out := map[string][]int{}
	for i := range m.Links {
		l := &m.Links[i]
		if !isAsset[l.From] || !isAsset[l.To] {
			skipped++
			continue
		}
		out[l.From] = append(out[l.From], i)
	}
	fmt.Fprint(w, "technical_assets:\n")
	for i := range m.Assets {
		a := &m.Assets[i]
		tech, typ := technology(a)
		data := []string{"data-operational"}
		for _, d := range a.Data {
			data = append(data, "data-"+string(d))
		}
		enc := "none"
		if slices.Contains(a.Controls, "encryption-at-rest") {
			enc = "transparent"
		}
		fmt.Fprintf(w, "  %s:\n    id: %s\n    type: %s\n    usage: business\n    size: application\n    technology: %s\n    internet: %t\n    machine: virtual\n    encryption: %s\n    owner: %s\n",
			q(a.ID), q(a.ID), typ, tech, a.InternetExposed, enc, q(strings.TrimSpace(a.Owner+" ")))
		fmt.Fprintf(w, "    confidentiality: %s\n    integrity: %s\n    availability: %s\n    justification_cia_rating: %s\n    multi_tenant: false\n    redundant: false\n    custom_developed_parts: false\n",
			confidentiality(a.Criticality.Confidentiality), criticality(a.Criticality.Integrity), criticality(a.Criticality.Availability), q("from Ward"))
		fmt.Fprintf(w, "    data_assets_processed: [%s]\n    data_assets_stored: [%s]\n", strings.Join(data, ", "), strings.Join(data, ", "))
		if len(out[a.ID]) == 0 {
			continue
		}
		fmt.Fprint(w, "    communication_links:\n")
		for _, li := range out[a.ID] {
			l := &m.Links[li]
			auth := "none"
			if l.Authenticated {
				auth = "credentials"
			}
			fmt.Fprintf(w, "      %s:\n        target: %s\n        description: %s\n        protocol: %s\n        authentication: %s\n        authorization: technical-user\n        vpn: false\n        ip_filtered: false\n        readonly: false\n        usage: business\n        data_assets_sent: [data-operational]\n",
				q(fmt.Sprintf("link %d", li)), q(l.To), q(string(l.Protocol)), protocol(l), auth)
		}
	}
	fmt.Fprint(w, "trust_boundaries:\n")
	inside := map[string][]string{}
	for i := range m.Assets {
		inside[m.Assets[i].Zone] = append(inside[m.Assets[i].Zone], m.Assets[i].ID)
	}
	for _, z := range m.Zones {
		if len(inside[z.ID]) == 0 || z.Kind == "internet" {
			continue
		}
		typ := "network-on-prem"
		if z.Kind == "cloud" {
			typ = "network-cloud-provider"
		}
		ids := make([]string, len(inside[z.ID]))
		for i, id := range inside[z.ID] {
			ids[i] = q(id)
		}
		fmt.Fprintf(w, "  %s:\n    id: %s\n    type: %s\n    technical_assets_inside: [%s]\n", q("zone-"+z.ID), q("zone-"+z.ID), typ, strings.Join(ids, ", "))
	}
	return skipped
}
