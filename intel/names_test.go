package intel

import "testing"

// TestVendorKey: the names hospitals' inventories give one provider or
// maker count as one.
func TestVendorKey(t *testing.T) {
	for _, c := range [][2]string{
		{"Philips", "philips"}, {"Philips Medical Systems", "philips"}, {"Koninklijke Philips N.V.", "philips"},
		{"Pathology Partners", "pathology-partners"}, {"Pathology Partners LLP", "pathology-partners"}, {"PATHOLOGY PARTNERS", "pathology-partners"},
		{"Amazon Web Services", "amazon-web-services"}, {"CarrierNet", "carriernet"}, {"Medical Systems", "medical-systems"}, {"", ""},
	} {
		if got := VendorKey(c[0]); got != c[1] {
			t.Errorf("VendorKey(%q) = %q, want %q", c[0], got, c[1])
		}
	}
}
