package runner

import (
	"loopbench/harness/results"
	"loopbench/servers/model"
)

// recordModels writes the model table the run is measured with into it
// (Config.ModelTable), so that its readers judge it by the roles, styles
// and variants it was measured with.
func (r *Runner) recordModels() {
	r.run.Models = append([]results.Model(nil), r.cfg.ModelTable...)
}

// loopLag is the loop lag in a model's statistics, over the server's whole
// life, as the results keep it.
func loopLag(s model.Stats) *results.LoopLag {
	return &results.LoopLag{P50: s.LoopLag.P50, P99: s.LoopLag.P99, Max: s.LoopLag.Max}
}
