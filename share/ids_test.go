package share

import (
	"regexp"
	"testing"
)

// The grammar of STIX types and identifiers as the OASIS schemas write
// it: isType and isID must agree with it on every string.
var (
	schemaID   = regexp.MustCompile(`^[a-z][a-z0-9-]+[a-z0-9]--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$`)
	schemaType = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*-?$`)
)

func FuzzIdentifiers(f *testing.F) {
	for _, s := range []string{
		"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
		"x-hospital-asset--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
		"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
		"ab--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
		"abc---8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
		"abc--8e2e2d2b-17d4-6cbf-938f-98ee46b3cd3f",
		"abc--8e2e2d2b-17d4-4cbf-c38f-98ee46b3cd3f",
		"abc--8E2E2D2B-17D4-4CBF-938F-98EE46B3CD3F",
		"Indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
		"attack-pattern", "x-", "a--b", "-a", "a1-b2-", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := isID(s), schemaID.MatchString(s); got != want {
			t.Errorf("isID(%q) = %v, the schema's pattern says %v", s, got, want)
		}
		if got, want := isType(s), schemaType.MatchString(s); got != want {
			t.Errorf("isType(%q) = %v, the schema's pattern says %v", s, got, want)
		}
	})
}
