package graph

import (
	"container/heap"
	"math/rand/v2"
	"testing"
)

type boxedItem struct {
	node int32
	cost float64
}

type boxedQueue []boxedItem

func (q boxedQueue) Len() int           { return len(q) }
func (q boxedQueue) Less(i, j int) bool { return q[i].cost < q[j].cost }
func (q boxedQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *boxedQueue) Push(x any)        { *q = append(*q, x.(boxedItem)) }
func (q *boxedQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

// Queue gives items in the order container/heap gives them, ties included
// (costs drawn from a few values, so most items tie with others), over
// random interleavings of pushes and pops.
func TestQueueOrdersAsContainerHeap(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for round := range 500 {
		var q Queue
		var ref boxedQueue
		for step := range 400 {
			if ref.Len() > 0 && r.IntN(3) == 0 {
				want := heap.Pop(&ref).(boxedItem)
				got := q.Pop()
				if got.Node != want.node || got.Cost != want.cost {
					t.Fatalf("round %d step %d: popped %v, container/heap %v", round, step, got, want)
				}
				continue
			}
			n, c := int32(r.IntN(1000)), float64(r.IntN(4))
			q.Push(n, c)
			heap.Push(&ref, boxedItem{n, c})
		}
		for ref.Len() > 0 {
			want := heap.Pop(&ref).(boxedItem)
			if got := q.Pop(); got.Node != want.node || got.Cost != want.cost {
				t.Fatalf("round %d, draining: popped %v, container/heap %v", round, got, want)
			}
		}
		if q.Len() != 0 {
			t.Fatalf("round %d: %d items left", round, q.Len())
		}
	}
}
