package core

import (
	"container/list"
	"sync"
)

// LRU keeps the most recently used values, up to a total cost: a count
// of values, or their bytes. A value costing more than a quarter of the
// whole is not kept, so that one cannot push out everything else.
type LRU[V any] struct {
	mu    sync.Mutex
	max   int
	size  int
	cost  func(V) int
	order *list.List
	items map[string]*list.Element
}

type lruEntry[V any] struct {
	key  string
	v    V
	cost int
}

func NewLRU[V any](max int, cost func(V) int) *LRU[V] {
	return &LRU[V]{max: max, cost: cost, order: list.New(), items: map[string]*list.Element{}}
}

func (c *LRU[V]) Get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[key]
	if !ok {
		var zero V
		return zero, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*lruEntry[V]).v, true
}

// Put keeps v under key, unless a value is kept there already.
func (c *LRU[V]) Put(key string, v V) {
	cost := c.cost(v)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[key]; ok || cost > c.max/4 {
		return
	}
	c.items[key] = c.order.PushFront(&lruEntry[V]{key, v, cost})
	c.size += cost
	for c.size > c.max {
		e := c.order.Back()
		c.order.Remove(e)
		old := e.Value.(*lruEntry[V])
		delete(c.items, old.key)
		c.size -= old.cost
	}
}
