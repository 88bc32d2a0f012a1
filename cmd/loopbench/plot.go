package main

import (
	"fmt"
	"io"

	"loopbench/harness/analysis"
	"loopbench/harness/plot"
)

// runPlot draws the charts of a results directory into its plots/
// directory and prints the files written, one per line.
func runPlot(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("plot", "plot RESULTS_DIR\n\nDraws every chart of the run (PNG and SVG) into RESULTS_DIR/plots and prints their paths.", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("plot takes one results directory, for example `loopbench plot results/latest`")
	}
	dir := fs.Arg(0)
	run, err := readRun(dir)
	if err != nil {
		return err
	}
	files, err := plot.WriteAll(dir, analysis.Analyze(run))
	if err != nil {
		return fmt.Errorf("plotting %s: %w", dir, err)
	}
	for _, f := range files {
		fmt.Fprintln(stdout, f.PNG)
		fmt.Fprintln(stdout, f.SVG)
	}
	return nil
}
