package hugepage

import (
	"syscall"
	"unsafe"
)

// hugeSize is the size of a transparent huge page on the processors Go
// runs Linux on with them (x86-64, and arm64 with 4 KiB pages).
const hugeSize = 2 << 20

// advise marks the huge pages wholly inside [p, p+n) MADV_HUGEPAGE.
func advise(p unsafe.Pointer, n uintptr) bool {
	beg := (uintptr(p) + hugeSize - 1) &^ (hugeSize - 1)
	end := (uintptr(p) + n) &^ (hugeSize - 1)
	if beg >= end {
		return false
	}
	// The range is inside one live allocation of the Go heap, mapped.
	b := unsafe.Slice((*byte)(unsafe.Add(p, beg-uintptr(p))), end-beg)
	return syscall.Madvise(b, syscall.MADV_HUGEPAGE) == nil
}
