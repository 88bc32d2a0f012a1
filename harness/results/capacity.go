package results

// The capacity searches of a run (harness/capacity): for a workload and a
// model, the highest offered rate at which an open loop held its rate and
// met a latency objective, and every probe the search measured on the way.
// The probes are points, measured as every point is, and kept here, apart
// from Run.Points: the sweep's statistics, verdicts and comparisons never
// see them, and the report draws latency against throughput from them.

// Capacity is one capacity search: its answer and its probes.
type Capacity struct {
	Workload string `json:"workload"`
	Model    string `json:"model"`
	Variant  string `json:"variant"`
	// Objectives are the latency objectives every passing probe met, as
	// written on the command line ("p99=5ms").
	Objectives []string `json:"objectives"`
	// Start is the first rate probed and StartFrom where it came from
	// ("the workload's rates", "the run's closed-loop throughput", ...).
	Start     float64 `json:"start_rps"`
	StartFrom string  `json:"start_from,omitempty"`
	// Capacity is the offered rate (req/s) at which a probe passes half
	// the time, Low and High its 95% interval, from a logistic fit of
	// every search probe's outcome against log rate. Where Bound is set
	// the search found no boundary and Capacity is a bound: "≥" (every
	// probe passed, or the load generator could go no faster) or "<"
	// (every probe failed); Limit says why in words.
	Capacity float64 `json:"capacity_rps"`
	Low      float64 `json:"low_rps"`
	High     float64 `json:"high_rps"`
	Bound    string  `json:"bound,omitempty"`
	Limit    string  `json:"limit,omitempty"`
	// Cut says the search stopped on its probe count or time budget, or
	// on an error, before its end; its answer is from the probes it had.
	Cut string `json:"cut,omitempty"`
	// Invalid says how many search probes failed on their validity alone
	// (partial for a reason other than their schedule, such as the
	// kernel's counters on a busy host, with their latency within the
	// objectives), and the first such reason; "" when none did.
	Invalid string `json:"invalid,omitempty"`
	// Took is the search's wall time in seconds.
	Took float64 `json:"took_s"`
	// Probes are the search's probes in the order measured.
	Probes []Probe `json:"probes"`
}

// The phases of a probe: the search's own (bracket, bisect, recheck,
// confirm) and
// the probes measured after it to draw the curve past the capacity, which
// the answer does not read.
const (
	PhaseBracket = "bracket"
	PhaseBisect  = "bisect"
	PhaseRecheck = "recheck"
	PhaseConfirm = "confirm"
	PhaseCurve   = "curve"
)

// Probe is one probe of a search: an open loop at one offered rate on a
// fresh server (Point.Rate), and how the search judged it.
type Probe struct {
	Phase string `json:"phase"`
	// Held says the point held its rate and was valid; Met that its
	// latency met every objective; ClientBound that the load generator's
	// CPU was saturated, so a failure says nothing of the server. Reason
	// says why it failed, in words.
	Held        bool   `json:"held"`
	Met         bool   `json:"met"`
	ClientBound bool   `json:"client_bound,omitempty"`
	Reason      string `json:"reason,omitempty"`
	Point       Point  `json:"point"`
}

// Pass reports whether the probe held its rate and met every objective.
func (p *Probe) Pass() bool { return p.Held && p.Met }

// Energy is what the host's CPU packages used over a point's window, read
// from their RAPL counters (harness/energy). It counts every process on
// them: with the server and the load generator on one host, both.
type Energy struct {
	Joules float64 `json:"joules"`
	// Zones names the counters read ("package-0").
	Zones []string `json:"zones"`
}

// JoulesPerRequest is the window's energy per correct answer, 0 when the
// point has no energy reading or no answer.
func (p *Point) JoulesPerRequest() float64 {
	if p.Energy == nil || p.Requests == 0 {
		return 0
	}
	return p.Energy.Joules / float64(p.Requests)
}
