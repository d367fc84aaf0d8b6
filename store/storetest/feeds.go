package storetest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wardhealth/ward"
)

func feedFile(kind ward.FeedKind, name, data string, imported time.Time) ward.FeedFile {
	return ward.FeedFile{Feed: ward.Feed{Kind: kind, Name: name, Source: "/feeds/" + name, SHA256: "sha-" + data,
		Size: int64(len(data)), Items: len(data), Published: "2025-08-25", Imported: imported}, Data: []byte(data)}
}

// testFeeds: feeds are stored, listed without content, replaced by kind and
// name, read back by kind, and deleted by kind.
func testFeeds(t *testing.T, s ward.Store) {
	ctx := context.Background()
	if got, err := s.Feeds(ctx); err != nil || len(got) != 0 {
		t.Fatalf("empty store: %v, %v", got, err)
	}
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 123_000_000, time.UTC)
	err := s.PutFeeds(ctx, []ward.FeedFile{
		feedFile(ward.FeedKEV, "catalog", "kev-1", t0),
		feedFile(ward.FeedCSAF, "icsma-20-296-02", "advisory-b", t0),
		feedFile(ward.FeedCSAF, "icsma-17-250-02", "advisory-a", t0),
	})
	if err != nil {
		t.Fatal(err)
	}
	// A newer catalog replaces the stored one.
	t1 := t0.Add(24 * time.Hour)
	if err := s.PutFeeds(ctx, []ward.FeedFile{feedFile(ward.FeedKEV, "catalog", "kev-22", t1)}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Feeds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"csaf/icsma-17-250-02", "csaf/icsma-20-296-02", "kev/catalog"}
	if len(got) != len(want) {
		t.Fatalf("feeds %+v, want %v", got, want)
	}
	for i, f := range got {
		if string(f.Kind)+"/"+f.Name != want[i] {
			t.Errorf("feed %d is %s/%s, want %s", i, f.Kind, f.Name, want[i])
		}
	}
	kev := got[2]
	if kev.SHA256 != "sha-kev-22" || kev.Size != 6 || kev.Items != 6 || kev.Published != "2025-08-25" || !kev.Imported.Equal(t1) || kev.Source != "/feeds/catalog" {
		t.Errorf("replaced KEV feed %+v", kev)
	}
	var names []string
	err = s.FeedData(ctx, ward.FeedCSAF, func(f ward.FeedFile) error {
		names = append(names, f.Name+"="+string(f.Data))
		return nil
	})
	if err != nil || len(names) != 2 || names[0] != "icsma-17-250-02=advisory-a" || names[1] != "icsma-20-296-02=advisory-b" {
		t.Errorf("CSAF data %v, %v", names, err)
	}
	stop := errors.New("stop")
	if err := s.FeedData(ctx, ward.FeedCSAF, func(ward.FeedFile) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("FeedData does not pass fn's error back: %v", err)
	}
	// Binary content survives.
	bin := feedFile(ward.FeedEPSS, "scores", "", t0)
	bin.Data = []byte{0x1f, 0x8b, 0, 0xff, 0}
	if err := s.PutFeeds(ctx, []ward.FeedFile{bin}); err != nil {
		t.Fatal(err)
	}
	s.FeedData(ctx, ward.FeedEPSS, func(f ward.FeedFile) error {
		if !bytes.Equal(f.Data, bin.Data) {
			t.Errorf("binary data %x, want %x", f.Data, bin.Data)
		}
		return nil
	})
	if n, err := s.DeleteFeeds(ctx, ward.FeedCSAF); err != nil || n != 2 {
		t.Errorf("delete CSAF: %d, %v", n, err)
	}
	if n, err := s.DeleteFeeds(ctx, ""); err != nil || n != 2 {
		t.Errorf("delete all: %d, %v", n, err)
	}
	if got, _ := s.Feeds(ctx); len(got) != 0 {
		t.Errorf("after delete: %v", got)
	}
}
