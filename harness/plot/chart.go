package plot

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Size of every chart: 8 by 5 inches, at DPI dots per inch in PNG.
const (
	Width  = 8 * vg.Inch
	Height = 5 * vg.Inch
	DPI    = 110
)

// Chart is one figure: a title, one or more panels sharing a legend, and
// notes printed under the legend (which points were client-bound or
// failed). The legend sits to the right of the panels, so it never covers
// a line.
type Chart struct {
	Title  string
	Panels []*plot.Plot
	// Vertical stacks the panels top to bottom instead of side by side.
	Vertical bool
	Legend   plot.Legend
	Notes    []string
	// Height overrides the chart's height (Height when zero).
	Height vg.Length
}

const legendWidth = 1.75 * vg.Inch

// newChart returns an empty chart with the shared fonts and a legend
// anchored at the top left of its column.
func newChart(title string) *Chart {
	l := plot.NewLegend()
	l.Top, l.Left = true, true
	l.TextStyle.Font.Size = vg.Points(10)
	l.Padding = vg.Points(3)
	l.ThumbnailWidth = vg.Points(26)
	l.YPosition = draw.PosCenter
	return &Chart{Title: title, Legend: l}
}

// newPanel returns a plot with legible fonts and a light grid.
func newPanel(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(11)
	p.X.Label.Text, p.Y.Label.Text = xlabel, ylabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = vg.Points(11)
		a.Tick.Label.Font.Size = vg.Points(9.5)
	}
	p.Add(grid())
	return p
}

// WriteTo draws the chart in format "png" or "svg" to w.
func (c *Chart) WriteTo(w io.Writer, format string) error {
	var canvas vg.CanvasWriterTo
	h := Height
	if c.Height > 0 {
		h = c.Height
	}
	switch format {
	case "png":
		canvas = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(Width, h), vgimg.UseDPI(DPI), vgimg.UseBackgroundColor(color.White))}
	case "svg":
		canvas = vgsvg.New(Width, h)
	default:
		return fmt.Errorf("chart format %q: want png or svg", format)
	}
	if err := c.draw(draw.New(canvas)); err != nil {
		return err
	}
	_, err := canvas.WriteTo(w)
	return err
}

// Bytes returns the chart drawn in format.
func (c *Chart) Bytes(format string) ([]byte, error) {
	var b bytes.Buffer
	err := c.WriteTo(&b, format)
	return b.Bytes(), err
}

// draw lays the chart out: title on top, panels on the left, legend and
// notes on the right. gonum panics on impossible axes (a log axis over
// zero); that is turned into an error naming the chart.
func (c *Chart) draw(dc draw.Canvas) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("drawing chart %q: %v", c.Title, r)
		}
	}()
	dc = draw.Crop(dc, vg.Points(6), -vg.Points(6), vg.Points(4), -vg.Points(4))
	title := text.Style{Font: font.From(plot.DefaultFont, vg.Points(13)), XAlign: draw.XCenter, YAlign: draw.YTop, Handler: plot.DefaultTextHandler}
	dc.FillText(title, vg.Point{X: dc.Center().X, Y: dc.Max.Y}, c.Title)
	dc.Max.Y -= title.Height(c.Title) + vg.Points(6)
	side := draw.Crop(dc, dc.Size().X-legendWidth, 0, 0, 0)
	main := draw.Crop(dc, 0, -legendWidth-vg.Points(6), 0, 0)
	c.drawPanels(main)
	c.Legend.Draw(side)
	c.drawNotes(side)
	return nil
}

func (c *Chart) drawPanels(dc draw.Canvas) {
	if len(c.Panels) == 0 {
		return
	}
	t := draw.Tiles{Rows: 1, Cols: len(c.Panels), PadX: vg.Points(10), PadY: vg.Points(10)}
	rows := [][]*plot.Plot{c.Panels}
	if c.Vertical {
		t.Rows, t.Cols = t.Cols, t.Rows
		rows = make([][]*plot.Plot, len(c.Panels))
		for i, p := range c.Panels {
			rows[i] = []*plot.Plot{p}
		}
	}
	for i, row := range plot.Align(rows, t, dc) {
		for j, cv := range row {
			rows[i][j].Draw(cv)
		}
	}
}

// drawNotes writes the notes, wrapped to the legend's width, under the
// legend.
func (c *Chart) drawNotes(dc draw.Canvas) {
	sty := c.Legend.TextStyle
	sty.Font.Size = vg.Points(8.5)
	sty.XAlign, sty.YAlign = draw.XLeft, draw.YTop
	y := c.Legend.Rectangle(dc).Min.Y - vg.Points(12)
	for _, n := range c.Notes {
		for _, line := range wrap(sty, n, dc.Size().X) {
			dc.FillText(sty, vg.Point{X: dc.Min.X, Y: y}, line)
			y -= sty.Height(line) + vg.Points(1)
		}
		y -= vg.Points(4)
	}
}

// wrap splits s into lines no wider than w in style sty.
func wrap(sty text.Style, s string, w vg.Length) []string {
	var lines []string
	cur := ""
	for _, word := range strings.Fields(s) {
		next := strings.TrimSpace(cur + " " + word)
		if cur != "" && sty.Width(next) > w {
			lines = append(lines, cur)
			next = word
		}
		cur = next
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

// grid is a light grey grid behind the data.
func grid() plot.Plotter {
	g := plotter.NewGrid()
	g.Vertical.Color = color.Gray{0xE0}
	g.Horizontal.Color = color.Gray{0xE0}
	return g
}
