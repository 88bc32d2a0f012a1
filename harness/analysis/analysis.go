package analysis

import "loopbench/harness/results"

// Analysis is what the readers of a run show of it (the report, the
// charts, compare, the runner's summary), computed once by Analyze, so
// that every one of them formats the same figures, verdicts and order.
type Analysis struct {
	Run *results.Run
	// Models is the model table the run was measured with
	// (results.Run.ModelTable): the roles the claims read, the order of
	// series and each model's style.
	Models []results.Model
	// Groups are the run's configurations in the order their points first
	// appear in it, as the runner stored them.
	Groups []results.Group
	// Workloads are the same configurations by workload, in series then
	// level order, with their merged histograms.
	Workloads []Workload
	// Claims are the claims of the argument with their readings and
	// verdicts.
	Claims []Claim
	// Design names the event-loop side in a sentence ("eventloop (the
	// homemade libuv) and node (the real one)") and Threads the
	// thread-per-connection model it is held against.
	Design, Threads string
	// Facts are the parts of the argument that are facts of design, not
	// measurements: stated, never scored.
	Facts []string
}

// Analyze computes the analysis of run.
func Analyze(run *results.Run) *Analysis {
	a := &Analysis{Run: run, Models: run.ModelTable(), Groups: results.Groups(run.Points)}
	a.Workloads = workloads(run, a.Groups, a.Models)
	k := castOf(a.Models)
	a.Claims = k.claims(a.Workloads)
	a.Design, a.Threads = k.design(), k.threads
	a.Facts = k.facts()
	return a
}

// Stats returns the table figures of g, one of the run's configurations.
func (a *Analysis) Stats(g *results.Group) *Stats {
	for i := range a.Workloads {
		if a.Workloads[i].Name == g.Key.Workload {
			return a.Workloads[i].Stats(g)
		}
	}
	return nil
}
