package syslogd

import (
	"sync"
	"time"

	"github.com/wardhealth/ward/detect"
)

// Detector reads received messages with the readers and rules of 'ward
// detect': each message is a line, read by the reader of its transport
// (so each transport counts its lines, corrupt and cut ones among them),
// tied to an asset by the host it names or else the address it came from,
// and evaluated by the engine. Its methods may be called from any
// goroutine.
type Detector struct {
	mu      sync.Mutex
	en      *detect.Engine
	assets  *detect.Assets
	year    int
	readers map[string]*detect.LineReader
}

// NewDetector makes a detector over an engine and a model's assets; year
// is as for detect.NewReader.
func NewDetector(en *detect.Engine, assets *detect.Assets, year int) *Detector {
	return &Detector{en: en, assets: assets, year: year, readers: map[string]*detect.LineReader{}}
}

// Handle reads one message.
func (d *Detector) Handle(m Message) {
	d.mu.Lock()
	defer d.mu.Unlock()
	lr := d.readers[m.Transport]
	if lr == nil {
		lr = detect.NewLineReader("syslog-"+m.Transport, d.year)
		d.readers[m.Transport] = lr
	}
	e := lr.Read(m.Data, m.Cut)
	if e == nil {
		return
	}
	from := ""
	if m.From.IsValid() {
		from = m.From.String()
		e.File += " " + from
	}
	d.assets.TieFrom(e, from)
	d.en.Process(e)
}

// SetAssets ties the messages from now on to other assets (the model
// changed).
func (d *Detector) SetAssets(a *detect.Assets) {
	d.mu.Lock()
	d.assets = a
	d.mu.Unlock()
}

// Detections returns what was found so far.
func (d *Detector) Detections() []detect.Detection {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.en.Detections()
}

// Read returns what each transport's reader made of its messages.
func (d *Detector) Read() map[string]detect.Stats {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := map[string]detect.Stats{}
	for t, lr := range d.readers {
		out[t] = lr.Stats()
	}
	return out
}

// Windows is how many correlation windows are open.
func (d *Detector) Windows() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.en.Windows()
}

// Forget drops the detections that can no longer grow and ended more
// than keep before the newest message (Engine.Forget).
func (d *Detector) Forget(keep time.Duration) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.en.Forget(keep)
}
