package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// profiled gives a heavy command --cpuprofile and --memprofile: the CPU
// profile of its run and the heap once it is done, in the pprof format
// ('go tool pprof FILE'), to see where a large hospital's time and memory
// go without rebuilding Ward.
func profiled(c *cobra.Command) *cobra.Command {
	var cpu, mem string
	c.Flags().StringVar(&cpu, "cpuprofile", "", "write a CPU profile of the run to this file (pprof format)")
	c.Flags().StringVar(&mem, "memprofile", "", "write a heap profile at the end of the run to this file (pprof format)")
	run := c.RunE
	c.RunE = func(c *cobra.Command, args []string) (err error) {
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
