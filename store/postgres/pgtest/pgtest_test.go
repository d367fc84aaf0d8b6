package pgtest

import (
	"net/url"
	"testing"
)

// The schema is set in the URL's query whether or not it has one.
func TestWithSchema(t *testing.T) {
	for _, u := range []string{
		"postgres://postgres@127.0.0.1:5432/somedb",
		"postgres://postgres@127.0.0.1:5432/somedb?sslmode=disable",
		"postgresql://u:p%40ss@db.example:5433/ward?sslmode=require&search_path=old",
	} {
		got, err := WithSchema(u, "ward_test_1")
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		p, err := url.Parse(got)
		if err != nil {
			t.Fatalf("%s gives %s: %v", u, got, err)
		}
		in, _ := url.Parse(u)
		if p.Query().Get("search_path") != "ward_test_1" || p.Path != in.Path || p.Host != in.Host || p.User.String() != in.User.String() {
			t.Errorf("%s gives %s", u, got)
		}
		if in.Query().Has("sslmode") && p.Query().Get("sslmode") != in.Query().Get("sslmode") {
			t.Errorf("%s loses sslmode: %s", u, got)
		}
	}
	for _, bad := range []string{"mysql://x/y", "::"} {
		if _, err := WithSchema(bad, "s"); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
