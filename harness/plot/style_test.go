package plot

import (
	"slices"
	"testing"

	"loopbench/servers"
)

// TestStylesFromTable checks that every row of the model table names a
// marker this package draws, that no two rows look alike, and that a
// row's style is the one every chart uses.
func TestStylesFromTable(t *testing.T) {
	seen := map[Style]string{}
	for _, e := range servers.All() {
		shape, ok := ShapeNamed(e.Style.Marker)
		if !ok {
			t.Errorf("model %s: marker %q is none of %q", e.Name, e.Style.Marker, shapeNames)
		}
		got := StyleOf(e.Name)
		if got != (Style{e.Style.Color, shape}) {
			t.Errorf("StyleOf(%s) = %v, want its row's %v", e.Name, got, e.Style)
		}
		if other, dup := seen[got]; dup {
			t.Errorf("models %s and %s are drawn alike", other, e.Name)
		}
		seen[got] = e.Name
	}
}

// TestFallbackStyle gives a model the table lacks (or a row without a
// style) the same colour and shape on every call, from the fallback set.
func TestFallbackStyle(t *testing.T) {
	defer servers.AddForTest(servers.Entry{Name: "unstyled"})()
	for _, m := range []string{"my-own-model", "unstyled"} {
		a, b := StyleOf(m), StyleOf(m)
		if a != b || !slices.Contains(fallbackColors, a.Color) || a.Shape < 0 || a.Shape >= numShapes {
			t.Errorf("StyleOf(%s) = %v then %v, want one style from the fallback colours", m, a, b)
		}
	}
}
