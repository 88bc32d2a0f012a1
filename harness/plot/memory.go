package plot

import (
	"fmt"
	"strings"

	"loopbench/harness/analysis"
	"loopbench/harness/figures"
)

// bytesPerConnChart answers c10k's question: what one held connection
// costs each model, user and kernel memory (and socket buffers) stacked
// where the cgroup splits them, with the models far below the tallest
// again on a scale of their own.
func bytesPerConnChart(ws []analysis.Workload, w *analysis.Workload, sh sheet) (*Chart, error) {
	if w.Mode != "idle" {
		return nil, nil
	}
	var bars []Bar
	var methods []string
	byMethod := map[string][]string{}
	sources := map[string]bool{}
	leftOut := map[string]int{}
	var partial []string
	for _, pc := range analysis.BytesPerConn(ws, w.Name) {
		b := Bar{Model: pc.Model, Variant: pc.Variant, Style: sh.palette.Of(pc.Model), ClientBound: pc.ClientBound, Failed: pc.Conns == 0,
			Parts: []float64{pc.Bytes / 1024}, Label: figures.Num(pc.Bytes / 1024)}
		if pc.Source == analysis.SourceCgroup {
			b.Parts = []float64{pc.User / 1024, pc.Kernel / 1024, pc.Sock / 1024}
		}
		bars = append(bars, b)
		if pc.Conns == 0 {
			continue
		}
		sources[pc.Source] = true
		m := pc.Method()
		if byMethod[m] == nil {
			methods = append(methods, m)
		}
		byMethod[m] = append(byMethod[m], b.Name())
		if pc.Partial {
			partial = append(partial, b.Name())
		}
		for _, p := range pc.Group.Points {
			if !p.Failed && !p.Usable() && !pc.Partial {
				leftOut[b.Name()]++
			}
		}
		if n := leftOut[b.Name()]; n > 0 {
			bars[len(bars)-1].Label += fmt.Sprintf(" (%d/%d partial)", n, len(pc.Group.Points))
		}
	}
	ylabel, parts := "RSS per connection (KiB)", []string(nil)
	if sources[analysis.SourceCgroup] {
		ylabel, parts = "memory per held connection (KiB)", []string{"user", "kernel", "sockets"}
	}
	c, err := ZoomedBars(title("server memory per held connection at "+w.LevelWords(w.Chosen()), w.Name, sh.host), ylabel, parts, bars, figures.Num)
	if err != nil {
		return nil, err
	}
	c.Notes = append(c.Notes, "Medians of the repetitions.")
	if sources[analysis.SourceCgroup] {
		c.Notes = append(c.Notes, "cgroup memory, stacked: user memory, the kernel's share (thread stacks, page tables, slab) and socket buffers (sockets); page cache excluded. The label is the median of the whole.")
	}
	if sources[analysis.SourceRSS] || len(sources) == 0 {
		c.Notes = append(c.Notes, "Process RSS only; kernel socket buffers and thread stacks are not included.")
	}
	var lo []string
	for _, b := range bars {
		if n := leftOut[b.Name()]; n > 0 {
			lo = append(lo, b.Name()+" "+figures.Plural(n, "repetition"))
		}
	}
	if len(lo) > 0 {
		c.Notes = append(c.Notes, "Partial repetitions left out: "+strings.Join(lo, ", ")+".")
	}
	if len(partial) > 0 {
		c.Notes = append(c.Notes, "From partial repetitions only (none usable): "+strings.Join(partial, ", ")+".")
	}
	for _, m := range methods {
		c.Notes = append(c.Notes, m+": "+strings.Join(byMethod[m], ", ")+".")
	}
	return c, nil
}
