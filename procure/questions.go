package procure

// Section is one question group of the MDS2 form of ANSI/NEMA HN 1-2019.
type Section struct {
	Code, Title string
	Questions   []Question
}

// Question is one question of the 2019 form: its id and, in Ward's own
// short words (not the standard's text), what it asks.
type Question struct{ ID, Text string }

// Form2019 lists the 2019 form's question groups and the question ids Ward
// knows, in the order of the form. Ids the list lacks are read all the
// same; the list tells the 2019 form from other workbooks and revisions.
var Form2019 = []Section{
	{"DOC", "Document information", []Question{
		{"DOC-1", "Manufacturer name"}, {"DOC-2", "Device description"}, {"DOC-3", "Device model"},
		{"DOC-4", "Document id"}, {"DOC-5", "Manufacturer contact"}, {"DOC-6", "Intended use in a network-connected environment"},
		{"DOC-7", "Document release date"}, {"DOC-8", "Coordinated vulnerability disclosure programme?"},
		{"DOC-9", "Member of an ISAO?"}, {"DOC-10", "Network or data-flow diagram available?"},
		{"DOC-11", "Software as a medical device?"}}},
	{"MPII", "Management of personally identifiable information", []Question{
		{"MPII-1", "Displays, transmits, stores or modifies PII (ePHI included)?"}, {"MPII-2", "Maintains PII?"},
		{"MPII-2.1", "PII kept temporarily in volatile memory?"}, {"MPII-2.2", "PII stored persistently on local media?"},
		{"MPII-2.3", "PII in a local database?"}, {"MPII-3", "Has mechanisms to store, transmit or import/export PII?"}}},
	{"ALOF", "Automatic logoff", []Question{
		{"ALOF-1", "Forces re-authorisation after a period of inactivity?"}, {"ALOF-2", "Inactivity time configurable?"}}},
	{"AUDT", "Audit controls", []Question{
		{"AUDT-1", "Creates audit logs beyond the operating system's?"}, {"AUDT-1.1", "Audit log records a user id?"},
		{"AUDT-1.2", "Other personally identifiable information in the audit trail?"}, {"AUDT-2", "Are these events recorded:"},
		{"AUDT-2.1", "Successful logon and logoff?"}, {"AUDT-2.2", "Unsuccessful logon?"}, {"AUDT-2.3", "Changes of user privileges?"},
		{"AUDT-4", "Audit log carries a date and time stamp?"}, {"AUDT-5", "Audit log exported off the device?"},
		{"AUDT-6", "Audit log reviewable by the owner/operator?"}, {"AUDT-7", "Audit logs protected from modification?"},
		{"AUDT-8", "Audit logs analysed by the device?"}}},
	{"AUTH", "Authorization", []Question{
		{"AUTH-1", "Prevents access by unauthorised users (logon or other mechanism)?"},
		{"AUTH-1.1", "Federated credential management (LDAP, OAuth)?"}, {"AUTH-1.2", "Customer can push group policies?"},
		{"AUTH-1.3", "Special groups or policies required?"}, {"AUTH-2", "Privilege levels by role?"},
		{"AUTH-3", "Owner/operator can grant unrestricted administrative privileges?"}, {"AUTH-4", "All API access authorised?"},
		{"AUTH-5", "Runs in a restricted (kiosk) mode by default?"}}},
	{"CSUP", "Cyber security product upgrades", []Question{
		{"CSUP-1", "Contains software or firmware that may need security updates?"}, {"CSUP-2", "Contains an operating system?"},
		{"CSUP-2.1", "Documentation for owner/operator installation of patches?"}, {"CSUP-2.2", "Vendor service needed to install patches?"},
		{"CSUP-2.3", "Patches installable remotely?"}, {"CSUP-2.4", "Third-party security updates installable without the manufacturer's approval?"},
		{"CSUP-3", "Contains drivers and firmware?"}, {"CSUP-4", "Contains anti-malware software?"},
		{"CSUP-5", "Contains non-OS commercial off-the-shelf components?"}, {"CSUP-6", "Contains other software components?"},
		{"CSUP-7", "Approved list of third-party software?"}, {"CSUP-8", "Owner/operator can install approved third-party software?"},
		{"CSUP-8.1", "Mechanism preventing installation of unapproved software?"}, {"CSUP-9", "Process to assess vulnerabilities and updates?"},
		{"CSUP-9.1", "Customers told the review and approval status of updates?"}, {"CSUP-9.2", "An update review cycle?"}}},
	{"DIDT", "Health data de-identification", []Question{
		{"DIDT-1", "Integral capability to de-identify PII?"}, {"DIDT-1.1", "DICOM de-identification profiles?"}}},
	{"DTBK", "Data backup and disaster recovery", []Question{
		{"DTBK-1", "Long-term primary storage of PII?"}, {"DTBK-2", "Factory reset function?"},
		{"DTBK-3", "Integral backup to removable media?"}, {"DTBK-4", "Integral backup to remote storage?"},
		{"DTBK-5", "Backup of configuration, patches and software?"}, {"DTBK-6", "Integrity and authenticity of a backup checked?"}}},
	{"EMRG", "Emergency access", []Question{{"EMRG-1", "Emergency (break-glass) access feature?"}}},
	{"IGAU", "Health data integrity and authenticity", []Question{
		{"IGAU-1", "Integrity checking of stored health data?"}, {"IGAU-2", "Error and failure protection for stored health data?"}}},
	{"MLDP", "Malware detection/protection", []Question{
		{"MLDP-1", "Capable of hosting executable software?"}, {"MLDP-2", "Supports anti-malware software?"},
		{"MLDP-2.1", "Anti-malware included by default?"}, {"MLDP-2.2", "Anti-malware available as an option?"},
		{"MLDP-2.3", "Owner/operator may install or update anti-malware?"}, {"MLDP-2.4", "Owner/operator can configure anti-malware?"},
		{"MLDP-2.5", "Malware detection shown in the user interface?"}, {"MLDP-2.6", "Only manufacturer-authorised repair after malware?"},
		{"MLDP-2.7", "Malware notifications logged?"}, {"MLDP-2.8", "Restrictions on anti-malware?"},
		{"MLDP-3", "Compensating controls where anti-malware cannot be installed?"}, {"MLDP-4", "Application allow-listing?"},
		{"MLDP-5", "Host-based intrusion detection or prevention?"}}},
	{"NAUT", "Node authentication", []Question{
		{"NAUT-1", "Node authentication of sender and recipient?"}, {"NAUT-2", "Network access control (host firewall, allow-list)?"},
		{"NAUT-2.1", "Firewall rule set documented?"}, {"NAUT-3", "Certificate-based connection authentication?"}}},
	{"CONN", "Connectivity capabilities", []Question{
		{"CONN-1", "Hardware connectivity?"}, {"CONN-1.1", "Wireless connections?"}, {"CONN-1.1.1", "Wi-Fi?"},
		{"CONN-1.1.2", "Bluetooth?"}, {"CONN-1.1.3", "Other wireless (e.g. 4G)?"}, {"CONN-1.2", "Physical connections?"},
		{"CONN-1.2.1", "Ethernet ports?"}, {"CONN-1.2.2", "USB ports?"}, {"CONN-1.2.3", "Removable memory?"},
		{"CONN-2", "Communicates with systems within the customer environment?"},
		{"CONN-3", "Communicates with systems outside the customer environment (e.g. a service host)?"},
		{"CONN-4", "Makes or receives API calls?"}, {"CONN-5", "Needs an Internet connection for its intended use?"},
		{"CONN-6", "Supports TLS?"}, {"CONN-6.1", "TLS configurable?"}, {"CONN-7", "Operator control from a separate device?"}}},
	{"PAUT", "Person authentication", []Question{
		{"PAUT-1", "Unique ids and passwords for all users and roles, service accounts included?"},
		{"PAUT-1.1", "Authentication of unique ids enforced?"}, {"PAUT-2", "External authentication service (AD, LDAP, OAuth)?"},
		{"PAUT-3", "Lock-out after unsuccessful logons?"}, {"PAUT-4", "All default accounts documented?"},
		{"PAUT-5", "All passwords changeable?"}, {"PAUT-6", "Password complexity rules enforceable?"},
		{"PAUT-7", "Passwords expire periodically?"}, {"PAUT-8", "Multi-factor authentication?"},
		{"PAUT-9", "Single sign-on?"}, {"PAUT-10", "Accounts can be disabled or locked?"}, {"PAUT-11", "Biometric controls?"},
		{"PAUT-12", "Physical tokens (badges)?"}, {"PAUT-13", "Group authentication?"},
		{"PAUT-14", "Stores or manages authentication credentials?"}, {"PAUT-14.1", "Credentials stored securely?"}}},
	{"PLOK", "Physical locks", []Question{
		{"PLOK-1", "Software only?"}, {"PLOK-2", "Components with PII physically secure (not removable without tools)?"},
		{"PLOK-3", "Components with PII behind an individually keyed lock?"}, {"PLOK-4", "Option to lock removable media?"}}},
	{"RDMP", "Roadmap for third-party components in the device life cycle", []Question{
		{"RDMP-1", "Secure software development process followed?"}, {"RDMP-2", "Third-party components evaluated for secure development?"},
		{"RDMP-3", "Published source of software support dates and updates?"}, {"RDMP-4", "Plan for third-party component end of life?"}}},
	{"SBOM", "Software bill of materials", []Question{
		{"SBOM-1", "SBOM available?"}, {"SBOM-2", "SBOM in a standard format?"}, {"SBOM-2.1", "Components identified?"},
		{"SBOM-2.2", "Component suppliers identified?"}, {"SBOM-2.3", "Component versions identified?"},
		{"SBOM-2.4", "Other descriptive elements?"}, {"SBOM-3", "Command to list installed components?"},
		{"SBOM-4", "Update process for the SBOM?"}}},
	{"SAHD", "System and application hardening", []Question{
		{"SAHD-1", "Hardened to an industry standard?"}, {"SAHD-2", "Cybersecurity certifications?"},
		{"SAHD-3", "Software integrity checking?"}, {"SAHD-3.1", "Installed software checked as manufacturer-authorised?"},
		{"SAHD-3.2", "Updates checked as manufacturer-authorised?"}, {"SAHD-4", "Owner/operator can check software integrity?"},
		{"SAHD-5", "File- or patient-level access controls?"}, {"SAHD-5.1", "Role-based access controls?"},
		{"SAHD-6", "Accounts restricted or disabled on delivery?"}, {"SAHD-6.1", "Accounts configurable after installation?"},
		{"SAHD-6.2", "Service accounts restricted to least privilege?"}, {"SAHD-7", "Unneeded shared resources disabled?"},
		{"SAHD-8", "Unneeded ports and protocols disabled?"}, {"SAHD-9", "Unneeded services disabled?"},
		{"SAHD-10", "Unneeded applications disabled?"}, {"SAHD-11", "Boot from removable media prevented?"},
		{"SAHD-12", "Unauthorised software or hardware installable without tools?"},
		{"SAHD-13", "Documentation on network security scanning?"}, {"SAHD-14", "Can be hardened beyond the default?"},
		{"SAHD-14.1", "Hardening instructions available?"}, {"SAHD-15", "Access to BIOS or boot loader prevented?"},
		{"SAHD-16", "Other hardening methods used?"}}},
	{"SGUD", "Security guidance", []Question{
		{"SGUD-1", "Security documentation for the owner/operator?"}, {"SGUD-2", "Permanent deletion of data supported and documented?"},
		{"SGUD-3", "All accounts documented?"}, {"SGUD-3.1", "Owner/operator can manage passwords of all accounts?"},
		{"SGUD-4", "Recommended compensating controls documented?"}}},
	{"STCF", "Health data storage confidentiality", []Question{
		{"STCF-1", "Encrypts data at rest?"}, {"STCF-1.1", "All data encrypted?"}, {"STCF-1.2", "Encryption on by default?"},
		{"STCF-1.3", "Instructions to configure encryption?"}, {"STCF-2", "Encryption keys changeable?"},
		{"STCF-3", "Data in a database on the device?"}, {"STCF-4", "Data in a database outside the device?"}}},
	{"TXCF", "Transmission confidentiality", []Question{
		{"TXCF-1", "PII transmitted only over a point-to-point cable?"}, {"TXCF-2", "PII encrypted before transmission?"},
		{"TXCF-2.1", "Encryption configurable where not on by default?"}, {"TXCF-3", "PII sent only to a fixed list of destinations?"},
		{"TXCF-4", "Connections limited to authenticated systems?"}, {"TXCF-5", "Secure transmission methods (DICOM, HL7, IEEE 11073)?"}}},
	{"TXIG", "Transmission integrity", []Question{
		{"TXIG-1", "Mechanism ensuring data is not modified in transmission?"}, {"TXIG-2", "Sub-components connected by external cables?"}}},
	{"RMOT", "Remote service", []Question{
		{"RMOT-1", "Permits remote service connections?"}, {"RMOT-1.1", "Owner/operator starts remote sessions?"},
		{"RMOT-1.2", "Indicator of an active remote session?"}, {"RMOT-1.3", "Patient data accessible during a remote session?"},
		{"RMOT-2", "Remote connections for predictive maintenance?"}, {"RMOT-3", "Other remotely accessible functions?"}}},
}

var known2019 = func() map[string]string {
	m := map[string]string{}
	for _, s := range Form2019 {
		for _, q := range s.Questions {
			m[q.ID] = q.Text
		}
	}
	return m
}()
