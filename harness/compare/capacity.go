package compare

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"loopbench/harness/capacity"
	"loopbench/harness/results"
)

// Capacity sets the capacity searches of two runs side by side (machines,
// typically: the same searches on two hosts): each one's capacity at its
// objectives with its 95% interval, per server CPU, and the cost of a
// million requests where the run knows its machine's price, then new ÷
// old of the capacity and of the cost, each with its interval. Nothing
// here is a regression: a comparison of machines states what each costs.
type Capacity struct {
	OldID, NewID string
	Pairs        []capacity.Pair
}

// CapacityOf sets the searches of two runs side by side, nil when neither
// has any.
func CapacityOf(old, new *results.Run) *Capacity {
	if len(old.Capacity) == 0 && len(new.Capacity) == 0 {
		return nil
	}
	return &Capacity{OldID: old.ID, NewID: new.ID, Pairs: capacity.Pairs(old, new)}
}

// capacityHead are the columns of the side-by-side table.
var capacityHead = []string{"workload", "model", "objectives", "old req/s", "new req/s", "new ÷ old",
	"old per CPU", "new per CPU", "old cost/M req", "new cost/M req", "cost new ÷ old"}

// cells are a pair's cells, in capacityHead's order.
func cells(p capacity.Pair) []string {
	side := func(r *capacity.Row, f func(capacity.Row) string) string {
		if r == nil {
			return "not searched"
		}
		return f(*r)
	}
	value := func(r capacity.Row) string { return r.Value.String() }
	perCPU := func(r capacity.Row) string { return r.PerCPU.String() }
	cost := func(r capacity.Row) string {
		if r.Price <= 0 {
			return "no price"
		}
		return r.Cost.String()
	}
	return []string{p.Workload, p.Series, p.Objectives, side(p.A, value), side(p.B, value), p.Ratio.Ratio(),
		side(p.A, perCPU), side(p.B, perCPU), side(p.A, cost), side(p.B, cost), p.CostRatio.Ratio()}
}

// capacityNote explains the table.
const capacityNote = "capacity: the highest offered rate at which an open loop held its rate and met the objectives, from each run's own search, with its 95% interval (≥ or < where the search found a bound, not a boundary); cost per million requests = price per hour ÷ (capacity × 3600) × 10⁶; the ratios' intervals combine both runs' intervals on the log scale (MOVER); the runs were measured apart, so a ratio measures the machines and their days alike"

func writeCapacityText(w io.Writer, c *Capacity) error {
	fmt.Fprintf(w, "\ncapacity, old run %s against new run %s\n", or(c.OldID), or(c.NewID))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(capacityHead, "\t"))
	for _, p := range c.Pairs {
		fmt.Fprintln(tw, strings.Join(cells(p), "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "\n"+capacityNote+".")
	return err
}

func writeCapacityMarkdown(w io.Writer, c *Capacity) error {
	fmt.Fprintf(w, "\n**Capacity**, old run %s against new run %s:\n\n", cell(or(c.OldID)), cell(or(c.NewID)))
	fmt.Fprintf(w, "| %s |\n|---|---|---|%s\n", strings.Join(capacityHead, " | "), strings.Repeat("--:|", len(capacityHead)-3))
	for _, p := range c.Pairs {
		cs := cells(p)
		for i := range cs {
			cs[i] = cell(cs[i])
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cs, " | "))
	}
	_, err := fmt.Fprintf(w, "\n%s.\n", cell(capacityNote))
	return err
}

// jsonCapacity is one pair as --format json writes it.
type jsonCapacity struct {
	Workload   string        `json:"workload"`
	Series     string        `json:"series"`
	Objectives string        `json:"objectives"`
	Old        *jsonCapSide  `json:"old,omitempty"`
	New        *jsonCapSide  `json:"new,omitempty"`
	Ratio      *jsonInterval `json:"ratio,omitempty"`
	CostRatio  *jsonInterval `json:"cost_ratio,omitempty"`
}

// jsonCapSide is one run's search.
type jsonCapSide struct {
	Capacity     jsonInterval  `json:"capacity_rps"`
	PerCPU       *jsonInterval `json:"per_cpu_rps,omitempty"`
	PricePerHour float64       `json:"price_per_hour,omitempty"`
	Cost         *jsonInterval `json:"cost_per_million,omitempty"`
	Energy       string        `json:"energy"`
	Note         string        `json:"note,omitempty"`
}

// jsonInterval is a figure with its interval, or a bound.
type jsonInterval struct {
	Value float64 `json:"value"`
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
	Bound string  `json:"bound,omitempty"`
}

func toJSONInterval(iv capacity.Interval) *jsonInterval {
	if iv.Value == 0 {
		return nil
	}
	return &jsonInterval{Value: iv.Value, Low: iv.Low, High: iv.High, Bound: iv.Bound}
}

func toJSONCapSide(r *capacity.Row) *jsonCapSide {
	if r == nil {
		return nil
	}
	return &jsonCapSide{Capacity: *toJSONIntervalOr(r.Value), PerCPU: toJSONInterval(r.PerCPU), PricePerHour: r.Price,
		Cost: toJSONInterval(r.Cost), Energy: r.Energy, Note: r.Note}
}

// toJSONIntervalOr is toJSONInterval, a zero one for a zero figure.
func toJSONIntervalOr(iv capacity.Interval) *jsonInterval {
	if j := toJSONInterval(iv); j != nil {
		return j
	}
	return &jsonInterval{}
}

func toJSONCapacity(c *Capacity) []jsonCapacity {
	if c == nil {
		return nil
	}
	out := []jsonCapacity{}
	for _, p := range c.Pairs {
		out = append(out, jsonCapacity{Workload: p.Workload, Series: p.Series, Objectives: p.Objectives,
			Old: toJSONCapSide(p.A), New: toJSONCapSide(p.B), Ratio: toJSONInterval(p.Ratio), CostRatio: toJSONInterval(p.CostRatio)})
	}
	return out
}
