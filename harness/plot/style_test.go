package plot

import (
	"image/color"
	"slices"
	"testing"

	"loopbench/harness/results"
)

// TestStylesFromTable checks that every row of the table of runs that
// recorded none names a marker this package draws, that no two rows look
// alike, and that a row's style is the one every chart uses.
func TestStylesFromTable(t *testing.T) {
	table := new(results.Run).ModelTable()
	p := PaletteOf(table)
	seen := map[Style]string{}
	for _, m := range table {
		shape, ok := ShapeNamed(m.Style.Marker)
		if !ok {
			t.Errorf("model %s: marker %q is none of %q", m.Name, m.Style.Marker, shapeNames)
		}
		c, ok := parseColor(m.Style.Color)
		if !ok {
			t.Errorf("model %s: colour %q is not #RRGGBB", m.Name, m.Style.Color)
		}
		got := p.Of(m.Name)
		if got != (Style{c, shape}) {
			t.Errorf("style of %s = %v, want its row's %v", m.Name, got, m.Style)
		}
		if other, dup := seen[got]; dup {
			t.Errorf("models %s and %s are drawn alike", other, m.Name)
		}
		seen[got] = m.Name
	}
	if got, want := (Style{}).or("node"), p.Of("node"); got != want {
		t.Errorf("the zero Style draws node as %v, want %v", got, want)
	}
}

// TestRecordedStyle draws a model as the run's own table styles it.
func TestRecordedStyle(t *testing.T) {
	p := PaletteOf([]results.Model{{Name: "node", Style: results.Style{Color: "#123456", Marker: "hexagon"}}})
	if got, want := p.Of("node"), (Style{color.NRGBA{0x12, 0x34, 0x56, 0xFF}, Hexagon}); got != want {
		t.Errorf("style of node = %v, want the run's %v", got, want)
	}
}

// TestFallbackStyle gives a model the table lacks (or a row without a
// style, or with a colour that is none) the same colour and shape on every
// call, from the fallback set.
func TestFallbackStyle(t *testing.T) {
	p := PaletteOf([]results.Model{{Name: "unstyled"}, {Name: "miscoloured", Style: results.Style{Color: "teal", Marker: "circle"}}})
	for _, m := range []string{"my-own-model", "unstyled", "miscoloured"} {
		a, b := p.Of(m), p.Of(m)
		if a != b || !slices.Contains(fallbackColors, a.Color) || a.Shape < 0 || a.Shape >= numShapes {
			t.Errorf("style of %s = %v then %v, want one style from the fallback colours", m, a, b)
		}
	}
}
