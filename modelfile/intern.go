package modelfile

import (
	"encoding/binary"
	"hash/maphash"
	"slices"
	"sync"
	"unsafe"

	"github.com/wardhealth/ward"
)

// interner keeps one copy of each string it is shown, for the workers
// that decode a file's items side by side: its strings are in shards, each
// under its own lock, so that two workers seldom wait for each other.
type interner struct {
	seed   maphash.Seed
	shards [internShards]internShard
	lists  [internShards]listShard
}

const internShards = 64

type internShard struct {
	mu    sync.Mutex
	m     map[string]string
	chunk []byte   // where the shard's next strings are copied
	_     [24]byte // a shard to a cache line (64 bytes): the workers' locks do not share one
}

// The strings a shard keeps are copied side by side into chunks of up to
// chunkMax bytes, not allocated one by one. At a million assets the
// collector follows some thirty million pointers to asset ids at each
// cycle; to a small allocation each costs a read of the metadata at the
// end of the string's own page of the heap (pages spread over gigabytes,
// so mostly a miss), to a chunk, which is a large allocation, a read of
// the chunk's span, of which there are few. Strings are never changed, so
// a chunk is only ever appended to past the strings it holds.
const (
	chunkMin = 1 << 10
	chunkMax = 64 << 10
)

// keep returns a copy of b in the shard's chunk. The shard is locked.
func (sh *internShard) keep(b []byte) string {
	if len(b) > chunkMax/8 {
		return string(b)
	}
	if cap(sh.chunk)-len(sh.chunk) < len(b) {
		size := max(min(max(2*cap(sh.chunk), chunkMin), chunkMax), len(b))
		sh.chunk = make([]byte, 0, size)
	}
	at := len(sh.chunk)
	sh.chunk = append(sh.chunk, b...)
	return unsafe.String(&sh.chunk[at], len(b))
}

// listShard keeps lists of data classes by their content.
type listShard struct {
	mu sync.Mutex
	m  map[string][]ward.DataClass
	_  [48]byte
}

func newInterner() *interner {
	in := &interner{seed: maphash.MakeSeed()}
	for i := range in.shards {
		in.shards[i].m = map[string]string{}
		in.lists[i].m = map[string][]ward.DataClass{}
	}
	return in
}

// noData is the list of a link that says it carries none, shared.
var noData = []ward.DataClass{}

// data is the one copy of a list of data classes, made the first time it
// is seen (its strings interned already): a hospital's links carry few
// distinct lists, and a list of its own for each link was 137 MB at ten
// million links. The copy is clipped, so that appending to a link's list
// copies it first; nothing changes a model's lists in place.
func (in *interner) data(list []ward.DataClass) []ward.DataClass {
	if list == nil {
		return nil
	}
	if len(list) == 0 {
		return noData
	}
	var room [128]byte
	key := room[:0]
	for _, d := range list { // each class after its length: no two lists read alike
		key = append(binary.AppendUvarint(key, uint64(len(d))), d...)
	}
	sh := &in.lists[maphash.Bytes(in.seed, key)%internShards]
	sh.mu.Lock()
	kept, ok := sh.m[string(key)]
	if !ok {
		kept = slices.Clip(slices.Clone(list))
		sh.m[string(key)] = kept
	}
	sh.mu.Unlock()
	return kept
}

// bytes is the interned string of b, made only the first time it is seen.
func (in *interner) bytes(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	sh := &in.shards[maphash.Bytes(in.seed, b)%internShards]
	sh.mu.Lock()
	s, ok := sh.m[string(b)]
	if !ok {
		s = sh.keep(b)
		sh.m[s] = s
	}
	sh.mu.Unlock()
	return s
}

// str replaces *p with its interned copy.
func (in *interner) str(p *string) {
	if *p == "" {
		return
	}
	sh := &in.shards[maphash.String(in.seed, *p)%internShards]
	sh.mu.Lock()
	if s, ok := sh.m[*p]; ok {
		*p = s
	} else {
		*p = sh.keep(unsafe.Slice(unsafe.StringData(*p), len(*p)))
		sh.m[*p] = *p
	}
	sh.mu.Unlock()
}
