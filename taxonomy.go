package ward

import "sort"

// AssetKind is what an asset is, from Ward's eHealth taxonomy (see Kinds).
type AssetKind string

// Enum lists the asset kinds; the slice is shared and must not be changed.
func (AssetKind) Enum() []string { return kindIDs }

var kindIDs = func() []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = string(k.ID)
	}
	return out
}()

// Category groups asset kinds.
type Category string

// The categories of the taxonomy.
const (
	CategoryClinicalSystem  Category = "clinical-system"
	CategoryMedicalDevice   Category = "medical-device"
	CategoryRemoteCare      Category = "remote-care"
	CategoryMobile          Category = "mobile"
	CategoryIdentification  Category = "identification"
	CategoryBuilding        Category = "building-system"
	CategoryIdentity        Category = "identity"
	CategoryCloud           Category = "cloud-service"
	CategoryNetwork         Category = "network-device"
	CategoryEndpoint        Category = "endpoint"
	CategoryInfrastructure  Category = "infrastructure"
	CategoryExternalService Category = "external-service"
)

// Kind describes one asset kind: its category and the criticality an asset
// of that kind has when the model does not rate it.
type Kind struct {
	ID          AssetKind   `json:"id"`
	Category    Category    `json:"category"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Default     Criticality `json:"default_criticality"`
}

func crit(safety, avail, conf, integ Level) Criticality {
	return Criticality{Safety: safety, Availability: avail, Confidentiality: conf, Integrity: integ}
}

// kinds is the eHealth asset taxonomy, after ENISA's smart-hospital asset
// groups (clinical information systems, networked medical devices, remote
// care, mobile clients, identification systems, building systems,
// networking, interconnected clinical systems and cloud).
var kinds = []Kind{
	// Clinical information systems.
	{"ehr", CategoryClinicalSystem, "Electronic health record", "The patient record: notes, orders, results, medication.", crit("high", "critical", "critical", "critical")},
	{"his", CategoryClinicalSystem, "Hospital information system", "Admission, transfer, discharge, scheduling, billing.", crit("medium", "high", "high", "high")},
	{"eprescription", CategoryClinicalSystem, "ePrescription", "Prescribing and dispensing, often linked to a national service.", crit("high", "high", "high", "critical")},
	{"pacs", CategoryClinicalSystem, "Picture archiving and communication system", "Stores and serves medical images (DICOM).", crit("medium", "high", "high", "high")},
	{"lis", CategoryClinicalSystem, "Laboratory information system", "Lab orders, specimens and results.", crit("high", "high", "high", "critical")},
	{"ris", CategoryClinicalSystem, "Radiology information system", "Radiology orders, worklists and reports.", crit("medium", "high", "high", "high")},
	{"pharmacy", CategoryClinicalSystem, "Pharmacy system", "Drug stock, dispensing cabinets, drug libraries.", crit("high", "high", "medium", "critical")},
	{"integration-engine", CategoryClinicalSystem, "Integration engine", "Routes HL7 and FHIR messages between clinical systems.", crit("medium", "critical", "high", "high")},
	{"clinical-app", CategoryClinicalSystem, "Other clinical application", "Any other clinical software (anaesthesia records, ICU charting, ...).", crit("medium", "high", "high", "high")},
	// Networked medical devices.
	{"infusion-pump", CategoryMedicalDevice, "Infusion pump", "Delivers fluids and drugs; a networked pump takes drug libraries and orders.", crit("critical", "high", "low", "critical")},
	{"patient-monitor", CategoryMedicalDevice, "Patient monitor", "Vital signs at the bedside and at the central station.", crit("critical", "critical", "medium", "critical")},
	{"ventilator", CategoryMedicalDevice, "Ventilator", "Life support: breathing.", crit("critical", "critical", "low", "critical")},
	{"anaesthesia-machine", CategoryMedicalDevice, "Anaesthesia machine", "Anaesthesia delivery in theatres.", crit("critical", "critical", "low", "critical")},
	{"imaging-modality", CategoryMedicalDevice, "Imaging modality", "CT, MRI, X-ray, ultrasound, nuclear medicine.", crit("high", "high", "high", "high")},
	{"imaging-workstation", CategoryMedicalDevice, "Imaging workstation", "Viewing and reporting station for a modality or PACS.", crit("medium", "high", "high", "high")},
	{"lab-analyser", CategoryMedicalDevice, "Laboratory analyser", "Blood gas, chemistry, haematology analysers.", crit("high", "high", "medium", "critical")},
	{"dialysis-machine", CategoryMedicalDevice, "Dialysis machine", "Haemodialysis.", crit("critical", "high", "low", "critical")},
	{"defibrillator", CategoryMedicalDevice, "Defibrillator", "External defibrillators and their data stations.", crit("critical", "high", "low", "critical")},
	{"implant-programmer", CategoryMedicalDevice, "Implantable-device programmer", "Programs and reads pacemakers, ICDs, neurostimulators.", crit("critical", "medium", "medium", "critical")},
	{"medical-device", CategoryMedicalDevice, "Other medical device", "Any other networked medical device.", crit("high", "high", "medium", "high")},
	// Remote care.
	{"remote-care", CategoryRemoteCare, "Remote patient monitoring platform", "Collects readings from patients at home.", crit("high", "high", "high", "high")},
	{"telemedicine", CategoryRemoteCare, "Telemedicine service", "Video consultations and tele-expertise.", crit("medium", "medium", "high", "medium")},
	{"wearable", CategoryRemoteCare, "Wearable or home medical device", "Sensors worn by or used by patients: glucose, ECG, pulse oximetry.", crit("high", "medium", "high", "high")},
	// Mobile clients.
	{"mobile-client", CategoryMobile, "Mobile client", "Clinicians' smartphones and tablets, mobile carts.", crit("low", "medium", "high", "medium")},
	// Identification systems.
	{"identification", CategoryIdentification, "Identification system", "RFID readers, patient wristbands, staff badges.", crit("medium", "medium", "medium", "high")},
	// Building systems.
	{"hvac", CategoryBuilding, "Heating, ventilation, air conditioning", "Including operating-theatre and isolation-room air handling.", crit("high", "high", "none", "high")},
	{"bms", CategoryBuilding, "Building management system", "Supervises building systems.", crit("high", "high", "low", "high")},
	{"nurse-call", CategoryBuilding, "Nurse call", "Patients' calls for help.", crit("high", "critical", "low", "high")},
	{"rtls", CategoryBuilding, "Real-time location system", "Tracks equipment, staff or patients.", crit("low", "medium", "medium", "medium")},
	{"access-control", CategoryBuilding, "Physical access control", "Doors, locks, badge readers' controllers.", crit("medium", "high", "medium", "high")},
	{"power-supply", CategoryBuilding, "Power supply", "UPS, generators and their controllers.", crit("critical", "critical", "none", "high")},
	{"medical-gas", CategoryBuilding, "Medical gas system", "Oxygen and vacuum supply monitoring.", crit("critical", "critical", "none", "critical")},
	{"building-system", CategoryBuilding, "Other building system", "Lifts, lighting, pneumatic tubes, ...", crit("medium", "medium", "none", "medium")},
	// Identity.
	{"directory", CategoryIdentity, "Directory", "Active Directory, LDAP: who may log on where.", crit("medium", "critical", "high", "critical")},
	{"identity-provider", CategoryIdentity, "Identity provider", "Single sign-on, MFA, certificate authority.", crit("medium", "critical", "high", "critical")},
	// Cloud.
	{"cloud-service", CategoryCloud, "Cloud service", "SaaS, IaaS or PaaS used by the hospital.", crit("low", "high", "high", "high")},
	// Network devices.
	{"switch", CategoryNetwork, "Switch", "", crit("medium", "critical", "low", "high")},
	{"router", CategoryNetwork, "Router", "", crit("medium", "critical", "low", "high")},
	{"firewall", CategoryNetwork, "Firewall", "", crit("medium", "critical", "medium", "critical")},
	{"wireless-controller", CategoryNetwork, "Wireless controller or access point", "", crit("medium", "high", "medium", "high")},
	{"vpn-gateway", CategoryNetwork, "VPN gateway", "Remote access for staff or vendors.", crit("medium", "high", "high", "critical")},
	{"network-device", CategoryNetwork, "Other network device", "", crit("low", "high", "low", "medium")},
	// Endpoints and infrastructure.
	{"workstation", CategoryEndpoint, "Workstation", "Staff desktops and laptops.", crit("low", "medium", "high", "medium")},
	{"printer", CategoryEndpoint, "Printer", "Printers and label printers (wristbands, specimens).", crit("low", "medium", "medium", "medium")},
	{"unknown", CategoryEndpoint, "Unidentified device", "Seen on the network but not identified yet: review it and give it its kind.", crit("medium", "medium", "medium", "medium")},
	{"server", CategoryInfrastructure, "Server", "A server not covered by a more specific kind.", crit("low", "high", "high", "high")},
	{"database", CategoryInfrastructure, "Database", "", crit("medium", "high", "critical", "critical")},
	{"backup", CategoryInfrastructure, "Backup system", "Backup servers, storage and media.", crit("medium", "high", "critical", "critical")},
	{"hypervisor", CategoryInfrastructure, "Hypervisor", "Hosts virtual servers.", crit("medium", "critical", "high", "critical")},
	{"storage", CategoryInfrastructure, "Storage", "SAN and NAS.", crit("medium", "critical", "high", "critical")},
	// External services the hospital connects to but does not run.
	{"external-service", CategoryExternalService, "External service", "A partner's or the state's service: national ePrescription, insurers, registries.", crit("medium", "high", "high", "high")},
}

var kindIndex = func() map[AssetKind]int {
	m := make(map[AssetKind]int, len(kinds))
	for i, k := range kinds {
		m[k.ID] = i
	}
	return m
}()

// Kinds returns the asset taxonomy in its documented order.
func Kinds() []Kind { return append([]Kind(nil), kinds...) }

// LookupKind returns the taxonomy entry of an asset kind.
func LookupKind(id AssetKind) (Kind, bool) {
	i, ok := kindIndex[id]
	if !ok {
		return Kind{}, false
	}
	return kinds[i], true
}

// KindsIn returns the kinds of a category, sorted by id.
func KindsIn(c Category) []AssetKind {
	var out []AssetKind
	for _, k := range kinds {
		if k.Category == c {
			out = append(out, k.ID)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
