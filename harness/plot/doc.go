// Package plot draws the charts of a run with gonum/plot, PNG and SVG,
// into the run's plots/ directory. Every figure it draws comes from the
// run's analysis (harness/analysis), which the report reads too, and is
// written with harness/figures, so a chart's label and the table beside it
// agree.
//
// The drawing functions are pure: Lines, Dots, Bars, Spectrum and Forest
// take series and return a Chart. Each chart answers one question:
//
//  1. The scorecard (Forest): every claim's readings as paired ratios with
//     their 95% intervals, over the claim's confirming and refuting bands.
//  2. Throughput, for closed-loop workloads only (an open loop serves the
//     rate it is offered, a replay its trace, c10k its probe).
//  3. Latency p50, p99 and p99.9 against the load (the offered rate of an
//     open loop, where the knee shows), and per route where a workload has
//     several; at a single level, dot plots with the repetitions' spread.
//  4. The latency spectrum on the nines axis, a panel per route (stacked
//     when there are more than two), each curve ending at the last
//     percentile its requests resolve.
//  5. Memory: peak RSS, and for idle workloads (c10k) the memory per held
//     connection, user, kernel and socket buffers stacked, with the models
//     far below the tallest again on a scale of their own.
//  6. Server CPU per request, cores used and requests per second per core.
//  7. Throughput, RSS and threads over the measured window of the median
//     repetition, the end of the warm-up shaded before it; and the loop
//     lag p99 of the models that measure it, per workload, on a log axis.
//
// Every chart says, first among its notes, whether its points are medians
// of the repetitions (whiskers: the 95% interval, solid, or below 6
// repetitions the range, dashed) or percentiles of their histograms
// merged (whiskers: the range of the repetitions' own). A percentile too
// few requests resolve (figures.Resolved) is not drawn, and the notes say
// where. Bars stand only on linear axes; wherever an axis is logarithmic
// the figure is a dot with interval whiskers, and a series with fewer than
// three levels on a log axis is drawn as points side by side, not joined
// by a line that would pretend a trend. Each model keeps in every chart
// the colour and marker its row in the model table the run was measured
// with gives it (results.Model.Style, read by Palette), each variant its
// line style (Dashes), a white bar across its markers or, in bar charts,
// hatching. A point measured once is a small marker, client-bound points
// are drawn hollow, partial ones ringed, failed ones a cross on the axis,
// and errors counted; each is named in the legend or the notes.
package plot
