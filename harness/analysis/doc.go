// Package analysis is the stage between the results and their readers
// (plot, report, compare, the runner's summary): Analyze computes, once per
// run, everything they show, so that a chart, a table and a verdict agree.
//
//  1. The model table the run was measured with (results.Run.ModelTable)
//     gives the order of series and the cast of the claims (their roles).
//  2. The points are grouped by configuration, in the run's order, and by
//     workload, in the order of the model table then the load level
//     (Level; Chosen is the level the single-point figures compare).
//  3. Each configuration's histograms are merged, of every route and of
//     each (Workload.Merged, Workload.Percentiles), and the figures its
//     table rows show are computed (Stats); BytesPerConn and MemoryPerConn
//     give the memory per held connection, Cores the cores a server kept
//     busy.
//  4. Each claim's readings are paired ratios graded against its
//     Threshold, and the claim's verdict follows from them.
//
// The text of the claims writes its figures with harness/figures, as the
// presenters do.
package analysis
