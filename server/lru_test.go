package server

import "testing"

func TestLRU(t *testing.T) {
	c := newLRU(100, func(s string) int { return len(s) })
	c.put("a", "0123456789") // 10
	c.put("b", "01234567890123456789")
	c.put("big", string(make([]byte, 26))) // more than a quarter: not kept
	if _, ok := c.get("big"); ok {
		t.Error("a value costing more than a quarter of the cache was kept")
	}
	c.get("a") // a is now the most recent
	for _, k := range []string{"c", "d", "e"} {
		c.put(k, "01234567890123456789012") // 23 each: 30+69 = 99
	}
	if _, ok := c.get("b"); !ok {
		t.Fatal("b evicted before the cache was full")
	}
	c.get("a")
	c.put("f", "0123456789") // 109: the least recent (c) goes
	if _, ok := c.get("c"); ok {
		t.Error("the least recently used value was kept past the limit")
	}
	for _, k := range []string{"a", "b", "d", "e", "f"} {
		if _, ok := c.get(k); !ok {
			t.Errorf("%s evicted", k)
		}
	}
	c.put("a", "other")
	if v, _ := c.get("a"); v != "0123456789" {
		t.Errorf("put replaced a kept value: %q", v)
	}
	if c.size != 10+20+23+23+10 {
		t.Errorf("size %d", c.size)
	}
}
