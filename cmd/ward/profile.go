package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// profiled gives a heavy command --cpuprofile and --memprofile: the CPU
// profile of its run and the heap once it is done, in the pprof format
// ('go tool pprof FILE'), to see where a large hospital's time and memory
// go without rebuilding Ward; and --memory-limit, to run it on a machine
// with less memory than it would take.
func profiled(c *cobra.Command) *cobra.Command {
	var cpu, mem, limit string
	c.Flags().StringVar(&cpu, "cpuprofile", "", "write a CPU profile of the run to this file (pprof format)")
	c.Flags().StringVar(&mem, "memprofile", "", "write a heap profile at the end of the run to this file (pprof format)")
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
		err = run(c, args)
		if mem != "" {
			f, ferr := os.Create(mem)
			if ferr != nil {
				return fmt.Errorf("--memprofile: %w", ferr)
			}
			runtime.GC() // the heap as the run left it
			werr := pprof.Lookup("heap").WriteTo(f, 0)
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
