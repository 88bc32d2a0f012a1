// Package analysis is the stage between the results and their readers
// (plot, report): it groups a run's points by workload and configuration,
// places them on the load axis, merges their histograms, computes memory
// per connection and the server's cores, and checks each claim of the
// argument with paired ratios and their 95% intervals. Everything a chart
// draws or a table prints is computed here, once, so the two agree.
//
//  1. Workloads groups the points by workload and configuration, in the
//     order of the model table (servers.All), then other models by name.
//  2. Level places a configuration on the load axis (connections, the
//     offered rate of open-loop workloads, or idle connections held);
//     Chosen is the level the single-point figures compare.
//  3. Merged, MergedOf and Percentiles read latency from the merged
//     histograms of the repetitions; BytesPerConn and MemoryPerConn the
//     memory per held connection; Cores the cores a server kept busy.
//  4. Claims grades each claim's readings against its Threshold.
//
// Num and its siblings write figures the way every table and chart label
// does, so a label never says 2010 where the table says 2008.
package analysis
