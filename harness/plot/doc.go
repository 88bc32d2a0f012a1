// Package plot draws the charts of a run with gonum/plot, PNG and SVG,
// into the run's plots/ directory.
//
// The drawing functions are pure: Lines, Bars and Spectrum take series
// and return a Chart. The rest of the package turns a results.Run into
// those series:
//
//  1. Workloads groups the points by workload and configuration, in the
//     order of the model table (servers.All), then other models by name.
//  2. For each workload, charts against the load level (connections, the
//     offered rate of open-loop workloads, or idle connections held) when
//     it has two levels or more: throughput, latency p50/p99/p99.9, peak
//     RSS, threads, and the main route's latency alone in a workload with
//     several routes (mixed's /plaintext). A workload with one level gets
//     the same figures as bars.
//  3. At the workload's chosen level (Chosen: the level where the most
//     series were measured, the highest on a tie): the HDR latency
//     spectrum on the nines axis with the repetitions merged, server CPU
//     per request as user and system bars, and throughput, RSS and threads
//     over time from the 100 ms samples of the median repetition.
//  4. For idle-mode workloads (c10k), memory per connection as bars
//     (BytesPerConn says how it is computed), and for the whole run the
//     loop lag p99 of the models that measure it, per workload.
//
// Each model keeps in every chart the colour and marker its row in the
// model table gives it (servers.Entry.Style, read by StyleOf), each variant
// its line style (Dashes) or, in bar charts, hatching. Points the load
// generator could not saturate are drawn hollow and named in the notes
// under the legend as client-bound; failed points are a cross on the x axis
// and named too, never drawn as data.
package plot
