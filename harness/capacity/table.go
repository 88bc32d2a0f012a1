package capacity

import (
	"fmt"
	"strings"

	"loopbench/harness/figures"
	"loopbench/harness/machines"
	"loopbench/harness/results"
)

// Row is one stored search as the report and compare show it: the
// capacity with its interval, per server CPU, its cost per million
// requests where the run knows its machine's price, and its energy per
// request where the host exposes its counters.
type Row struct {
	Workload, Series, Objectives string
	// Value is the capacity (req/s) with its 95% interval, or a bound.
	Value Interval
	// CPUs is the number of CPUs the server had; PerCPU is Value ÷ CPUs.
	CPUs   int
	PerCPU Interval
	// Price is the machine's price per hour (0: unknown); Cost the cost
	// of a million requests at the capacity, its interval carried through
	// (a higher capacity costs less).
	Price float64
	Cost  Interval
	// Joules is the energy per request at the highest passing probe, 0
	// where the host does not expose it; Energy is the table's cell: the
	// figure, or why there is none ("not exposed on this host").
	Joules float64
	Energy string
	// Probes counts the search's probes (curve probes aside); Note says
	// why the answer is a bound or the search was cut.
	Probes int
	Note   string
}

// Interval is a figure with its 95% interval, or, where Bound is set, a
// bound ("≥ 41k", "< 300").
type Interval struct {
	Value, Low, High float64
	Bound            string
}

// String writes the interval as the tables do: "41.2k [39.8k, 42.5k]".
func (iv Interval) String() string {
	switch {
	case iv.Value == 0 && iv.Bound == "":
		return "–"
	case iv.Bound != "":
		return iv.Bound + " " + figures.Num(iv.Value)
	}
	return fmt.Sprintf("%s [%s, %s]", figures.Num(iv.Value), figures.Num(iv.Low), figures.Num(iv.High))
}

// Ratio writes the interval as a ratio: "1.32× [1.21, 1.44]", or its
// bound, "≥ 1.2×"; "–" when there is none.
func (iv Interval) Ratio() string {
	switch {
	case iv.Value == 0:
		return "–"
	case iv.Bound != "":
		return iv.Bound + " " + figures.Ratio(iv.Value)
	}
	return fmt.Sprintf("%s [%s, %s]", figures.Ratio(iv.Value), figures.Sig3(iv.Low), figures.Sig3(iv.High))
}

// scale multiplies an interval by k > 0.
func (iv Interval) scale(k float64) Interval {
	return Interval{Value: iv.Value * k, Low: iv.Low * k, High: iv.High * k, Bound: iv.Bound}
}

// inverse is k ÷ the interval: its bounds swap, and so does a bound's
// direction (a bound keeps no interval).
func (iv Interval) inverse(k float64) Interval {
	if b, ok := flipped[iv.Bound]; ok {
		return Interval{Value: k / iv.Value, Low: k / iv.Value, High: k / iv.Value, Bound: b}
	}
	return Interval{Value: k / iv.Value, Low: k / iv.High, High: k / iv.Low}
}

// flipped is the direction of a bound on k ÷ x for each on x.
var flipped = map[string]string{AtLeast: "≤", "≤": AtLeast, Below: ">", ">": Below}

// CostPerMillion is what a million requests cost at rate (req/s) on a
// machine of price per hour: price ÷ (rate × 3600) × 10⁶.
func CostPerMillion(price, rate float64) float64 { return price / (rate * 3600) * 1e6 }

// PriceOf is the price per hour of a run's server machine: its
// description's (the server host of a run over remote hosts), else the
// run's; 0 when neither says.
func PriceOf(env results.Env) float64 {
	if p := machines.Server(env).PricePerHour; p > 0 {
		return p
	}
	return env.PricePerHour
}

// NotExposed is what a row says of energy on a host without counters.
const NotExposed = "not exposed on this host"

// Rows are a run's searches as table rows, in the order stored.
func Rows(run *results.Run) []Row {
	var out []Row
	price := PriceOf(run.Env)
	for i := range run.Capacity {
		out = append(out, rowOf(&run.Capacity[i], price, run.Env.Energy))
	}
	return out
}

func rowOf(c *results.Capacity, price float64, energy string) Row {
	k := results.Key{Model: c.Model, Variant: c.Variant}
	r := Row{Workload: c.Workload, Series: k.Series(), Objectives: strings.Join(c.Objectives, ", "), Price: price,
		Value: Interval{Value: c.Capacity, Low: c.Low, High: c.High, Bound: c.Bound}, Note: note(c)}
	for _, p := range c.Probes {
		if p.Phase != results.PhaseCurve {
			r.Probes++
		}
		if r.CPUs == 0 {
			r.CPUs = results.CPUCount(p.Point.ServerCPUs)
		}
	}
	if r.CPUs > 0 {
		r.PerCPU = r.Value.scale(1 / float64(r.CPUs))
	}
	if price > 0 && c.Capacity > 0 {
		r.Cost = r.Value.inverse(CostPerMillion(price, 1))
	}
	r.Joules, r.Energy = joules(c, energy)
	return r
}

// note is why a search's answer is a bound or was cut, in words, and
// whether its failures came with an idle server.
func note(c *results.Capacity) string {
	var parts []string
	for _, s := range []string{c.Limit, c.Cut, c.Invalid, idleFailures(c)} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "; ")
}

// IdleBusy is the share of its CPUs below which a server whose probe
// failed was not what stopped it.
const IdleBusy = 0.6

// idleFailures says when every search probe that failed did so with the
// server's CPUs mostly idle: the rate was then bounded by something other
// than the server's work (the open loop's connections, each held for a
// wait; a backend; the client), so the capacity is a bound of that, not
// of the server. "" when a failing probe kept the server busy, or none
// failed.
func idleFailures(c *results.Capacity) string {
	busiest, failed := 0.0, 0
	for _, p := range c.Probes {
		if p.Phase == results.PhaseCurve || p.Pass() || p.ClientBound {
			continue
		}
		cpus := results.CPUCount(p.Point.ServerCPUs)
		if cpus == 0 || p.Point.CPUPerRequest == 0 {
			return ""
		}
		failed++
		busiest = max(busiest, p.Point.Throughput*p.Point.CPUPerRequest/1e6/float64(cpus))
	}
	if failed == 0 || busiest >= IdleBusy {
		return ""
	}
	return fmt.Sprintf("in the %d probes that failed the server's CPUs were at most %.0f%% busy: what held the rate back lay outside the server's work (the open loop's connections, each held for a wait, a backend or the client), so this is a bound of that", failed, 100*busiest)
}

// joules is the energy per request of the highest passing search probe
// that has an energy reading, and what the row says of energy: the
// figure, or that the host does not expose it.
func joules(c *results.Capacity, env string) (float64, string) {
	best := -1.0
	var j float64
	for _, p := range c.Probes {
		if p.Phase != results.PhaseCurve && p.Pass() && p.Point.Energy != nil && p.Point.Rate > best {
			best, j = p.Point.Rate, p.Point.JoulesPerRequest()
		}
	}
	switch {
	case best > 0:
		return j, fmt.Sprintf("%s J/req", figures.Sig3(j))
	case strings.HasPrefix(env, "read"):
		return 0, "–" // read on this host, but no passing probe has a reading
	}
	if why, _, _ := strings.Cut(env, ":"); strings.HasPrefix(why, "not ") {
		return 0, why
	}
	return 0, NotExposed
}
