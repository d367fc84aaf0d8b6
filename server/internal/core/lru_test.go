package core

import (
	"testing"
)

func TestLRU(t *testing.T) {
	c := NewLRU(100, func(s string) int { return len(s) })
	c.Put("a", "0123456789") // 10
	c.Put("b", "01234567890123456789")
	c.Put("big", string(make([]byte, 26))) // more than a quarter: not kept
	if _, ok := c.Get("big"); ok {
		t.Error("a value costing more than a quarter of the cache was kept")
	}
	c.Get("a") // a is now the most recent
	for _, k := range []string{"c", "d", "e"} {
		c.Put(k, "01234567890123456789012") // 23 each: 30+69 = 99
	}
	if _, ok := c.Get("b"); !ok {
		t.Fatal("b evicted before the cache was full")
	}
	c.Get("a")
	c.Put("f", "0123456789") // 109: the least recent (c) goes
	if _, ok := c.Get("c"); ok {
		t.Error("the least recently used value was kept past the limit")
	}
	for _, k := range []string{"a", "b", "d", "e", "f"} {
		if _, ok := c.Get(k); !ok {
			t.Errorf("%s evicted", k)
		}
	}
	c.Put("a", "other")
	if v, _ := c.Get("a"); v != "0123456789" {
		t.Errorf("put replaced a kept value: %q", v)
	}
	if c.size != 10+20+23+23+10 {
		t.Errorf("size %d", c.size)
	}
}
