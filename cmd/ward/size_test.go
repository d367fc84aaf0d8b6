package main

import "testing"

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"7GiB": 7 << 30, "7gib": 7 << 30, "7G": 7 << 30, "7 GB": 7 << 30, "800MiB": 800 << 20,
		"800": 800 << 20, " 512 ": 512 << 20, "64k": 64 << 10, "2TiB": 2 << 40, "1mb": 1 << 20,
	} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "GiB", "7XB", "-1GiB", "0", "1.5GiB", "7 G i B", "99999999999TiB", "7GiB8"} {
		if got, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) = %d, want an error", in, got)
		}
	}
}
