package hugepage

import (
	"os"
	"runtime"
	"strings"
	"testing"
)

func TestSlice(t *testing.T) {
	if Slice(make([]byte, Least-1)) {
		t.Error("advised a slice smaller than Least")
	}
	if Slice[int](nil) {
		t.Error("advised an empty slice")
	}
	big := make([]uint64, 3*Least/8)
	for i := range big {
		big[i] = uint64(i)
	}
	advised := Slice(big)
	for i, v := range big {
		if v != uint64(i) {
			t.Fatalf("item %d became %d", i, v)
		}
	}
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	switch {
	case runtime.GOOS != "linux":
		if advised {
			t.Error("advised on", runtime.GOOS)
		}
	case err != nil || strings.Contains(string(mode), "[never]"):
		t.Logf("transparent huge pages off here (%q, %v): advised %v", mode, err, advised)
	case !advised:
		t.Errorf("not advised, with transparent huge pages %q", mode)
	}
}
