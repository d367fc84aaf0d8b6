package modelfile_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/synth"
)

// endsAfter is a context that ends after its Err has been asked n times:
// it stops a parse part way, wherever the parser looks.
type endsAfter struct {
	context.Context
	n atomic.Int64
}

func (c *endsAfter) Err() error {
	if c.n.Add(-1) < 0 {
		return context.DeadlineExceeded
	}
	return nil
}

// A parse stops part way when its context ends, in both formats and on
// both YAML paths (whole, and in sections side by side), with an error
// that says so; it is not one about the file.
func TestParseStopsWithItsContext(t *testing.T) {
	for _, n := range []int{500, 6000} { // 6000 assets: over a MiB, parallel YAML
		m, err := synth.Generate(synth.Options{Assets: n, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []modelfile.Format{modelfile.YAML, modelfile.JSON} {
			var buf bytes.Buffer
			if err := modelfile.Write(&buf, m, f); err != nil {
				t.Fatal(err)
			}
			data := buf.Bytes()
			// A bad value keeps JSON off the fast path; it is reported
			// only once the whole file is decoded and validated.
			data = bytes.Replace(data, []byte("max_outage: "), []byte("max_outage: x"), 1)
			data = bytes.Replace(data, []byte(`"max_outage": "`), []byte(`"max_outage": "x`), 1)
			// Count the looks a whole parse takes, then end it before
			// the first, half way and before the last.
			const many = 1 << 40
			count := &endsAfter{Context: context.Background()}
			count.n.Store(many)
			if _, err := modelfile.ParseContext(count, "h."+string(f), data, modelfile.DefaultLimits); err == nil {
				t.Fatal("the bad value was missed")
			}
			total := many - count.n.Load()
			if total < 3 {
				t.Fatalf("%d assets, %s: the parse looks at its context only %d times", n, f, total)
			}
			for _, looks := range []int64{0, total / 2, total - 1} {
				ctx := &endsAfter{Context: context.Background()}
				ctx.n.Store(looks)
				_, err := modelfile.ParseContext(ctx, "h."+string(f), data, modelfile.DefaultLimits)
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("%d assets, %s, context ends after %d looks: %v", n, f, looks, err)
				}
				if _, ok := modelfile.AsErrors(err); ok {
					t.Errorf("a stopped parse is reported as a problem of the file: %v", err)
				}
			}
		}
	}
	// A live context changes nothing.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := modelfile.ParseContext(ctx, "base.yaml", []byte(base), modelfile.DefaultLimits); err != nil {
		t.Fatal(err)
	}
}

// A file over the size limit is refused from its size, before any of it is
// read (issue 14: a 600 MB file was refused only after reading 512 MiB).
func TestOversizedFileRefusedUnread(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.yaml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(5 << 30); err != nil { // sparse: costs no disk
		t.Fatal(err)
	}
	_, err = modelfile.Read(path, f, modelfile.DefaultLimits)
	if es, ok := modelfile.AsErrors(err); !ok || !strings.Contains(es[0].Message, "larger than the 4096 MiB limit") {
		t.Fatalf("got %v", err)
	}
	if off, _ := f.Seek(0, io.SeekCurrent); off != 0 {
		t.Errorf("%d bytes read before refusing", off)
	}
	if _, err := modelfile.Load(path, modelfile.DefaultLimits); err == nil {
		t.Error("Load accepted it")
	}
}
