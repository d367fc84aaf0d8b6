// Package ward holds Ward's domain: the model of a hospital (organisation,
// zones, assets, links, clinical services, controls), its validation, and the
// interfaces that the rest of the program implements (Store, ...).
//
// The package imports nothing of Ward's own and no infrastructure: parsers,
// stores, servers and the CLI depend on it, never the other way round.
package ward

// FormatVersion is the version of the model file format this build reads and
// writes. A model declares it in its top-level "ward" field.
const FormatVersion = 1

// Model is one organisation's model: everything Ward knows of a hospital's
// connected estate and what depends on it. It is the unit of import, export
// and assessment.
type Model struct {
	// Ward is the model format version; see FormatVersion.
	Ward         int          `json:"ward"`
	Organisation Organisation `json:"organisation"`
	Zones        []Zone       `json:"zones,omitempty"`
	Assets       []Asset      `json:"assets,omitempty"`
	Links        []Link       `json:"links,omitempty"`
	Services     []Service    `json:"services,omitempty"`
	// Rules are the firewall as the model sees it: which zone may open
	// connections to which zone or asset. Attack paths cross zones only
	// where a link or a rule allows.
	Rules []Rule `json:"rules,omitempty"`
	// Redundancy lists groups of assets of which any few keep a service
	// going (six of eight infusion pumps, one of two domain controllers).
	Redundancy []RedundancyGroup `json:"redundancy,omitempty"`
	// Controls declares the organisation's own controls, beyond the built-in
	// ones (see BuiltinControls), so assets and zones may refer to them.
	Controls []Control `json:"controls,omitempty"`
	// Decisions record how the organisation treats assessed risks.
	Decisions []Decision `json:"decisions,omitempty"`
	// Costs are the organisation's own figures for expected loss in money;
	// absent ones take Ward's defaults.
	Costs Costs `json:"costs,omitzero"`
}

// Decision records the treatment of one risk, a threat to an asset: the
// risk tracking of the register.
type Decision struct {
	Threat string `json:"threat"`
	Asset  string `json:"asset"`
	// Status is accepted (the risk is borne knowingly), mitigated (done
	// in a way the model does not show) or false-positive.
	Status        DecisionStatus `json:"status"`
	Justification string         `json:"justification"`
	Date          Date           `json:"date"`
	// Until is when an acceptance lapses and the risk is open again.
	Until Date   `json:"until,omitempty"`
	By    string `json:"by,omitempty"`
}

// Organisation is a hospital, clinic, health authority or CSIRT. Every row
// Ward stores belongs to exactly one.
type Organisation struct {
	ID   string  `json:"id"`
	Name string  `json:"name"`
	Kind OrgKind `json:"kind,omitempty"`
	// Country is an ISO 3166-1 alpha-2 code, e.g. "DE".
	Country string `json:"country,omitempty"`
	// Region is the ISO 3166-2 subdivision the organisation is in, e.g.
	// "DE-BY" (Bavaria): health care is planned and overseen by region in
	// most countries, so the hub's sector map groups hospitals by it. Its
	// country part must agree with Country when both are given.
	Region string `json:"region,omitempty"`
	// Controls are measures in force across the whole organisation
	// (incident response plan, awareness training, ...).
	Controls []string `json:"controls,omitempty"`
	// EntryPoints are where attacks may start; empty means all of them.
	EntryPoints []EntryPoint `json:"entry_points,omitempty"`
}

// Zone is a network segment or trust area.
type Zone struct {
	ID          string     `json:"id"`
	Name        string     `json:"name,omitempty"`
	Kind        ZoneKind   `json:"kind"`
	Trust       TrustLevel `json:"trust"`
	Description string     `json:"description,omitempty"`
	// Controls apply to every asset in the zone (a firewall at its edge,
	// network monitoring, ...).
	Controls []string `json:"controls,omitempty"`
}

// Asset is anything connected that matters to the hospital.
type Asset struct {
	ID          string    `json:"id"`
	Name        string    `json:"name,omitempty"`
	Kind        AssetKind `json:"kind"`
	Zone        string    `json:"zone"`
	Description string    `json:"description,omitempty"`
	// Addresses are IP addresses, CIDR prefixes, host names or MAC addresses.
	Addresses []string `json:"addresses,omitempty"`
	Vendor    string   `json:"vendor,omitempty"`
	Product   string   `json:"product,omitempty"`
	Version   string   `json:"version,omitempty"`
	// Model is the manufacturer's model or catalogue number ("8015",
	// "MMT-1715"), when the product name does not carry it; advisories
	// name devices by it (CSAF model numbers and SKUs).
	Model string `json:"model,omitempty"`
	// CPE is a CPE 2.3 formatted string naming the product.
	CPE string `json:"cpe,omitempty"`
	// PURL is a package URL naming the product's software.
	PURL string `json:"purl,omitempty"`
	// Components are the software components inside (an SBOM's content).
	Components  []Component `json:"components,omitempty"`
	Data        []DataClass `json:"data,omitempty"`
	Criticality Criticality `json:"criticality,omitzero"`
	// InternetExposed says the asset can be reached from the Internet.
	InternetExposed bool     `json:"internet_exposed,omitempty"`
	Controls        []string `json:"controls,omitempty"`
	// EndOfSupport is the date (YYYY-MM-DD) the manufacturer stops
	// supplying security updates.
	EndOfSupport Date       `json:"end_of_support,omitempty"`
	Owner        string     `json:"owner,omitempty"`
	Provenance   Provenance `json:"provenance,omitempty"`
	Tags         []string   `json:"tags,omitempty"`
	// Site is the room, building or data centre the asset stands in: the
	// copies of a redundancy group on one site fail together (fire, flood,
	// power), so they are not independent.
	Site string `json:"site,omitempty"`
	// DependsOn lists the assets (or redundancy groups) this one cannot run
	// without: its power supply, the switch it hangs off when no cable is
	// modelled, the directory its users log on through. When one fails,
	// it fails too.
	DependsOn []string `json:"depends_on,omitempty"`
	// Serial is the manufacturer's serial number: the one identifier that
	// survives a new network card or address, so discovery matches on it.
	Serial string `json:"serial,omitempty"`
	// Ports are the network services the asset offers, as a scan or the
	// wire showed them.
	Ports []Port `json:"ports,omitempty"`
	// Sources say where attributes came from (a model file, a scan, an
	// inventory export, the wire), when, and how sure the source was, so
	// an inferred fact is never mistaken for a declared one.
	Sources []Source `json:"sources,omitempty"`
	// National binds an external-service asset to a national service the
	// hub publishes under this id (national ePrescription "erx", the
	// national EHR, eID): the hub joins the hospital's model to its own
	// there, so the sector's dependencies cross operators (docs/national.md).
	National string `json:"national,omitempty"`
}

// Port is a network service an asset offers.
type Port struct {
	Port      int       `json:"port"`
	Transport Transport `json:"transport,omitempty"`
	// Protocol is what the port speaks, when recognised.
	Protocol Protocol `json:"protocol,omitempty"`
	Product  string   `json:"product,omitempty"`
	Version  string   `json:"version,omitempty"`
}

// Source records where one attribute of an asset or link came from.
type Source struct {
	// Attribute names the field, e.g. "kind", "vendor", "addresses".
	Attribute string `json:"attribute"`
	// Value is what the source said, for attributes holding a list.
	Value  string     `json:"value,omitempty"`
	Origin SourceKind `json:"source"`
	// Seen is when the source last saw it (RFC 3339).
	Seen Timestamp `json:"seen,omitempty"`
	// Confidence is how sure an inference is, in percent (1 to 100);
	// omitted for facts read rather than inferred.
	Confidence int    `json:"confidence,omitempty"`
	Reason     string `json:"reason,omitempty"`
	// File is the scan, export or capture the fact came from.
	File string `json:"file,omitempty"`
}

// Component is a piece of software inside an asset, as an SBOM lists it.
type Component struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	PURL    string `json:"purl,omitempty"`
	CPE     string `json:"cpe,omitempty"`
}

// Criticality rates how much harm follows when an asset fails or is
// compromised, per dimension. An empty level means "not rated": assessment
// then falls back on the asset kind's default.
type Criticality struct {
	Safety          Level `json:"safety,omitempty"`
	Availability    Level `json:"availability,omitempty"`
	Confidentiality Level `json:"confidentiality,omitempty"`
	Integrity       Level `json:"integrity,omitempty"`
}

// Link is a connection between two assets, or between an asset and a zone
// (for instance the internet zone). From is the side that opens the
// connection.
type Link struct {
	ID            string      `json:"id,omitempty"`
	From          string      `json:"from"`
	To            string      `json:"to"`
	Protocol      Protocol    `json:"protocol"`
	Port          int         `json:"port,omitempty"`
	Direction     Direction   `json:"direction,omitempty"`
	Encrypted     bool        `json:"encrypted,omitempty"`
	Authenticated bool        `json:"authenticated,omitempty"`
	Data          []DataClass `json:"data,omitempty"`
	// LinkNotes are what few links carry, behind a pointer (nil on most
	// links): a hospital group's model holds millions of links, and each
	// would otherwise keep 56 bytes of empty fields. Read them with Notes,
	// write them with Annotate.
	*LinkNotes
}

// LinkNotes are a link's description, how Ward learnt of it, and where its
// attributes came from.
type LinkNotes struct {
	Description string `json:"description,omitempty"`
	// Provenance says whether the link was declared or seen on the wire.
	Provenance Provenance `json:"provenance,omitempty"`
	Sources    []Source   `json:"sources,omitempty"`
}

// Notes are the link's notes, to read: zero values when it has none.
func (l *Link) Notes() LinkNotes {
	if l.LinkNotes == nil {
		return LinkNotes{}
	}
	return *l.LinkNotes
}

// Annotate gives the link notes of its own, to write, with what it had.
// Copies of a link share their notes until one of them is annotated.
func (l *Link) Annotate() *LinkNotes {
	n := new(LinkNotes)
	if l.LinkNotes != nil {
		*n = *l.LinkNotes
	}
	l.LinkNotes = n
	return n
}

// Rule is one permission of the firewall, as the model sees it: hosts in
// zone From may open connections to zone or asset To, over Protocol and
// Port (any, when absent). Rules are read in order and the first that
// matches a connection decides it, as firewalls do; a deny rule documents a
// filter, so that an allow rule after it does not apply to what it covers.
// A rule is reachability, not cabling: it never carries traffic in the
// resilience analysis.
type Rule struct {
	ID          string     `json:"id"`
	From        string     `json:"from"`
	To          string     `json:"to"`
	Action      RuleAction `json:"action,omitempty"`
	Protocol    Protocol   `json:"protocol,omitempty"`
	Port        int        `json:"port,omitempty"`
	Description string     `json:"description,omitempty"`
}

// Denies tells whether the rule is a filter.
func (r *Rule) Denies() bool { return r.Action == "deny" }

// RedundancyGroup is a set of interchangeable assets of which any Need keep
// what depends on the group going. A service's or an asset's depends_on may
// name the group instead of its members. Copies count only while they are
// independent: members on one site, or that depend on one asset, fail
// together, and the analysis names that common cause.
type RedundancyGroup struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	// Need is how many of the members must work; 1 for a standby pair.
	Need int      `json:"need"`
	Of   []string `json:"of"`
}

// Service is a clinical service the hospital delivers (emergency care,
// ePrescription, imaging, ...) and what it depends on.
type Service struct {
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	// MaxOutage is the maximum tolerable outage (the recovery time
	// objective) before patients come to harm or care must stop.
	MaxOutage     Duration `json:"max_outage"`
	PatientSafety Level    `json:"patient_safety,omitempty"`
	// DependsOn lists ids of assets, of redundancy groups and of other
	// services.
	DependsOn []string `json:"depends_on"`
	Owner     string   `json:"owner,omitempty"`
}

// Control is a security measure or good practice that lowers the likelihood
// or the impact of a threat.
type Control struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Category    ControlCategory `json:"category"`
	Description string          `json:"description,omitempty"`
}

// Summary counts what a model holds.
type Summary struct {
	Organisation string `json:"organisation"`
	Name         string `json:"name"`
	Zones        int    `json:"zones"`
	Assets       int    `json:"assets"`
	Links        int    `json:"links"`
	Services     int    `json:"services"`
	// InternetExposed counts the assets reachable from the Internet, as
	// Exposure defines it.
	InternetExposed int `json:"internet_exposed"`
	MedicalDevices  int `json:"medical_devices"`
	EndOfSupport    int `json:"end_of_support"`
	// Unencrypted counts links without encryption, cabling aside.
	Unencrypted int `json:"unencrypted_links"`
}

// Summarise counts the model's contents. EndOfSupport counts assets whose
// support ended on or before today (YYYY-MM-DD).
func (m *Model) Summarise(today string) Summary {
	s := Summary{
		Organisation: m.Organisation.ID,
		Name:         m.Organisation.Name,
		Zones:        len(m.Zones),
		Assets:       len(m.Assets),
		Links:        len(m.Links),
		Services:     len(m.Services),
	}
	exposure := m.Exposure()
	for i := range m.Assets {
		a := &m.Assets[i]
		if exposure[i] != "" {
			s.InternetExposed++
		}
		if k, ok := LookupKind(a.Kind); ok && k.Category == CategoryMedicalDevice {
			s.MedicalDevices++
		}
		if a.EndOfSupport != "" && string(a.EndOfSupport) <= today {
			s.EndOfSupport++
		}
	}
	for i := range m.Links {
		if l := &m.Links[i]; !l.Encrypted && l.Protocol != "ethernet" {
			s.Unencrypted++
		}
	}
	return s
}
