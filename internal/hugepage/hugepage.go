// Package hugepage asks the kernel to back a large slice with huge pages.
//
// Go's heap is made of ordinary 4 KiB pages unless the machine's
// transparent huge pages are set to "always". Where they are set to
// "madvise" (the default of several distributions), a slice of a gigabyte
// is faulted in a quarter of a million times as it is first written, and
// read back through as many entries of the processor's page tables; at a
// million assets the faults alone were a fifth of an assessment's time.
// Advising the slice's memory as huge, before it is written, makes that
// some five hundred faults of 2 MiB each. The advice changes no byte and
// is only advice: where the kernel cannot or will not, nothing happens.
package hugepage

import "unsafe"

// Least is the size below which a slice is not worth the advice: it would
// hold at most a few huge pages, most of them partly.
const Least = 16 << 20

// Slice advises the memory of s's backing array, up to its capacity, as
// huge pages when it is at least Least bytes, and tells whether it did.
func Slice[T any](s []T) bool {
	if cap(s) == 0 {
		return false
	}
	n := uintptr(cap(s)) * unsafe.Sizeof(s[:1][0])
	if n < Least {
		return false
	}
	return advise(unsafe.Pointer(unsafe.SliceData(s)), n)
}
