package main

import (
	"io"
	"strings"

	"loopbench/harness/export"
)

const exportUsage = `export RESULTS_DIR [--format gobench|github-action-benchmark|bmf] [--smaller]

Writes a run for other tools, to stdout: gobench is the Go benchmark format
(configuration lines for the environment, Unit lines saying which way is
better, one result line per point and repetition), which benchstat reads as
it is; github-action-benchmark is the JSON of that action's
customBiggerIsBetter tool (throughput), or with --smaller of its
customSmallerIsBetter tool (CPU per request, p99); bmf is Bencher's metric
format. Partial and failed points are left out.`

func runExport(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", exportUsage, stderr)
	format := fs.String("format", "gobench", "output `format`: "+strings.Join(export.Formats, ", "))
	smaller := fs.Bool("smaller", false, "github-action-benchmark: the figures where smaller is better")
	if err := parseFlags(fs, reorder(args, "--format", "-format")); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("export takes one results directory, for example `loopbench export results/latest --format gobench`")
	}
	run, err := readRun(fs.Arg(0))
	if err != nil {
		return err
	}
	if err := export.Write(stdout, run, *format, *smaller); err != nil {
		return usagef("export: --format: %v", err)
	}
	return nil
}
