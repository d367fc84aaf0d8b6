package modelfile

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// locate finds the line and column of a field path such as
// "assets[12].criticality.safety" in a node tree. When the field itself is
// absent (a missing required field), it answers with the nearest enclosing
// node that is present.
func locate(root *yaml.Node, path string) (line, col int) {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line, col = n.Line, n.Column
	for _, seg := range splitPath(path) {
		for n.Kind == yaml.AliasNode {
			n = n.Alias
		}
		var next *yaml.Node
		if i, err := strconv.Atoi(seg); err == nil && n.Kind == yaml.SequenceNode {
			if i >= 0 && i < len(n.Content) {
				next = n.Content[i]
			}
		} else if n.Kind == yaml.MappingNode {
			next = lookupKey(n, seg)
		}
		if next == nil {
			return line, col
		}
		n = next
		line, col = n.Line, n.Column
	}
	return line, col
}

// lookupKey finds a key's value in a mapping, its own keys first, then
// those it merges; each merged mapping is searched once, so that merges of
// merges cost no more than the file's size.
func lookupKey(n *yaml.Node, key string) *yaml.Node {
	seen := map[*yaml.Node]bool{}
	var find func(n *yaml.Node) *yaml.Node
	find = func(n *yaml.Node) *yaml.Node {
		if seen[n] {
			return nil
		}
		seen[n] = true
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Value == key && k.Tag != "!!merge" {
				return n.Content[i+1]
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Tag == "!!merge" {
				for _, src := range mergeSources(n.Content[i+1]) {
					if v := find(src.node); v != nil {
						return v
					}
				}
			}
		}
		return nil
	}
	return find(n)
}

// splitPath turns "assets[12].zone" into ["assets", "12", "zone"].
func splitPath(p string) []string {
	p = strings.ReplaceAll(p, "[", ".")
	p = strings.ReplaceAll(p, "]", "")
	if p == "" {
		return nil
	}
	return strings.Split(p, ".")
}
