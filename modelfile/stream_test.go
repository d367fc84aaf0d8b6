package modelfile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/synth"
)

// readBoth reads data as a file (streamed) and from memory (Parse), and
// fails unless both give the same model or the same errors.
func readBoth(t testing.TB, name string, data []byte, lim Limits) (*ward.Model, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	streamed, serr := Load(path, lim)
	whole, werr := Parse(path, data, lim)
	if (serr == nil) != (werr == nil) {
		t.Fatalf("streamed: %v\nwhole: %v", serr, werr)
	}
	if serr != nil {
		if serr.Error() != werr.Error() {
			t.Fatalf("errors differ:\nstreamed: %v\nwhole:    %v", serr, werr)
		}
		return nil, serr
	}
	a, _ := json.Marshal(streamed)
	b, _ := json.Marshal(whole)
	if !bytes.Equal(a, b) {
		t.Fatalf("streamed model differs from the whole file's")
	}
	return streamed, nil
}

// streamed reports whether stream takes the file itself, without the
// general path.
func streamed(t testing.TB, name string, data []byte) bool {
	t.Helper()
	_, ok, _, err := stream(context.Background(), name, bytes.NewReader(data), DefaultLimits, nil)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// Generated hospitals, the demo and every kind of list read the same
// streamed and whole, and a valid file is taken by streaming itself, in
// pieces of every size.
func TestStreamMatchesParse(t *testing.T) {
	defer func(c, b int) { streamChunk, batchItems = c, b }(streamChunk, batchItems)
	dm, err := synth.Generate(synth.Options{Assets: 150, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	gm, err := synth.Generate(synth.Options{Assets: 800, Seed: 4}) // over 256 KiB of YAML: several pieces at the default size
	if err != nil {
		t.Fatal(err)
	}
	for _, chunk := range []int{64, 4 << 10, yamlChunk} {
		streamChunk = chunk
		batchItems = max(1, chunk/64) // JSON items decoded in batches of 1, 64 and 4,096
		models := []*ward.Model{dm, gm}
		if chunk < 4<<10 {
			models = models[:1] // thousands of pieces of the small one are enough
		}
		for i, m := range models {
			for _, f := range []Format{YAML, JSON} {
				var buf bytes.Buffer
				if err := Write(&buf, m, f); err != nil {
					t.Fatal(err)
				}
				name := "h." + string(f)
				if _, err := readBoth(t, name, buf.Bytes(), DefaultLimits); err != nil {
					t.Fatalf("model %d %s chunk %d: %v", i, f, chunk, err)
				}
				if !streamed(t, name, buf.Bytes()) {
					t.Errorf("model %d %s chunk %d: streaming gave up on a valid file", i, f, chunk)
				}
			}
		}
	}
}

// Every problem of the error tests is reported from a file, streamed, as
// from memory, at the same place: streaming gives up and the general path
// explains.
func TestStreamErrorsArePositioned(t *testing.T) {
	defer func(c, b int) { streamChunk, batchItems = c, b }(streamChunk, batchItems)
	streamChunk = 64 // cut the small file into many pieces
	batchItems = 7   // and its JSON lists into many batches, decoded side by side
	for _, f := range []Format{YAML, JSON} {
		data, m := generated(t, 120, 2, f)
		good := string(data)
		zone := `zone: ` + m.Assets[100].Zone
		protocol := `protocol: ` + string(m.Links[250].Protocol)
		if f == JSON {
			zone = `"zone": "` + m.Assets[100].Zone + `"`
			protocol = `"protocol": "` + string(m.Links[250].Protocol) + `"`
		}
		for name, bad := range map[string]string{
			"unknown zone":     replaceNth(good, zone, strings.Replace(zone, m.Assets[100].Zone, "nowhere", 1), strings.Count(good[:strings.Index(good, "links")], zone)-1),
			"bad protocol":     replaceNth(good, protocol, strings.Replace(protocol, string(m.Links[250].Protocol), "smtp", 1), strings.Count(good, protocol)-1),
			"duplicate key":    strings.Replace(good, zone, zone+map[Format]string{YAML: "\n    zone: dmz", JSON: `, "zone": "dmz"`}[f], 1),
			"unknown field":    strings.Replace(good, zone, zone+map[Format]string{YAML: "\n    colour: red", JSON: `, "colour": "red"`}[f], 1),
			"truncated":        good[:len(good)*2/3] + map[Format]string{YAML: "\n  - {id: [", JSON: ""}[f],
			"duplicate id":     strings.Replace(good, m.Assets[7].ID, m.Assets[6].ID, 1),
			"trailing garbage": good + map[Format]string{YAML: "---\nward: 1\n", JSON: "{}"}[f],
		} {
			t.Run(string(f)+"/"+name, func(t *testing.T) {
				data := []byte(bad)
				if _, err := readBoth(t, "h."+string(f), data, DefaultLimits); err == nil {
					t.Fatal("accepted")
				}
				if _, ok := AsErrors(func() error { _, err := readBoth(t, "h."+string(f), data, DefaultLimits); return err }()); !ok {
					t.Fatal("error without position")
				}
			})
		}
	}
}

// replaceNth replaces the n-th (from 0) occurrence of old.
func replaceNth(s, old, new string, n int) string {
	i := 0
	for range n {
		j := strings.Index(s[i:], old)
		if j < 0 {
			return s
		}
		i += j + len(old)
	}
	j := strings.Index(s[i:], old)
	if j < 0 {
		return s
	}
	return s[:i+j] + new + s[i+j+len(old):]
}

// The size budget is checked while streaming, as for a file read whole.
func TestStreamBudget(t *testing.T) {
	data, _ := generated(t, 200, 2, JSON)
	buf := bytes.NewBuffer(data)
	lim := DefaultLimits
	lim.MaxBytes = int64(buf.Len() / 2)
	// Stat refuses a file at once; a reader that is not a file is
	// refused as it is read.
	path := filepath.Join(t.TempDir(), "h.json")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path, lim)
	if err == nil || !strings.Contains(err.Error(), "larger than the") {
		t.Fatalf("got %v", err)
	}
	_, _, _, err = stream(context.Background(), "h.json", buf, lim, nil)
	if es, ok := AsErrors(err); !ok || len(es) != 1 || !strings.Contains(es[0].Message, "larger than the") {
		t.Fatalf("streaming past the budget: %v", err)
	}
}

// Interning: the assets' kinds, zones and vendors, and the ids the links
// name, are one string each however many assets repeat them.
func TestStreamInterns(t *testing.T) {
	for _, f := range []Format{YAML, JSON} {
		data, _ := generated(t, 2000, 3, f)
		m, err := readBoth(t, "h."+string(f), data, DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		byZone := map[string]string{}
		byID := map[string]string{}
		shared := 0
		for _, a := range m.Assets {
			byID[a.ID] = a.ID
			if z, ok := byZone[a.Zone]; ok {
				if !sameString(z, a.Zone) {
					t.Fatalf("%s: zone %q of asset %s is a copy", f, a.Zone, a.ID)
				}
				shared++
			}
			byZone[a.Zone] = a.Zone
		}
		lists := map[string]*ward.DataClass{}
		for _, l := range m.Links {
			if id, ok := byID[l.From]; ok && !sameString(id, l.From) {
				t.Fatalf("%s: link from %s holds a copy of the asset's id", f, l.From)
			}
			if len(l.Data) == 0 {
				continue
			}
			key := fmt.Sprint(l.Data)
			if first, ok := lists[key]; ok && first != &l.Data[0] {
				t.Fatalf("%s: link %s -> %s holds a copy of the list %v", f, l.From, l.To, l.Data)
			}
			lists[key] = &l.Data[0]
		}
		if len(lists) == 0 {
			t.Fatalf("%s: no link carries data: the case tells nothing of their lists", f)
		}
		if shared < len(m.Assets)/2 {
			t.Fatalf("%s: only %d assets share a zone", f, shared)
		}
	}
}

// generated is a generated hospital written as a model file.
func generated(t testing.TB, assets int, seed uint64, f Format) ([]byte, *ward.Model) {
	t.Helper()
	m, err := synth.Generate(synth.Options{Assets: assets, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, m, f); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), m
}

func sameString(a, b string) bool {
	return len(a) == len(b) && (len(a) == 0 || unsafe.StringData(a) == unsafe.StringData(b))
}

// fewOfEach is m with its first n assets, the zones they are in, the links
// between them and the services that depend on them only.
func fewOfEach(m *ward.Model, n int) *ward.Model {
	out := *m
	out.Assets = slices.Clone(m.Assets[:n])
	kept := map[string]bool{}
	zones := map[string]bool{}
	for _, a := range out.Assets {
		kept[a.ID], zones[a.Zone] = true, true
	}
	out.Zones = nil
	for _, z := range m.Zones {
		if zones[z.ID] {
			out.Zones = append(out.Zones, z)
		}
	}
	out.Links = nil
	for _, l := range m.Links {
		if kept[l.From] && kept[l.To] {
			out.Links = append(out.Links, l)
		}
	}
	out.Services = nil
	for _, sv := range m.Services {
		if len(sv.DependsOn) > 0 && !slices.ContainsFunc(sv.DependsOn, func(id string) bool { return !kept[id] }) {
			out.Services = append(out.Services, sv)
		}
	}
	out.Rules = nil
	return &out
}

// FuzzStream feeds the streaming reader arbitrary files, cut into small
// pieces: it must never panic or hang, and whatever it takes must be what
// reading the file whole gives; what it gives up on goes to the general
// path, as TestStreamErrorsArePositioned checks. Run:
// go test ./modelfile -run XXX -fuzz FuzzStream -fuzzminimizetime 50x
func FuzzStream(f *testing.F) {
	// Seeds are a generated hospital cut to a few of each item: every
	// section and list, each item over several pieces, but small, because
	// the engine spends a minute minimising each input that finds new
	// code, and minimising a whole hospital's 70 KB left it no time to
	// run anything else.
	_, whole := generated(f, synth.MinAssets, 1, YAML)
	cut := fewOfEach(whole, 4)
	for _, format := range []Format{YAML, JSON} {
		var buf bytes.Buffer
		if err := Write(&buf, cut, format); err != nil {
			f.Fatal(err)
		}
		if _, err := Parse("seed."+string(format), buf.Bytes(), DefaultLimits); err != nil {
			f.Fatalf("the cut hospital is not a valid model: %v", err)
		}
		f.Add(buf.Bytes(), format == JSON)
	}
	f.Add([]byte("ward: 1\norganisation: &o {id: a, name: b}\nzones: [{<<: *o, kind: dmz, trust: low}]\n"), false)
	f.Add([]byte("ward: 1\nzones:\n  - &z {id: z, kind: dmz, trust: low}\n  - *z\nassets:\n- id: a\n  kind: ehr\n  zone: z\n"), false)
	f.Add([]byte(`{"ward":1,"organisation":{"id":"a","name":"b"},"assets":[{"id":"x","kind":"ehr","zone":"z"}],"links":null}`), true)
	lim := Limits{MaxBytes: 1 << 20, MaxDepth: 32, MaxAliasNodes: 10_000}
	defer func(c int) { streamChunk = c }(streamChunk)
	streamChunk = 48
	f.Fuzz(func(t *testing.T, data []byte, asJSON bool) {
		name := "fuzz.yaml"
		if asJSON {
			name = "fuzz.json"
		}
		m, ok, _, err := stream(context.Background(), name, bytes.NewReader(data), lim, nil)
		if err != nil {
			t.Fatalf("streaming failed where the general path would explain: %v", err)
		}
		if !ok {
			return
		}
		whole, err := Parse(name, data, lim)
		if err != nil {
			t.Fatalf("streaming took a file the general path refuses: %v", err)
		}
		a, _ := json.Marshal(m)
		b, _ := json.Marshal(whole)
		if !bytes.Equal(a, b) {
			t.Fatalf("streamed model differs from the whole file's:\n%s\n%s", a, b)
		}
	})
}

// BenchmarkLoad measures reading a generated hospital from a file,
// streamed. Run: go test ./modelfile -run XXX -bench Load -benchmem
func BenchmarkLoad(b *testing.B) {
	for _, f := range []Format{YAML, JSON} {
		data, _ := generated(b, 10_000, 1, f)
		path := filepath.Join(b.TempDir(), "h."+string(f))
		if err := os.WriteFile(path, data, 0o600); err != nil {
			b.Fatal(err)
		}
		b.Run(string(f), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Load(path, DefaultLimits); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// A file too large to read again whole is not: its problems are reported
// as streaming found them, a decoding problem at its place, a validation
// problem by its field.
func TestStreamLargeFileProblems(t *testing.T) {
	defer func(c int, w int64) { streamChunk, explainWhole = c, w }(streamChunk, explainWhole)
	streamChunk, explainWhole = 4<<10, 1<<10
	data, m := generated(t, 400, 5, YAML)
	good := string(data)
	path := filepath.Join(t.TempDir(), "h.yaml")
	read := func(text string) Errors {
		t.Helper()
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path, DefaultLimits)
		es, ok := AsErrors(err)
		if !ok || len(es) == 0 {
			t.Fatalf("got %v", err)
		}
		return es
	}
	// A wrong type deep in the links: the decoder's own error, at the
	// line and column the general path gives.
	port := fmt.Sprintf("port: %d", m.Links[700].Port)
	i := strings.Index(good, "links:")
	j := i + strings.Index(good[i:], "  - from: "+m.Links[700].From+"\n    to: "+m.Links[700].To)
	k := j + strings.Index(good[j:], port)
	bad := good[:k] + "port: https" + good[k+len(port):]
	want, err := Parse(path, []byte(bad), DefaultLimits)
	if want != nil {
		t.Fatal("the general path accepts it")
	}
	got := read(bad)
	if got[0].Error() != err.(Errors)[0].Error() {
		t.Fatalf("streamed: %v\nwhole:    %v", got[0], err.(Errors)[0])
	}
	// A link to an asset that is not there: validation names the field.
	to := "    to: " + m.Links[900].To + "\n"
	j = i + strings.Index(good[i:], "  - from: "+m.Links[900].From+"\n"+to)
	bad = good[:j] + strings.Replace(good[j:], to, "    to: nowhere\n", 1)
	got = read(bad)
	if got[0].Line != 0 || !strings.HasPrefix(got[0].Field, "links[") || !strings.Contains(got[0].Message, `unknown asset or zone "nowhere"`) {
		t.Fatalf("got %v", got)
	}
}

// A JSON file read a few bytes at a time gives the model reading it at
// once gives: values, strings and escapes cut anywhere by the reads (a
// string's end searched for past what was read, an escape's backslash the
// last byte read).
func TestJSONReadInSmallPieces(t *testing.T) {
	_, cut := generated(t, synth.MinAssets, 1, YAML)
	cut.Assets[0].Name = `Pump "B" \ bay 3, wing "C\D"`
	cut.Links[0].Annotate().Description = `quote " backslash \ tab` + "\t" + `unicode é end\`
	var buf bytes.Buffer
	if err := Write(&buf, cut, JSON); err != nil {
		t.Fatal(err)
	}
	want, err := Parse("h.json", buf.Bytes(), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	wantJSON, _ := json.Marshal(want)
	if buf.Len() < 8<<10 {
		t.Fatalf("the file is %d bytes: too small to be read in many pieces", buf.Len())
	}
	for _, n := range []int{1, 2, 3, 7, 64} {
		// streamJSON itself: stream puts a buffer of its own before it.
		r := &pieceReader{data: buf.Bytes(), n: n}
		m := &ward.Model{}
		ok, err := streamJSON(context.Background(), r, m, nil)
		if err != nil || !ok {
			t.Fatalf("reads of %d bytes: ok %v, %v", n, ok, err)
		}
		if got, _ := json.Marshal(m); !bytes.Equal(got, wantJSON) {
			t.Errorf("reads of %d bytes: the model differs from the file read at once", n)
		}
	}
}

// pieceReader reads its data n bytes at a time.
type pieceReader struct {
	data []byte
	n    int
}

func (r *pieceReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), r.n)], r.data)
	r.data = r.data[k:]
	return k, nil
}

// An item the streaming decoder does not take, in any batch, sends the
// file to the general reader before anything is validated: the problems
// reported are then the reader's, at their place, not what validating a
// model with a hole would say.
func TestStreamGivesUpOnAnItemItCannotDecode(t *testing.T) {
	defer func(b int) { batchItems = b }(batchItems)
	batchItems = 7
	data, m := generated(t, 120, 2, JSON)
	good := string(data)
	links := strings.Index(good, `"links": [`)
	for _, k := range []int{0, 3, 250, len(m.Links) - 1} {
		// The k-th link's opening brace, then its "to" once more.
		at := links
		for range k + 1 {
			at += strings.Index(good[at:], "\n    {") + len("\n    {")
		}
		bad := good[:at] + `"to": "` + m.Links[k].To + `",` + good[at:]
		m, ok, found, err := stream(context.Background(), "h.json", strings.NewReader(bad), DefaultLimits, nil)
		if err != nil || ok || m != nil || found != nil {
			t.Fatalf("link %d with a key twice: ok %v, found %v, err %v", k, ok, found, err)
		}
		if _, err := Parse("h.json", []byte(bad), DefaultLimits); err == nil || !strings.Contains(err.Error(), `"to"`) {
			t.Fatalf("link %d: the general reader says %v", k, err)
		}
	}
}

// The lists of a JSON file are counted beside the decoding pass: the
// decoder gets each list's count (and sizes the list once), a list the
// counting pass did not reach counts 0, and a file that is not JSON is
// not counted.
func TestListsCountedBeside(t *testing.T) {
	m, err := synth.Generate(synth.Options{Assets: 300, Seed: 3, LinksPerAsset: 5})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, m, JSON); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	name := filepath.Join(dir, "h.json")
	if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	c := countJSONFile(context.Background(), name, bytes.NewReader(buf.Bytes()), DefaultLimits)
	if c.of("assets") != len(m.Assets) || c.of("links") != len(m.Links) || c.of("zones") != len(m.Zones) {
		t.Errorf("counted %d assets, %d links, %d zones; the file has %d, %d, %d", c.of("assets"), c.of("links"), c.of("zones"), len(m.Assets), len(m.Links), len(m.Zones))
	}
	if n := c.of("no-such-list"); n != 0 {
		t.Errorf("a list the file has not counts %d", n)
	}
	c.wait()

	// Cut after the links: those before are counted, the rest not.
	cut := buf.Bytes()[:bytes.Index(buf.Bytes(), []byte(`"services"`))+20]
	c = countJSONFile(context.Background(), name, bytes.NewReader(cut), DefaultLimits)
	if c.of("links") != len(m.Links) || c.of("services") != 0 {
		t.Errorf("on a file cut in its services: %d links (want %d), %d services (want 0)", c.of("links"), len(m.Links), c.of("services"))
	}
	c.wait()

	var yml bytes.Buffer
	if err := Write(&yml, m, YAML); err != nil {
		t.Fatal(err)
	}
	if c := countJSONFile(context.Background(), "h.yaml", &yml, DefaultLimits); c != nil || c.of("assets") != 0 {
		t.Errorf("a YAML file was counted: %v", c)
	}

	// Read with the counts, the links are allocated once: without, in
	// chunks and then joined, so reading allocates their size again.
	big, err := synth.Generate(synth.Options{Assets: 4000, Seed: 3, LinksPerAsset: 8})
	if err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := Write(&buf, big, JSON); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	allocated := func(read func() (*ward.Model, error)) uint64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		got, err := read()
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Links) != len(big.Links) || len(got.Assets) != len(big.Assets) {
			t.Fatalf("read %d links and %d assets of %d and %d", len(got.Links), len(got.Assets), len(big.Links), len(big.Assets))
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	counted := allocated(func() (*ward.Model, error) { return Load(name, DefaultLimits) })
	uncounted := allocated(func() (*ward.Model, error) {
		m, ok, found, err := stream(context.Background(), name, bytes.NewReader(buf.Bytes()), DefaultLimits, nil)
		if !ok && err == nil {
			err = fmt.Errorf("not streamed: %v", found)
		}
		return m, err
	})
	links := uint64(len(big.Links)) * uint64(unsafe.Sizeof(ward.Link{}))
	if counted+links/2 > uncounted {
		t.Errorf("reading with the lists counted allocated %d bytes, without %d: want at least half the links' %d bytes less", counted, uncounted, links)
	}
}
