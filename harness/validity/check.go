package validity

import (
	"fmt"

	"loopbench/harness/results"
)

// The bounds of the checks.
const (
	// LittleTolerance is how far throughput × mean latency may be from the
	// requests a closed loop keeps in flight (connections × pipeline depth).
	LittleTolerance = 0.10
	// MaxErrorRate is the share of failed requests a valid point may have.
	MaxErrorRate = 0.01
	// MaxSteal is the share of the server CPUs' time the hypervisor may
	// have taken during the window.
	MaxSteal = 0.05
)

// Kernel is what the kernel's counters said of a point: over its window,
// and over its whole life (from before its first dial to after its last
// close). Either is nil where the counters could not be read.
type Kernel struct{ Window, Life *Counters }

// Validate gives p its validity: failed when p failed; else Check against
// the kernel's counters (the point says nothing of those that could not be
// read), and partial for each of reasons (why a point that several load
// generators measured together is partial).
func Validate(p *results.Point, kernel Kernel, reasons ...string) {
	if p.Failed {
		p.Validity = results.Validity{Status: results.Failed, Reasons: []string{p.FailReason}}
		return
	}
	var k Counters
	if kernel.Window != nil {
		k = *kernel.Window
	}
	p.Validity = Check(p, k)
	if kernel.Window == nil {
		p.Validity.Kernel = nil
	}
	if kernel.Life != nil {
		judgeLife(p, &p.Validity, *kernel.Life)
	}
	if len(reasons) > 0 {
		p.Validity.Status = results.Partial
		p.Validity.Reasons = append(p.Validity.Reasons, reasons...)
	}
}

// Check judges p, whose load and server figures are filled, against the
// kernel's counters over its window (k, a Delta), and returns its validity.
func Check(p *results.Point, k Counters) results.Validity {
	v := results.Validity{Status: results.Valid, Kernel: k.point()}
	checks := []func(*results.Point, *results.Validity) string{
		notReady, heldConnections, littlesLaw, errorRate, admission, steal, holdsRate,
	}
	if p.Mode == "burst" {
		// A burst measures admission itself: what the queues and the
		// kernel did is its result, not a flaw of its measurement.
		checks = []func(*results.Point, *results.Validity) string{steal}
	}
	for _, check := range checks {
		if reason := check(p, &v); reason != "" {
			v.Status = results.Partial
			v.Reasons = append(v.Reasons, reason)
		}
	}
	return v
}

// notReady checks that every connection of a closed loop had completed a
// request when the window opened (the load generator's admission waits a
// while for it, before the warm-up).
func notReady(p *results.Point, _ *results.Validity) string {
	if p.NotReady == 0 {
		return ""
	}
	if p.Mode == "idle" {
		return fmt.Sprintf("%d of %d idle connections had no answer to their one request %.1f s after the last was opened", p.NotReady, p.IdleConnections, p.AdmissionWait)
	}
	return fmt.Sprintf("%d of %d connections had not completed a request when the window opened (admission waited %.1f s for their first answers, then the warm-up ran without them)", p.NotReady, p.Connections, p.AdmissionWait)
}

// heldConnections checks that the server had a descriptor for every
// connection the level holds open: the closed loop's connections, and the
// idle ones of c10k with their probe connections.
func heldConnections(p *results.Point, _ *results.Validity) string {
	want := 0
	switch p.Mode {
	case "closed":
		want = p.Connections
	case "idle":
		want = p.IdleConnections
		if p.IdleHeld >= 0 && p.IdleHeld < p.IdleConnections {
			return fmt.Sprintf("held %d of %d idle connections to the end", p.IdleHeld, p.IdleConnections)
		}
	}
	if want == 0 || p.Server.FDs == 0 || p.Server.FDs >= want {
		return ""
	}
	return fmt.Sprintf("held at most %d descriptors for %d connections", p.Server.FDs, want)
}

// littlesLaw checks a closed loop's figures against each other, in two
// parts where the load generator measured the requests in flight over the
// window itself (InFlight: each request's time in flight within it,
// unfinished ones included):
//
//   - InFlight against the requests the level keeps in flight
//     (connections × pipeline depth): fewer means connections were not
//     held busy;
//   - Little's law, throughput × mean latency, against InFlight: the
//     latencies of the requests answered in the window must account for
//     the time requests spent in flight. Less means requests waited
//     unanswered through the window's end, a wait the latency figures do
//     not show; more means requests answered in the window had waited from
//     before it.
//
// Without InFlight (older runs), Little's law is checked against the level.
func littlesLaw(p *results.Point, v *results.Validity) string {
	if p.Mode != "closed" || p.Requests == 0 || p.Latency.Mean == 0 {
		return ""
	}
	level := float64(p.Connections * max(p.Pipeline, 1))
	little := p.Throughput * p.Latency.Mean / 1e6
	v.LittleRatio = little / level
	within := func(r float64) bool { return r >= 1-LittleTolerance && r <= 1+LittleTolerance }
	if p.InFlight == 0 {
		if within(v.LittleRatio) {
			return ""
		}
		return fmt.Sprintf("Little's law: throughput × mean latency is %.0f requests in flight, %.2f× the %.0f the level keeps", little, v.LittleRatio, level)
	}
	if r := p.InFlight / level; !within(r) {
		return fmt.Sprintf("requests in flight averaged %.0f over the window, %.2f× the %.0f the level keeps", p.InFlight, r, level)
	}
	r := little / p.InFlight
	switch {
	case r < 1-LittleTolerance:
		return fmt.Sprintf("Little's law: throughput × mean latency is %.0f, %.2f× the %.0f requests in flight over the window: requests waited unanswered through its end, and the latency figures leave that wait out", little, r, p.InFlight)
	case r > 1+LittleTolerance:
		return fmt.Sprintf("Little's law: throughput × mean latency is %.0f, %.2f× the %.0f requests in flight over the window: requests answered in it had waited from before it", little, r, p.InFlight)
	}
	return ""
}

// errorRate checks that failed requests stayed rare.
func errorRate(p *results.Point, _ *results.Validity) string {
	var failed int64
	for _, n := range p.Errors {
		failed += n
	}
	total := failed + p.Requests
	if total == 0 || float64(failed)/float64(total) <= MaxErrorRate {
		return ""
	}
	return fmt.Sprintf("%d of %d requests failed (%.1f%%)", failed, total, 100*float64(failed)/float64(total))
}

// admission checks the kernel's counters for connections that waited on a
// full listen queue or lost a SYN: their latency is admission, not service.
func admission(_ *results.Point, v *results.Validity) string {
	k := v.Kernel
	if k.ListenOverflows == 0 && k.ListenDrops == 0 {
		return ""
	}
	return fmt.Sprintf("the kernel counted %d listen-queue overflows and %d dropped SYNs during the window", k.ListenOverflows, k.ListenDrops)
}

// steal checks that the hypervisor left the server's CPUs alone.
func steal(_ *results.Point, v *results.Validity) string {
	if v.Kernel.StealShare <= MaxSteal {
		return ""
	}
	return fmt.Sprintf("the hypervisor stole %.0f%% of the server CPUs' time", 100*v.Kernel.StealShare)
}
