package plot

import (
	"fmt"
	"strings"

	"loopbench/harness/analysis"
	"loopbench/harness/figures"
)

// bytesPerConnChart answers c10k's question: what one more held connection
// costs each model, as the slope of its memory against the connections it
// held (analysis.Slopes), with the slope's 95% interval: the cgroup's
// whole charge, and apart its user memory, the kernel's share and the
// process RSS, one panel each, on a log axis since the models lie orders
// of magnitude apart.
func bytesPerConnChart(_ []analysis.Workload, w *analysis.Workload, sh sheet) (*Chart, error) {
	if w.Mode != "idle" || len(w.Levels()) < 2 {
		return nil, nil
	}
	slopes := analysis.Slopes(w, 0.95)
	panels := []struct {
		title string
		fit   func(analysis.Slope) analysis.Fit
		cg    bool // a part of the cgroup's charge
	}{
		{"user + kernel (cgroup)", func(s analysis.Slope) analysis.Fit { return s.Total }, false},
		{"user memory", func(s analysis.Slope) analysis.Fit { return s.User }, true},
		{"kernel's share", func(s analysis.Slope) analysis.Fit { return s.Kernel }, true},
	}
	var dps []DotPanel
	var notes []string
	for _, pn := range panels {
		var ds []Dot
		for _, s := range slopes {
			f := pn.fit(s)
			if pn.cg && s.Source != analysis.SourceCgroup {
				continue
			}
			d := Dot{Model: s.Model, Variant: s.Variant, Style: sh.palette.Of(s.Model), ClientBound: s.ClientBound,
				Failed: !f.OK(), Value: f.Slope / 1024, Lo: f.Lo / 1024, Hi: f.Hi / 1024, CI: f.OK(), Reps: f.N, N: f.N}
			if d.Lo <= 0 || d.Hi <= d.Lo {
				d.Lo, d.Hi = 0, 0 // no whisker a log axis can draw
			}
			ds = append(ds, d)
		}
		if len(ds) > 0 {
			dps = append(dps, DotPanel{Title: pn.title, X: Axis{Label: "KiB per connection (log)", Log: true, Format: trim}, Dots: ds})
		}
	}
	for _, s := range slopes {
		if s.Partial+s.Failed > 0 {
			notes = append(notes, fmt.Sprintf("%s: %d partial and %d failed points left out", s.Model, s.Partial, s.Failed))
		}
	}
	counts := make([]string, 0, len(w.Levels()))
	for _, l := range w.Levels() {
		counts = append(counts, figures.Num(l))
	}
	c, err := Dots(title("memory per held connection: the slope over "+strings.Join(counts, ", ")+" connections", w.Name, sh.host), figures.Num,
		"the slope of memory against connections held, fitted through every usable repetition of every count, with its 95% interval (Student's t)", dps...)
	if err != nil || c == nil {
		return c, err
	}
	c.Notes = append(c.Notes, "Memory at the end of each window: the server cgroup's charge (user memory, the kernel's share: thread stacks, page tables, slab; socket buffers), page cache excluded; process RSS beside it, which leaves the kernel's share out.")
	if len(notes) > 0 {
		c.Notes = append(c.Notes, strings.Join(notes, "; ")+".")
	}
	return c, nil
}
