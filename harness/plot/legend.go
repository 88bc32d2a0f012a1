package plot

import (
	"fmt"
	"image/color"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg/draw"

	"loopbench/harness/figures"
)

// unresolvedIn names the percentiles of a panel left out as not resolved,
// level by level: "p99.9 at 400 and 1600 (every series)", "p99 at 400
// (gnet, evio)".
func unresolvedIn(pn Panel) []string {
	var order []string
	at := map[string][]string{}
	var levels []float64
	for _, s := range pn.Series {
		for _, q := range s.Points {
			if !slices.Contains(levels, q.X) {
				levels = append(levels, q.X)
			}
		}
	}
	slices.Sort(levels)
	for _, l := range levels {
		var names []string
		measured := 0
		for _, s := range pn.Series {
			for _, q := range s.Points {
				if q.X == l && !q.Failed {
					measured++
					if q.Unresolved {
						names = append(names, s.Name())
					}
				}
			}
		}
		if len(names) == 0 {
			continue
		}
		who := strings.Join(names, ", ")
		if len(names) == measured && measured > 1 {
			who = "every series"
		}
		if at[who] == nil {
			order = append(order, who)
		}
		at[who] = append(at[who], formatCount(l))
	}
	var out []string
	for _, who := range order {
		out = append(out, strings.TrimPrefix(pn.Title+" at "+sentence(at[who])+" ("+who+")", " "))
	}
	return out
}

// sentence joins words as a list in prose: "a", "a and b", "a, b and c".
func sentence(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// addLegend adds one entry per series drawn (its line where lined names
// it, nil naming every series, and its marker unless it is plain) and,
// when some point was client-bound, partial, failed or measured once or
// had errors, an entry explaining the mark and a note listing those
// points; and how many requests the percentiles drawn rest on.
func addLegend(c *Chart, series []Series, lined map[string]bool) {
	seen := map[string]bool{}
	var bound, failed, partial, errs []string
	once := false
	var fewest, most int64
	for _, s := range series {
		if !seen[s.Name()] && len(s.Points) > 0 {
			seen[s.Name()] = true
			var thumbs []plot.Thumbnailer
			if lined == nil || lined[s.Name()] {
				thumbs = append(thumbs, lineThumb{lineStyle(s.style(), s.Variant)})
			}
			if !s.Plain {
				thumbs = append(thumbs, glyphThumb{variantGlyph(s.style(), s.Variant, false)})
			}
			c.Legend.Add(s.Name(), thumbs...)
		}
		for _, q := range s.Points {
			if q.Errors > 0 {
				errs = append(errs, fmt.Sprintf("%s at %s: %d", s.Name(), formatCount(q.X), q.Errors))
			}
			if drawn := !q.Failed && !q.Unresolved && !s.Plain; drawn {
				once = once || q.N == 1
				if q.Samples > 0 {
					fewest, most = minPositive(fewest, q.Samples), max(most, q.Samples)
				}
			}
		}
		if xs := levels(s.Points, func(q XY) bool { return q.ClientBound && !q.Failed && !s.Plain }); xs != "" {
			bound = append(bound, s.Name()+" at "+xs)
		}
		if xs := levels(s.Points, func(q XY) bool { return q.Failed }); xs != "" {
			failed = append(failed, s.Name()+" at "+xs)
		}
		if xs := levels(s.Points, func(q XY) bool { return q.Partial && !q.Failed }); xs != "" {
			partial = append(partial, s.Name()+" at "+xs)
		}
	}
	addMarkNotes(c, bound, failed)
	if once {
		c.Legend.Add("measured once (n=1)", glyphThumb{draw.GlyphStyle{Color: color.Gray{0x60}, Radius: onceRadius, Shape: glyph{shape: Circle, hollow: false}}})
	}
	addPartialNote(c, "Partial (ringed: the point did not hold the load its level names; the report says why)", partial, "; ")
	if most > 0 {
		c.Notes = append(c.Notes, "Requests per percentile: "+span(fewest, most)+".")
	}
	addNote(c, `Errors ("err" beside the point) over the repetitions`, errs, "; ")
}

// unresolvedHead heads the note naming the percentiles left out by the
// percentile rule (figures.Resolved).
func unresolvedHead() string {
	return fmt.Sprintf("Not resolved, left out (under %d requests beyond it: p99 needs %s, p99.9 %s)",
		figures.MinBeyond, figures.Num(float64(figures.NeedSamples(99))), figures.Num(float64(figures.NeedSamples(99.9))))
}

// minPositive is the smaller of a and b, ignoring a zero a.
func minPositive(a, b int64) int64 {
	if a == 0 {
		return b
	}
	return min(a, b)
}

// span writes a count or a range of counts: "3065", "800 to 12k".
func span(lo, hi int64) string {
	if lo == hi {
		return figures.Num(float64(lo))
	}
	return figures.Num(float64(lo)) + " to " + figures.Num(float64(hi))
}

// levels lists the x values of the points keep selects.
func levels(points []XY, keep func(XY) bool) string {
	var xs []string
	for _, q := range points {
		if keep(q) {
			xs = append(xs, formatCount(q.X))
		}
	}
	return strings.Join(xs, ", ")
}

// lineThumb draws a legend line.
type lineThumb struct{ sty draw.LineStyle }

// Thumbnail implements plot.Thumbnailer.
func (t lineThumb) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(t.sty, c.Min.X, y, c.Max.X, y)
}

// glyphThumb draws a legend marker.
type glyphThumb struct{ sty draw.GlyphStyle }

// Thumbnail implements plot.Thumbnailer.
func (t glyphThumb) Thumbnail(c *draw.Canvas) { c.DrawGlyph(t.sty, c.Center()) }
