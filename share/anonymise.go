package share

import (
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/wardhealth/ward"
)

// Redacted replaces what is taken out of shared text.
const Redacted = "[redacted]"

var (
	privateIPv4 = regexp.MustCompile(`\b(10\.\d{1,3}|192\.168|172\.(1[6-9]|2\d|3[01]))\.\d{1,3}\.\d{1,3}(/\d{1,2})?\b`)
	macAddress  = regexp.MustCompile(`(?i)\b[0-9a-f]{2}([:-][0-9a-f]{2}){5}\b`)
	email       = regexp.MustCompile(`\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b`)
)

// Anonymiser takes out of shared objects what would identify a hospital,
// its network or its people: its name and id, its assets' ids, names and
// addresses, owners, zone names, and any private address, MAC address or
// e-mail address in any text. It works on every string of every object,
// whatever the property, as a last line of defence behind mappings that
// emit none of these in the first place.
type Anonymiser struct {
	words []string
}

// NewAnonymiser learns the identifying strings of a model.
func NewAnonymiser(m *ward.Model) *Anonymiser {
	set := map[string]bool{}
	add := func(s string) {
		if s = strings.TrimSpace(s); len(s) >= 3 {
			set[s] = true
		}
	}
	add(m.Organisation.ID)
	add(m.Organisation.Name)
	for _, z := range m.Zones {
		add(z.ID)
		add(z.Name)
	}
	for _, a := range m.Assets {
		add(a.ID)
		add(a.Name)
		add(a.Owner)
		for _, addr := range a.Addresses {
			add(addr)
		}
	}
	for _, s := range m.Services {
		add(s.Owner)
	}
	an := &Anonymiser{}
	for w := range set {
		an.words = append(an.words, w)
	}
	// Longest first, so a name is taken out whole before a part of it.
	sort.Slice(an.words, func(i, j int) bool {
		if len(an.words[i]) != len(an.words[j]) {
			return len(an.words[i]) > len(an.words[j])
		}
		return an.words[i] < an.words[j]
	})
	return an
}

// Keep leaves words in what the anonymiser lets through (the assets an
// organisation chose to name).
func (a *Anonymiser) Keep(words ...string) *Anonymiser {
	k := &Anonymiser{}
	for _, w := range a.words {
		if !slices.Contains(words, w) {
			k.words = append(k.words, w)
		}
	}
	return k
}

// Text anonymises one string.
func (a *Anonymiser) Text(s string) string {
	// Addresses first: an e-mail address holds names the words would cut
	// in two.
	s = email.ReplaceAllString(s, Redacted)
	s = privateIPv4.ReplaceAllString(s, Redacted)
	s = macAddress.ReplaceAllString(s, Redacted)
	for _, w := range a.words {
		if strings.Contains(s, w) {
			s = replaceWord(s, w)
		}
	}
	return s
}

// replaceWord replaces w where it stands as a word (not inside a longer
// word, so an asset called "ct" does not change "product").
func replaceWord(s, w string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, w)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := i + len(w)
		if boundary(s, i-1) && boundary(s, end) {
			b.WriteString(s[:i])
			b.WriteString(Redacted)
		} else {
			b.WriteString(s[:end])
		}
		s = s[end:]
	}
}

func boundary(s string, i int) bool {
	if i < 0 || i >= len(s) {
		return true
	}
	c := s[i]
	return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_')
}

// Objects anonymises every string property of the objects (ids and
// references aside: they are STIX ids, not names).
func (a *Anonymiser) Objects(objects []Object) []Object {
	out := make([]Object, len(objects))
	for i, o := range objects {
		o.Labels = a.strings(o.Labels)
		refs := make([]ExternalReference, len(o.ExternalReferences))
		for j, r := range o.ExternalReferences {
			r.Description, r.URL, r.ExternalID = a.Text(r.Description), a.Text(r.URL), a.Text(r.ExternalID)
			refs[j] = r
		}
		o.ExternalReferences = refs
		props := make(map[string]any, len(o.Props))
		for k, v := range o.Props {
			if strings.HasSuffix(k, "_ref") || strings.HasSuffix(k, "_refs") {
				props[k] = v
				continue
			}
			props[k] = a.value(v)
		}
		o.Props = props
		out[i] = o
	}
	return out
}

func (a *Anonymiser) strings(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = a.Text(s)
	}
	return out
}

func (a *Anonymiser) value(v any) any {
	switch x := v.(type) {
	case string:
		return a.Text(x)
	case []string:
		return a.strings(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = a.value(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = a.value(e)
		}
		return out
	}
	return v
}
