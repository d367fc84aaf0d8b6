package ward_test

import (
	"encoding/json"
	"testing"

	"github.com/wardhealth/ward"
)

// A link's notes are behind a pointer; encoded, they are in their places
// among its fields, and absent notes are absent keys.
func TestLinkNotesEncodeInPlace(t *testing.T) {
	l := ward.Link{ID: "l1", From: "a", To: "b", Protocol: "https", Port: 443, Data: []ward.DataClass{"phi"},
		LinkNotes: &ward.LinkNotes{Description: "orders", Provenance: "passive", Sources: []ward.Source{{Attribute: "protocol", Origin: "pcap"}}}}
	b, err := json.Marshal(&l)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"l1","from":"a","to":"b","protocol":"https","port":443,"data":["phi"],"description":"orders","provenance":"passive","sources":[{"attribute":"protocol","source":"pcap"}]}`
	if string(b) != want {
		t.Fatalf("encoded\n%s\nwant\n%s", b, want)
	}
	var back ward.Link
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if n := back.Notes(); n.Description != "orders" || n.Provenance != "passive" || len(n.Sources) != 1 {
		t.Fatalf("decoded notes %+v", n)
	}
	plain := ward.Link{From: "a", To: "b", Protocol: "https"}
	if b, _ := json.Marshal(&plain); string(b) != `{"from":"a","to":"b","protocol":"https"}` {
		t.Fatalf("a link without notes encoded as %s", b)
	}
	if n := plain.Notes(); n.Description != "" || n.Provenance != "" || n.Sources != nil {
		t.Fatalf("notes of a link without any: %+v", n)
	}
}

// Copies of a link share their notes until one is annotated: writing
// through Annotate never changes another copy.
func TestLinkAnnotateCopiesNotes(t *testing.T) {
	orig := ward.Link{From: "a", To: "b", LinkNotes: &ward.LinkNotes{Description: "before"}}
	cp := orig
	cp.Annotate().Description = "after"
	if orig.Notes().Description != "before" || cp.Notes().Description != "after" {
		t.Fatalf("original %q, copy %q", orig.Notes().Description, cp.Notes().Description)
	}
	var bare ward.Link
	bare.Annotate().Provenance = ward.ProvenancePlanned
	if bare.Notes().Provenance != ward.ProvenancePlanned {
		t.Fatalf("annotating a link without notes: %+v", bare.Notes())
	}
}
