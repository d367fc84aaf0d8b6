package modelfile_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/synth"
)

// BenchmarkParse measures parse + validate of generated hospitals, warm
// (the same process parses again and again). `ward bench` measures a cold
// process with its peak memory. Run:
//
//	go test ./modelfile -run XXX -bench Parse -benchmem
func BenchmarkParse(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		m, err := synth.Generate(synth.Options{Assets: n, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		for _, f := range []modelfile.Format{modelfile.YAML, modelfile.JSON} {
			var buf bytes.Buffer
			if err := modelfile.Write(&buf, m, f); err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("%d/%s", n, f), func(b *testing.B) {
				b.SetBytes(int64(buf.Len()))
				for b.Loop() {
					if _, err := modelfile.Parse("h."+string(f), buf.Bytes(), modelfile.DefaultLimits); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkWrite measures writing a 10,000-asset model file.
func BenchmarkWrite(b *testing.B) {
	m, err := synth.Generate(synth.Options{Assets: 10_000, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range []modelfile.Format{modelfile.YAML, modelfile.JSON} {
		b.Run(string(f), func(b *testing.B) {
			for b.Loop() {
				var buf bytes.Buffer
				if err := modelfile.Write(&buf, m, f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
