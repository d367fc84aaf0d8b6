package ward

// builtinControls are the controls a model may name on an asset, a zone or
// the organisation without declaring them. The risk catalog links them to the
// threats they mitigate; here they are only a vocabulary.
var builtinControls = []Control{
	// Technical, on assets.
	{"mfa", "Multi-factor authentication", "technical", "Logons need a second factor."},
	{"edr", "Endpoint detection and response", "technical", "An agent that detects and stops malicious activity."},
	{"antimalware", "Anti-malware", "technical", "Signature or behaviour-based malware protection."},
	{"disk-encryption", "Encryption at rest", "technical", "Stored data is encrypted."},
	{"patch-management", "Patch management", "technical", "Security updates are applied on a defined cadence."},
	{"hardening", "Hardening", "technical", "Unneeded services, accounts and ports are removed; secure configuration baseline."},
	{"application-allowlisting", "Application allow-listing", "technical", "Only approved software may run."},
	{"logging", "Security logging", "technical", "Security events are logged and kept."},
	{"offline-backup", "Offline backup", "technical", "An immutable or offline copy that ransomware cannot reach, restore tested."},
	{"backup", "Backup", "technical", "Regular backups, restore tested."},
	{"redundancy", "Redundancy", "technical", "A standby or cluster partner takes over on failure."},
	{"strong-credentials", "No default or shared credentials", "technical", "Default passwords changed; no shared accounts."},
	{"privileged-access-management", "Privileged access management", "technical", "Administrative access brokered, recorded and time-limited."},
	{"secure-remote-access", "Secure remote access", "technical", "Vendor and staff remote access through a monitored, MFA-protected gateway, on demand only."},
	{"device-authentication", "Device authentication", "technical", "Devices prove their identity (certificates, 802.1X)."},
	{"tls", "Transport encryption", "technical", "Connections are encrypted and authenticated (TLS, VPN)."},
	{"sbom", "Software bill of materials", "manufacturer", "The manufacturer supplies an SBOM for the device."},
	{"mds2", "Manufacturer disclosure statement (MDS2)", "manufacturer", "The manufacturer's MDS2 form is on file."},
	{"vendor-patch-support", "Manufacturer patch support", "manufacturer", "The manufacturer validates and ships security patches."},
	{"physical-protection", "Physical protection", "physical", "Locked rooms, tamper-evident casings, port locks."},
	{"ups", "Uninterruptible power", "physical", "Keeps running through a power failure."},
	// Network and zone.
	{"segmentation", "Network segmentation", "technical", "The zone is separated from others and only needed flows are allowed."},
	{"firewall", "Firewall", "technical", "Traffic to and from the zone passes a filtering firewall."},
	{"network-monitoring", "Network monitoring", "technical", "Traffic is monitored for anomalies (IDS, NDR)."},
	{"nac", "Network access control", "technical", "Only known devices may join the network."},
	{"ddos-protection", "DDoS protection", "technical", "Upstream filtering of denial-of-service traffic."},
	{"email-filtering", "E-mail filtering", "technical", "Phishing and malware filtering of e-mail."},
	{"wifi-isolation", "Client isolation", "technical", "Wireless clients cannot reach one another."},
	// Organisational.
	{"asset-inventory", "Asset inventory", "organisational", "All connected assets are known and owned."},
	{"risk-management", "Risk management", "organisational", "Risks are assessed and treated regularly."},
	{"incident-response-plan", "Incident response plan", "organisational", "A tested plan, with contacts to the CSIRT."},
	{"business-continuity-plan", "Business continuity plan", "organisational", "Clinical downtime procedures, tested."},
	{"awareness-training", "Awareness training", "organisational", "Staff are trained against phishing and social engineering."},
	{"access-policy", "Access control policy", "organisational", "Least privilege; joiners, movers and leavers handled."},
	{"supplier-security", "Supplier security", "organisational", "Security requirements in contracts and procurement."},
	{"vulnerability-management", "Vulnerability management", "organisational", "Advisories are watched and matched to the inventory."},
	{"byod-policy", "BYOD policy", "organisational", "Rules and technical controls for personal devices."},
	{"crypto-policy", "Cryptography policy", "organisational", "Rules for encryption and key management."},
	{"security-testing", "Security testing", "organisational", "Penetration tests and audits."},
	{"disaster-recovery-site", "Disaster recovery site", "physical", "A second site can take over."},
	{"fire-protection", "Fire protection", "physical", "Detection and suppression in server and device rooms."},
	{"flood-protection", "Flood protection", "physical", "Equipment is above flood level or protected."},
}

// BuiltinControls returns the controls every model may name.
func BuiltinControls() []Control { return append([]Control(nil), builtinControls...) }
