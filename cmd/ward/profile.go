package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/spf13/cobra"
)

// profiled gives a heavy command --cpuprofile and --memprofile: the CPU
// profile of its run and the heap at its largest, in the pprof format
// ('go tool pprof FILE'), to see where a large hospital's time and memory
// go without rebuilding Ward; and --memory-limit, to run it on a machine
// with less memory than it would take.
func profiled(c *cobra.Command) *cobra.Command {
	var cpu, mem, limit string
	c.Flags().StringVar(&cpu, "cpuprofile", "", "write a CPU profile of the run to this file (pprof format)")
	c.Flags().StringVar(&mem, "memprofile", "", "write a heap profile of the run at its largest to this file (pprof format)")
	c.Flags().StringVar(&limit, "memory-limit", "", "keep memory near this size (e.g. 7GiB, 800MiB; a number alone is MiB) by collecting garbage more often: slower, same answers (docs/performance.md)")
	run := c.RunE
	c.RunE = func(c *cobra.Command, args []string) (err error) {
		if limit != "" {
			n, err := parseSize(limit)
			if err != nil {
				return usageError{fmt.Errorf("--memory-limit: %w", err)}
			}
			defer debug.SetMemoryLimit(debug.SetMemoryLimit(n))
		}
		if cpu != "" {
			f, err := os.Create(cpu)
			if err != nil {
				return fmt.Errorf("--cpuprofile: %w", err)
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				f.Close()
				return fmt.Errorf("--cpuprofile %s: %w", cpu, err)
			}
			defer func() {
				pprof.StopCPUProfile()
				if cerr := f.Close(); cerr != nil && err == nil {
					err = fmt.Errorf("--cpuprofile %s: %w", cpu, cerr)
				}
			}()
		}
		var peak *heapPeak
		if mem != "" {
			peak = watchHeap()
		}
		err = run(c, args)
		if mem != "" {
			f, ferr := os.Create(mem)
			if ferr != nil {
				return fmt.Errorf("--memprofile: %w", ferr)
			}
			werr := peak.write(f)
			if cerr := f.Close(); werr == nil {
				werr = cerr
			}
			if werr != nil && err == nil {
				err = fmt.Errorf("--memprofile %s: %w", mem, werr)
			}
		}
		return err
	}
	return c
}

// heapPeak keeps the heap profile of a run at its largest. A profile
// written when the run is done shows what is left then, little of what it
// held; the live heap is known after each collection, and the profile
// taken after the one that found the most live memory shows what took it.
type heapPeak struct {
	gc, done chan struct{}
	stopped  atomic.Bool
	mu       sync.Mutex
	max      uint64
	profile  bytes.Buffer
}

// sentinel is allocated to be collected: its finalizer tells of each
// collection. It holds a pointer so that it is not put in a block beside
// other small objects, where it might never be freed alone.
type sentinel struct{ _ *byte }

func watchHeap() *heapPeak {
	h := &heapPeak{gc: make(chan struct{}, 1), done: make(chan struct{})}
	var arm func()
	arm = func() {
		runtime.SetFinalizer(&sentinel{}, func(*sentinel) {
			if h.stopped.Load() {
				return
			}
			select {
			case h.gc <- struct{}{}:
			default: // the last one is not taken yet
			}
			arm()
		})
	}
	arm()
	go func() {
		live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		for {
			select {
			case <-h.gc:
			case <-h.done:
				return
			}
			metrics.Read(live)
			h.mu.Lock()
			// Taken again when the heap grew by a tenth: a few dozen
			// profiles from megabytes to gigabytes.
			if n := live[0].Value.Uint64(); n > h.max+h.max/10 {
				h.max = n
				h.profile.Reset()
				if pprof.Lookup("heap").WriteTo(&h.profile, 0) != nil {
					h.profile.Reset()
				}
			}
			h.mu.Unlock()
		}
	}()
	return h
}

// write stops watching and writes the profile taken at the largest heap,
// or the heap as it is when none was taken.
func (h *heapPeak) write(w io.Writer) error {
	h.stopped.Store(true)
	close(h.done)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.profile.Len() == 0 {
		runtime.GC()
		return pprof.Lookup("heap").WriteTo(w, 0)
	}
	_, err := w.Write(h.profile.Bytes())
	return err
}

// parseSize reads a size in bytes as people write it: a whole number with
// a unit of KiB, MiB, GiB or TiB (K, M, G, T and KB, MB, GB, TB read the
// same), or alone in MiB, as --max-size is.
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	digits := len(t) - len(strings.TrimLeft(t, "0123456789"))
	shift, ok := map[string]uint{"": 20, "k": 10, "kb": 10, "kib": 10, "m": 20, "mb": 20, "mib": 20,
		"g": 30, "gb": 30, "gib": 30, "t": 40, "tb": 40, "tib": 40}[strings.ToLower(strings.TrimSpace(t[digits:]))]
	n, err := strconv.ParseInt(t[:digits], 10, 64)
	if !ok || err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a size: write a whole number of KiB, MiB, GiB or TiB, such as 7GiB", s)
	}
	if n > (1<<62)>>shift {
		return 0, fmt.Errorf("%q is larger than any machine's memory", s)
	}
	return n << shift, nil
}

// largeFile is the size from which a model file is large: 100,000 assets
// with a million links are 135 MiB of YAML, 199 MiB of JSON.
const largeFile = 128 << 20

// largeModel lets the heap grow by half of what is live, rather than by as
// much again (Go's default, GOGC=100), before the collector runs, when the
// model file is large and GOGC is not set. A large hospital's model and
// analyses are gigabytes that stay live to the end: at a million assets
// with ten million links (2 CPUs, docs/performance.md) the peak falls from
// 10.7 to 8.4 GiB and the run takes less time, not more, because every
// page the heap grows to is a page fault the kernel serves (a third of the
// CPU time at the default); at 100,000 assets, 1.1 -> 0.9 GiB for 5 % more
// CPU. Small models are left to the default.
func largeModel(file string) {
	if _, set := os.LookupEnv("GOGC"); set {
		return
	}
	if st, err := os.Stat(file); err == nil && st.Size() >= largeFile {
		debug.SetGCPercent(50)
	}
}
