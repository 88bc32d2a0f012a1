// Package merge adds up the points of several load generators that drove
// one server at the same time, exactly: HDR histograms add without loss,
// requests, throughputs and CPU times add, statuses and errors add by
// class. The result is only as good as the generators' simultaneity, so a
// merge checks it: their windows must overlap by at least MinOverlap of
// their span and their clocks agree with the coordinator's within
// ClockBound, else the merged point is partial, with the reason.
package merge

import (
	"errors"
	"fmt"
	"math"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"loopbench/harness/loadgen"
	"loopbench/harness/results"
)

// MinOverlap is the share of the generators' joint span that every one of
// them must have been measuring.
const MinOverlap = 0.95

// ClockBound is how far a generator's clock may be from the coordinator's,
// measurement error included: well under 5% of the shortest window a
// workload measures (1 s).
const ClockBound = 10 * time.Millisecond

// Part is one generator's point, as `loopbench load --json` answers it
// (loadgen.Output), and what is known of its clock.
type Part struct {
	loadgen.Output
	// Clocked is set when the offset of the generator's clock from the
	// coordinator's was measured (ClockOffset, within ±ClockError); windows
	// are then compared on the coordinator's clock. Merges of runs made by
	// hand have no such measurement and compare the windows as given.
	Clocked                 bool
	ClockOffset, ClockError time.Duration
}

// window is a part's window on the coordinator's clock.
func (p *Part) window() (time.Time, time.Time) {
	return p.WindowStart.Add(-p.ClockOffset), p.WindowEnd.Add(-p.ClockOffset)
}

// Points merges the parts into one point. The reasons say why the merged
// point is partial (windows that do not overlap enough, clocks that
// disagree); the error, why the parts cannot be merged at all.
func Points(parts []Part) (results.Point, []string, error) {
	if len(parts) == 0 {
		return results.Point{}, nil, errors.New("merge: no points")
	}
	for i := range parts {
		if err := mergeable(&parts[0], &parts[i], i); err != nil {
			return results.Point{}, nil, err
		}
	}
	p := base(&parts[0].Point)
	for i := range parts {
		add(&p, &parts[i])
	}
	if err := histograms(&p, parts); err != nil {
		return results.Point{}, nil, err
	}
	if err := connect(&p, parts); err != nil {
		return results.Point{}, nil, err
	}
	schedule(&p, parts)
	start, end, reasons := simultaneity(parts)
	p.Duration = end.Sub(start).Seconds()
	return p, reasons, nil
}

// mergeable checks that part i measured the same kind of load as part 0.
func mergeable(a, b *Part, i int) error {
	pa, pb := &a.Point, &b.Point
	switch {
	case b.WindowStart.IsZero() || !b.WindowEnd.After(b.WindowStart):
		return fmt.Errorf("merge: point %d (%s) has no measured window (window_start, window_end): it was written by a `loopbench load` older than merges, or never measured", i+1, name(b, i))
	case pa.Mode != pb.Mode || pa.Pipeline != pb.Pipeline || pa.Workload != pb.Workload || pa.Model != pb.Model || pa.Variant != pb.Variant:
		return fmt.Errorf("merge: point %d (%s) measured %s, point 1 %s: only the parts of one load merge", i+1, name(b, i), describe(pb), describe(pa))
	}
	return nil
}

func describe(p *results.Point) string {
	return fmt.Sprintf("%q %q %q mode %s pipeline %d", p.Workload, p.Model, p.Variant, p.Mode, p.Pipeline)
}

func name(p *Part, i int) string {
	if p.Host != "" {
		return p.Host
	}
	return fmt.Sprintf("generator %d", i+1)
}

// base is the merged point before any part is added: the first part's
// labels, none of its figures.
func base(first *results.Point) results.Point {
	return results.Point{
		Workload: first.Workload, Model: first.Model, Variant: first.Variant, Flags: first.Flags,
		Mode: first.Mode, Pipeline: first.Pipeline, Rep: first.Rep, ServerCPUs: first.ServerCPUs,
		ClientCPUs: first.ClientCPUs, ServerHost: first.ServerHost, Start: first.Start,
		Status: map[string]int64{}, Errors: map[string]int64{},
	}
}

// add adds one part's counts to p.
func add(p *results.Point, part *Part) {
	q := &part.Point
	p.Connections += q.Connections
	p.Rate += q.Rate
	p.IdleConnections += q.IdleConnections
	if p.IdleHeld >= 0 {
		p.IdleHeld = q.IdleHeld + p.IdleHeld
		if q.IdleHeld < 0 {
			p.IdleHeld = -1
		}
	}
	p.NotReady += q.NotReady
	p.AdmissionWait = math.Max(p.AdmissionWait, q.AdmissionWait)
	p.Unfinished += q.Unfinished
	p.InFlight += q.InFlight
	p.Requests += q.Requests
	p.Throughput += q.Throughput
	if q.Start.Before(p.Start) {
		p.Start = q.Start
	}
	for k, v := range q.Status {
		p.Status[k] += v
	}
	for k, v := range q.Errors {
		p.Errors[k] += v
	}
	p.Client.CPUUser += q.Client.CPUUser
	p.Client.CPUSys += q.Client.CPUSys
	p.Client.BackendCPU += q.Client.BackendCPU
	p.Client.Utilization = math.Max(p.Client.Utilization, q.Client.Utilization)
	p.ClientBound = p.ClientBound || q.ClientBound
	p.Clients = append(p.Clients, results.ClientShare{
		Generator: part.Generator, Connections: q.Connections, Rate: q.Rate, Requests: q.Requests, Throughput: q.Throughput,
		Latency: withoutHistogram(q.Latency), Client: q.Client, ClientBound: q.ClientBound, Errors: q.Errors,
	})
}

// withoutHistogram keeps a part's percentiles; its histogram is in the sum.
func withoutHistogram(l results.Latency) results.Latency {
	l.Histogram = ""
	return l
}

// histograms adds the parts' latency histograms, all routes together and
// each route apart (in the order routes first appear).
func histograms(p *results.Point, parts []Part) error {
	all := results.NewHistogram()
	routes := map[string]*hdr.Histogram{}
	var order []string
	for i := range parts {
		q := &parts[i].Point
		if err := addHist(all, q.Latency, parts, i, "all routes"); err != nil {
			return err
		}
		for _, r := range q.Routes {
			h, ok := routes[r.Route]
			if !ok {
				h = results.NewHistogram()
				routes[r.Route] = h
				order = append(order, r.Route)
				p.Routes = append(p.Routes, results.RouteStats{Route: r.Route})
			}
			if err := addHist(h, r.Latency, parts, i, r.Route); err != nil {
				return err
			}
			for j := range p.Routes {
				if p.Routes[j].Route == r.Route {
					p.Routes[j].Requests += r.Requests
				}
			}
		}
	}
	var err error
	if p.Latency, err = results.Summarize(all); err != nil {
		return err
	}
	for j, name := range order {
		if p.Routes[j].Latency, err = results.Summarize(routes[name]); err != nil {
			return err
		}
	}
	return nil
}

// addHist adds one part's histogram to h; a part with requests and no
// histogram cannot be merged exactly.
func addHist(h *hdr.Histogram, l results.Latency, parts []Part, i int, what string) error {
	if l.Histogram == "" {
		if l.Count == 0 {
			return nil
		}
		return fmt.Errorf("merge: point %d (%s) keeps no histogram for %s, so its latencies cannot be added exactly", i+1, name(&parts[i], i), what)
	}
	q, err := results.DecodeHistogram(l.Histogram)
	if err != nil {
		return fmt.Errorf("merge: point %d (%s), %s: %w", i+1, name(&parts[i], i), what, err)
	}
	if dropped := h.Merge(q); dropped > 0 {
		return fmt.Errorf("merge: point %d (%s), %s: %d values outside the shared histogram bounds", i+1, name(&parts[i], i), what, dropped)
	}
	return nil
}

// Output is the merge in the shape of one generator's answer (what
// `loopbench merge --json` prints): the merged point p, over the parts'
// joint span, with the counts only the generators know added up.
func Output(p results.Point, parts []Part) loadgen.Output {
	start, end := Span(parts)
	out := loadgen.Output{Point: p, Generator: results.Generator{WindowStart: start, WindowEnd: end}}
	for i := range parts {
		q := &parts[i].Output
		out.Offered += q.Offered
		out.Queued += q.Queued
		out.Reconnects += q.Reconnects
		out.IdleOpened += q.IdleOpened
	}
	return out
}

// Span is the parts' joint window, on the coordinator's clock when their
// clocks were measured.
func Span(parts []Part) (start, end time.Time) {
	start, end, _ = simultaneity(parts)
	return start, end
}

// simultaneity returns the parts' joint span and the reasons the merged
// point is partial: windows that overlap by less than MinOverlap of the
// span, or clocks that disagree by more than ClockBound.
func simultaneity(parts []Part) (start, end time.Time, reasons []string) {
	var lastStart, firstEnd time.Time
	for i := range parts {
		s, e := parts[i].window()
		if i == 0 || s.Before(start) {
			start = s
		}
		if i == 0 || e.After(end) {
			end = e
		}
		if i == 0 || s.After(lastStart) {
			lastStart = s
		}
		if i == 0 || e.Before(firstEnd) {
			firstEnd = e
		}
		if p := &parts[i]; p.Clocked && p.ClockOffset.Abs()+p.ClockError > ClockBound {
			reasons = append(reasons, fmt.Sprintf("the clock of %s is %v off the coordinator's (±%v), more than %v: its window cannot be placed against the others'",
				name(p, i), p.ClockOffset.Round(time.Microsecond), p.ClockError.Round(time.Microsecond), ClockBound))
		}
	}
	span, common := end.Sub(start), max(firstEnd.Sub(lastStart), 0)
	if overlap := common.Seconds() / span.Seconds(); overlap < MinOverlap {
		reasons = append(reasons, fmt.Sprintf("the load generators' windows overlap for %v of their %v span (%.0f%%, under %.0f%%): they did not load the server together",
			common.Round(time.Millisecond), span.Round(time.Millisecond), 100*overlap, 100*MinOverlap))
	}
	return start, end, reasons
}
