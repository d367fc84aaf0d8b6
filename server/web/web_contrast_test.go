package web

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// WCAG 2.2 AA asks a contrast of at least 4.5:1 between text and its
// background (1.4.3). Every rule of the style sheet that sets a text
// colour is checked: against its own background when it sets one, else
// against the backgrounds it is drawn on — the header's for the header,
// white and the page's grey elsewhere — with the rule's opacity blended
// in.
func TestStyleContrast(t *testing.T) {
	css, err := staticFiles.ReadFile("static/ward.css")
	if err != nil {
		t.Fatal(err)
	}
	text := regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(string(css), "")
	root := map[string]string{}
	for _, m := range regexp.MustCompile(`--([\w-]+):\s*(#[0-9a-fA-F]{3,6})`).FindAllStringSubmatch(text, -1) {
		root[m[1]] = m[2]
	}
	vars := regexp.MustCompile(`var\(--([\w-]+)\)`)
	resolve := func(s string) string {
		return vars.ReplaceAllStringFunc(s, func(v string) string { return root[vars.FindStringSubmatch(v)[1]] })
	}
	rule := regexp.MustCompile(`([^{}]+)\{([^{}]*)\}`)
	fgRe := regexp.MustCompile(`(?:^|[;{\s])color:\s*(#[0-9a-fA-F]{3,6})`)
	bgRe := regexp.MustCompile(`background(?:-color)?:\s*(#[0-9a-fA-F]{3,6})`)
	opRe := regexp.MustCompile(`(?:^|;)opacity:\s*([0-9.]+)`)
	// The header's colour, from its own rule.
	header := ""
	// The opacity of the header's links, which take their colour from
	// "header.top a".
	opacity := map[string]float64{}
	for _, m := range rule.FindAllStringSubmatch(text, -1) {
		body := resolve(m[2])
		for _, sel := range strings.Split(m[1], ",") {
			sel = strings.TrimSpace(sel)
			if b := bgRe.FindStringSubmatch(body); b != nil && sel == "header.top" {
				header = b[1]
			}
			if o := opRe.FindStringSubmatch(body); o != nil {
				f, _ := strconv.ParseFloat(o[1], 64)
				opacity[sel] = f
			}
		}
	}
	if header == "" {
		t.Fatal("no header background found")
	}
	checked := 0
	for _, m := range rule.FindAllStringSubmatch(text, -1) {
		body := resolve(m[2])
		fg := fgRe.FindStringSubmatch(body)
		if fg == nil {
			continue
		}
		for _, sel := range strings.Split(m[1], ",") {
			sel = strings.TrimSpace(sel)
			var on []string
			if b := bgRe.FindStringSubmatch(body); b != nil {
				on = []string{b[1]}
			} else if strings.HasPrefix(sel, "header.top") {
				on = []string{header}
			} else {
				on = []string{"#ffffff", root["bg"]}
			}
			for _, bg := range on {
				c := fg[1]
				// the least opaque use of this colour in the header
				if strings.HasPrefix(sel, "header.top") {
					for s, o := range opacity {
						if strings.HasPrefix(s, "header.top") && o < 1 {
							c = blend(c, bg, o)
							if r := contrast(c, bg); r < 4.5 {
								t.Errorf("%s (at opacity %g in %s): %s on %s, contrast %.2f < 4.5", sel, o, s, fg[1], bg, r)
							}
							c = fg[1]
						}
					}
				}
				if r := contrast(c, bg); r < 4.5 {
					t.Errorf("%s: %s on %s, contrast %.2f < 4.5", sel, c, bg, r)
				}
				checked++
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d colour pairs checked", checked)
	}
	// The check itself: white on the old orange fails, the ink passes.
	if contrast("#ffffff", "#e8710a") >= 4.5 || contrast("#1d2733", "#e8710a") < 4.5 {
		t.Error("the contrast formula is wrong")
	}
}

// luminance is WCAG's relative luminance of a #rgb or #rrggbb colour.
func luminance(hex string) float64 {
	h := strings.TrimPrefix(hex, "#")
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	var sum float64
	for i, w := range []float64{0.2126, 0.7152, 0.0722} {
		v, _ := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
		c := float64(v) / 255
		if c <= 0.03928 {
			c /= 12.92
		} else {
			c = math.Pow((c+0.055)/1.055, 2.4)
		}
		sum += w * c
	}
	return sum
}

func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

// blend is colour a at opacity o over b.
func blend(a, b string, o float64) string {
	parse := func(s string) [3]float64 {
		h := strings.TrimPrefix(s, "#")
		if len(h) == 3 {
			h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
		}
		var out [3]float64
		for i := range out {
			v, _ := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
			out[i] = float64(v)
		}
		return out
	}
	x, y := parse(a), parse(b)
	return fmt.Sprintf("#%02x%02x%02x", int(math.Round(x[0]*o+y[0]*(1-o))), int(math.Round(x[1]*o+y[1]*(1-o))), int(math.Round(x[2]*o+y[2]*(1-o))))
}
