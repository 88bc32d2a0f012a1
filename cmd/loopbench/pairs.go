package main

import (
	"io"
	"strings"

	"loopbench/harness/pairs"
)

// runPairs prints the paired ratio of two series of one run at every
// workload and level, with its 95% confidence interval.
func runPairs(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("pairs", "pairs RESULTS_DIR --a MODEL[/VARIANT] --b MODEL[/VARIANT] [--metric cpu|throughput|p99|user|sys]\n\n"+
		"Divides each repetition of A by the repetition of B measured in the same block of the\n"+
		"run (moments apart, so a noisy host's drift cancels) and prints, per workload and level,\n"+
		"both medians and the ratio's median with its 95% confidence interval (x/perf benchmath;\n"+
		"an interval needs at least 6 pairs).", stderr)
	a := fs.String("a", "eventloop", "the `series` on top of the ratio: a model, or model/variant")
	b := fs.String("b", "gnet", "the `series` below the ratio")
	metric := fs.String("metric", "cpu", "the `figure` compared: cpu (server µs per request), throughput, p99, or user or sys (the server's CPU per request in its own code, and in the kernel)")
	if err := parseFlags(fs, reorder(args, "--a", "-a", "--b", "-b", "--metric", "-metric")); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("pairs takes one results directory, for example `loopbench pairs results/latest --a eventloop --b gnet`")
	}
	m, err := pairs.LookupMetric(*metric)
	if err != nil {
		return usagef("pairs: --metric: %v", err)
	}
	run, err := readRun(fs.Arg(0))
	if err != nil {
		return err
	}
	sa, sb := series(*a), series(*b)
	rows := pairs.Compare(run, sa, sb, m)
	if len(rows) == 0 {
		return usagef("pairs: %s has no level measured on both %s and %s", fs.Arg(0), sa, sb)
	}
	return pairs.Write(stdout, rows, sa, sb, m)
}

func series(s string) pairs.Series {
	model, variant, _ := strings.Cut(s, "/")
	return pairs.Series{Model: model, Variant: variant}
}
