package plot

import (
	"hash/fnv"
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"loopbench/harness/results"
)

// Style is how one model is drawn in every chart, so a reader who learns
// "node is the orange triangle" once can read every other chart. The zero
// Style stands for the model's style in defaultPalette.
type Style struct {
	Color color.Color
	Shape Shape
}

// or is s, or the zero Style's stand-in: model's style in defaultPalette.
func (s Style) or(model string) Style {
	if s.Color != nil {
		return s
	}
	return defaultPalette.Of(model)
}

// fallbackColors colour the models the table has no style for.
var fallbackColors = []color.Color{
	color.NRGBA{0x56, 0xB4, 0xE9, 0xFF},
	color.NRGBA{0x8B, 0x45, 0x13, 0xFF},
	color.NRGBA{0x6A, 0x3D, 0x9A, 0xFF},
	color.NRGBA{0xB2, 0x22, 0x22, 0xFF},
}

// Palette is how the charts of a run draw its models: as the model table
// the run was measured with styles them (results.Model.Style).
type Palette struct{ table []results.Model }

// PaletteOf returns the palette of a model table.
func PaletteOf(table []results.Model) Palette { return Palette{table} }

// defaultPalette draws the models of a chart that belongs to no run, such
// as torture's bars, which carry no Style: as a run that recorded no model
// table is drawn (results.Run.ModelTable).
var defaultPalette = PaletteOf(new(results.Run).ModelTable())

// Of returns the style of a model: the one its row in the table gives, or,
// for a model the table lacks (a run of a user's own model) or a row
// without a style, a colour and shape from a hash of its name, stable from
// run to run.
func (p Palette) Of(model string) Style {
	s := hashStyle(model)
	for _, m := range p.table {
		if m.Name != model {
			continue
		}
		c, ok := parseColor(m.Style.Color)
		if !ok {
			return s
		}
		s.Color = c
		if sh, ok := ShapeNamed(m.Style.Marker); ok {
			s.Shape = sh
		}
		return s
	}
	return s
}

// parseColor reads a "#RRGGBB" colour.
func parseColor(hex string) (color.NRGBA, bool) {
	v, err := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	if len(hex) != 7 || hex[0] != '#' || err != nil {
		return color.NRGBA{}, false
	}
	return color.NRGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 0xFF}, true
}

// hashStyle is the fallback style of a model, from a hash of its name.
func hashStyle(model string) Style {
	h := fnv.New32a()
	h.Write([]byte(model))
	n := h.Sum32()
	return Style{fallbackColors[n%uint32(len(fallbackColors))], Shape(n % uint32(numShapes))}
}

// Dashes returns the line pattern of a variant: solid for the default,
// dashed for cpu-offload, dotted for loops-2, dash-dot for anything else.
func Dashes(variant string) []vg.Length {
	switch variant {
	case "", "default":
		return nil
	case "cpu-offload":
		return []vg.Length{vg.Points(6), vg.Points(3)}
	case "loops-2":
		return []vg.Length{vg.Points(1.5), vg.Points(2.5)}
	default:
		return []vg.Length{vg.Points(7), vg.Points(2), vg.Points(1.5), vg.Points(2)}
	}
}

// lineStyle is the line of a model's variant, in the model's style s.
func lineStyle(s Style, variant string) draw.LineStyle {
	return draw.LineStyle{Color: s.Color, Width: vg.Points(1.6), Dashes: Dashes(variant)}
}

// glyphStyle is the marker of a point in style s: filled when measured
// normally, hollow when the client was the bottleneck.
func glyphStyle(s Style, clientBound bool) draw.GlyphStyle {
	return draw.GlyphStyle{Color: s.Color, Radius: vg.Points(3.6), Shape: glyph{shape: s.Shape, hollow: clientBound}}
}

// variantGlyph is glyphStyle for a variant of the model: pierced for any
// but the default.
func variantGlyph(s Style, variant string, clientBound bool) draw.GlyphStyle {
	g := glyphStyle(s, clientBound)
	g.Shape = glyph{shape: s.Shape, hollow: clientBound, pierced: Dashes(variant) != nil}
	return g
}

// failStyle marks a failed point: a cross in the colour of style s.
func failStyle(s Style) draw.GlyphStyle {
	return draw.GlyphStyle{Color: s.Color, Radius: vg.Points(4.5), Shape: draw.CrossGlyph{}}
}

// Shape is a marker outline.
type Shape int

// The marker shapes, one per model.
const (
	Circle Shape = iota
	Square
	Diamond
	TriangleUp
	TriangleDown
	Hexagon
	numShapes
)

// shapeNames are the names a model's row gives its marker by
// (results.Style.Marker), indexed by Shape.
var shapeNames = [numShapes]string{"circle", "square", "diamond", "triangle-up", "triangle-down", "hexagon"}

// ShapeNamed returns the shape a marker name stands for.
func ShapeNamed(name string) (Shape, bool) {
	for i, n := range shapeNames {
		if n == name {
			return Shape(i), true
		}
	}
	return 0, false
}

// glyph draws a Shape, filled or hollow (a white inside with a thick
// outline, so a hollow point stands out against a line of filled ones),
// or filled and pierced (a white bar across: a variant, such as
// cpu-offload, told from the model's default where no line shows it).
type glyph struct {
	shape   Shape
	hollow  bool
	pierced bool
}

// DrawGlyph implements draw.GlyphDrawer.
func (g glyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	var p vg.Path
	pts := g.outline(sty.Radius, pt)
	p.Move(pts[0])
	for _, q := range pts[1:] {
		p.Line(q)
	}
	p.Close()
	if g.hollow {
		c.SetColor(color.White)
		c.Fill(p)
		c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: vg.Points(1.4)})
		c.Stroke(p)
		return
	}
	c.SetColor(sty.Color)
	c.Fill(p)
	if g.pierced {
		// A white bar across the middle: a variant, never mistaken for
		// the white inside of a hollow (client-bound) point.
		bar := draw.LineStyle{Color: color.White, Width: sty.Radius * 0.4}
		c.StrokeLine2(bar, pt.X-sty.Radius*0.65, pt.Y, pt.X+sty.Radius*0.65, pt.Y)
	}
}

// outline returns the shape's corners around pt; a circle is a 20-gon.
func (g glyph) outline(r vg.Length, pt vg.Point) []vg.Point {
	n, rot, scale := 20, 0.0, 1.0
	switch g.shape {
	case Square:
		n, rot, scale = 4, math.Pi/4, 1.2
	case Diamond:
		n, scale = 4, 1.3
	case TriangleUp:
		n, rot, scale = 3, math.Pi/2, 1.35
	case TriangleDown:
		n, rot, scale = 3, -math.Pi/2, 1.35
	case Hexagon:
		n, scale = 6, 1.1
	}
	pts := make([]vg.Point, n)
	for i := range pts {
		a := rot + 2*math.Pi*float64(i)/float64(n)
		pts[i] = vg.Point{X: pt.X + r*vg.Length(scale*math.Cos(a)), Y: pt.Y + r*vg.Length(scale*math.Sin(a))}
	}
	return pts
}
