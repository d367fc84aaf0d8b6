package graph

// Queue is a binary min-heap of nodes by cost, for Dijkstra's searches.
// It sifts as container/heap does, so that items of equal cost come out in
// the same order and searches break ties as they always have; and a push
// stores the item as it is, where container/heap's interface boxed every
// item pushed and popped (two allocations each, millions of them in the
// searches of a hospital of a million assets).
type Queue struct {
	items []QueueItem
}

// QueueItem is a node waiting in a Queue with its cost.
type QueueItem struct {
	Node int32
	Cost float64
}

// Len is the number of items waiting.
func (q *Queue) Len() int { return len(q.items) }

// Reset empties the queue, keeping its room.
func (q *Queue) Reset() { q.items = q.items[:0] }

// Push adds a node with its cost.
func (q *Queue) Push(node int32, cost float64) {
	q.items = append(q.items, QueueItem{node, cost})
	h := q.items
	for j := len(h) - 1; ; {
		i := (j - 1) / 2 // parent
		if i == j || !(h[j].Cost < h[i].Cost) {
			break
		}
		h[i], h[j] = h[j], h[i]
		j = i
	}
}

// Pop removes and returns the item of least cost; the queue must not be
// empty.
func (q *Queue) Pop() QueueItem {
	h := q.items
	n := len(h) - 1
	h[0], h[n] = h[n], h[0]
	for i := 0; ; {
		j1 := 2*i + 1
		if j1 >= n || j1 < 0 {
			break
		}
		j := j1 // left child
		if j2 := j1 + 1; j2 < n && h[j2].Cost < h[j1].Cost {
			j = j2
		}
		if !(h[j].Cost < h[i].Cost) {
			break
		}
		h[i], h[j] = h[j], h[i]
		i = j
	}
	it := h[n]
	q.items = h[:n]
	return it
}
