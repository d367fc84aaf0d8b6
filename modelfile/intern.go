package modelfile

import (
	"hash/maphash"
	"sync"
)

// interner keeps one copy of each string it is shown, for the workers
// that decode a file's items side by side: its strings are in shards, each
// under its own lock, so that two workers seldom wait for each other.
type interner struct {
	seed   maphash.Seed
	shards [internShards]internShard
}

const internShards = 64

type internShard struct {
	mu sync.Mutex
	m  map[string]string
	_  [48]byte // a shard to a cache line (64 bytes): the workers' locks do not share one
}

func newInterner() *interner {
	in := &interner{seed: maphash.MakeSeed()}
	for i := range in.shards {
		in.shards[i].m = map[string]string{}
	}
	return in
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
		s = string(b)
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
		sh.m[*p] = *p
	}
	sh.mu.Unlock()
}
