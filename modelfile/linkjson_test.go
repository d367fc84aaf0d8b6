package modelfile

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/synth"
)

// decodedLike fails unless the one-pass decoder, when it takes raw, gives
// what the general way gives: the keys pass the strict check and
// encoding/json decodes the same link.
func decodedLike(t *testing.T, raw []byte) (taken bool) {
	t.Helper()
	var fast ward.Link
	in := newInterner()
	if !decodeLink(raw, &fast, in) {
		if !reflect.DeepEqual(fast, ward.Link{}) {
			t.Fatalf("declined %q but changed the link: %+v", raw, fast)
		}
		return false
	}
	if _, ok := scanKeys(raw, reflect.TypeFor[ward.Link](), nil, nil); !ok {
		t.Fatalf("took %q, whose keys the general way refuses", raw)
	}
	var slow ward.Link
	if err := json.Unmarshal(raw, &slow); err != nil {
		t.Fatalf("took %q, which encoding/json refuses: %v", raw, err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%q decoded\n %+v\nnot\n %+v", raw, fast, slow)
	}
	return true
}

func TestDecodeLinkTakesPlainLinks(t *testing.T) {
	for _, raw := range []string{
		`{}`,
		` { } `,
		`{"from":"pacs-1","to":"ris","protocol":"dicom","port":104}`,
		`{"id":"l1","from":"a","to":"b","protocol":"https","port":443,"direction":"both","encrypted":true,"authenticated":false,"data":["phi","clinical"],"description":"Überweisung – orders","provenance":"observed"}`,
		"{\n  \"from\": \"a\",\n\t\"to\": \"b\",\r\n  \"data\": [ ]\n}",
		`{"from":"a","to":"b","data":[]}`,
		`{"from":"a","to":"b","port":0}`,
		`{"from":"a","to":"b","port":-0}`,
		`{"from":"a","to":"b","port":-5}`,
		`{"from":"a","to":"b","port":999999999}`,
		`{"from":"","to":""}`,
	} {
		if !decodedLike(t, []byte(raw)) {
			t.Errorf("declined the plain link %s", raw)
		}
	}
	// The links of a generated hospital, as Write writes them, all go
	// the one-pass way.
	m, err := synth.Generate(synth.Options{Assets: 2 * synth.MinAssets, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range m.Links {
		raw, err := json.MarshalIndent(l, "    ", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if !decodedLike(t, raw) {
			t.Fatalf("declined a generated link: %s", raw)
		}
	}
	// Interned: two links naming one asset share its string.
	in := newInterner()
	var a, b ward.Link
	if !decodeLink([]byte(`{"from":"ehr","to":"db","data":["phi"]}`), &a, in) ||
		!decodeLink([]byte(`{"from":"db","to":"ehr","data":["phi"]}`), &b, in) {
		t.Fatal("declined plain links")
	}
	if !sameString(a.From, b.To) || !sameString(string(a.Data[0]), string(b.Data[0])) {
		t.Error("the names the links repeat are not interned")
	}
	// and their lists of data are one, clipped: appending to one copies.
	if &a.Data[0] != &b.Data[0] || cap(a.Data) != len(a.Data) {
		t.Error("the links' lists of data are copies, or not clipped")
	}
	if b.Data = append(b.Data, "images"); a.Data[0] != "phi" || len(a.Data) != 1 {
		t.Error("appending to one link's data changed another's")
	}
	// Lists alike but for where their classes part are two lists.
	one, two := in.data([]ward.DataClass{"phi\x00pii"}), in.data([]ward.DataClass{"phi", "pii"})
	if len(one) != 1 || len(two) != 2 {
		t.Errorf("two lists kept as one: %q, %q", one, two)
	}
}

func TestDecodeLinkLeavesTheRestToTheGeneralWay(t *testing.T) {
	for _, raw := range []string{
		``,
		`[]`,
		`null`,
		`{"from":"a\u0062","to":"b"}`,              // escape
		`{"from":"a\nb","to":"b"}`,                 // escaped control
		"{\"from\":\"a\x01\",\"to\":\"b\"}",        // raw control character
		"{\"from\":\"\xff\",\"to\":\"b\"}",         // invalid UTF-8, replaced by encoding/json
		`{"from":null,"to":"b"}`,                   // null
		`{"from":"a","to":"b","port":1.0}`,         // fraction
		`{"from":"a","to":"b","port":1e2}`,         // exponent
		`{"from":"a","to":"b","port":0443}`,        // leading zero
		`{"from":"a","to":"b","port":1234567890}`,  // ten digits
		`{"from":"a","to":"b","port":"443"}`,       // a string
		`{"from":"a","to":"b","encrypted":"true"}`, // a string
		`{"from":"a","to":"b","data":"phi"}`,       // not a list
		`{"from":"a","to":"b","data":[null]}`,      // null in the list
		`{"from":"a","to":"b","data":["phi",]}`,    // trailing comma
		`{"from":"a","from":"b"}`,                  // twice
		`{"From":"a","to":"b"}`,                    // another case
		`{"from":"a","to":"b","colour":"red"}`,     // unknown
		`{"from":"a","to":"b","sources":[{"tool":"nmap"}]}`,
		`{"from":"a","to":"b",}`,
		`{"from":"a" "to":"b"}`,
		`{"from":"a","to":"b"} x`,
		`{"from":"a","to":"b"`,
		`{"from":"a","to":"b","encrypted":tru}`,
	} {
		if decodedLike(t, []byte(raw)) {
			t.Errorf("took %q, which the general way must decide", raw)
		}
	}
}

// FuzzDecodeLink checks that whatever the one-pass decoder takes, the
// general way would decode the same. Run:
// go test ./modelfile -run XXX -fuzz FuzzDecodeLink
func FuzzDecodeLink(f *testing.F) {
	for _, s := range []string{
		`{"id":"l1","from":"a","to":"b","protocol":"https","port":443,"direction":"both","encrypted":true,"authenticated":true,"data":["phi"],"description":"x","provenance":"declared"}`,
		`{"from":"a","to":"b","port":-0,"data":[]}`,
		`{"from":"a\u0062","to":"b"}`,
		`{"from":"é","to":"b","port":0443}`,
		`{"From":"a","from":"b"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) { decodedLike(t, raw) })
}
