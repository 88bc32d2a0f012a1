package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"loopbench/harness/merge"
	"loopbench/harness/results"
	"loopbench/harness/validity"
)

const mergeUsage = `merge [--json] LOAD.json...

Merges the points of load generators that drove one server together, each
written by ` + "`loopbench load --share i/N --start-at TIME --json > LOAD.json`" + ` on its
own host, into one point, exactly: latency histograms add without loss,
requests, throughputs and client CPU add, and the point is client-bound if
any generator was. The generators' windows must overlap by at least 95% of
their span, else the merged point is partial with the reason. Runs made by
hand carry no measurement of their hosts' clocks (` + "`loopbench run --client-hosts`" + `
measures them), so their windows are compared as each host's clock gives them.`

func runMerge(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("merge", mergeUsage, stderr)
	asJSON := fs.Bool("json", false, "print the merged point as JSON (load --json's shape) instead of text")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("merge: name the load --json outputs to merge")
	}
	var parts []merge.Part
	for _, name := range fs.Args() {
		part, err := readPart(name)
		if err != nil {
			return err
		}
		parts = append(parts, part)
	}
	p, reasons, err := merge.Points(parts)
	if err != nil {
		return err
	}
	validity.Validate(&p, validity.Kernel{}, reasons...) // the server host's counters are not in the parts
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(merge.Output(p, parts))
	}
	printMerged(stdout, &p)
	return nil
}

// readPart reads one generator's output, naming the file in every error.
func readPart(name string) (merge.Part, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return merge.Part{}, err
	}
	var part merge.Part
	if err := json.Unmarshal(b, &part.Output); err != nil {
		return merge.Part{}, fmt.Errorf("merge: %s: %v (want the output of loopbench load --json)", name, err)
	}
	if part.Host == "" {
		part.Host = name
	}
	return part, nil
}

func printMerged(w io.Writer, p *results.Point) {
	fmt.Fprintf(w, "merged      %d load generators, %d connections, over %.2fs\n", len(p.Clients), p.Connections, p.Duration)
	fmt.Fprintf(w, "requests    %d correct (%.0f req/s)\n", p.Requests, p.Throughput)
	fmt.Fprintf(w, "latency     %s\n", percentiles(p.Latency))
	fmt.Fprintf(w, "errors      %s\n", counts(p.Errors, "none"))
	for _, c := range p.Clients {
		bound := ""
		if c.ClientBound {
			bound = "  client-bound"
		}
		fmt.Fprintf(w, "  %-20s %-5s %5d conns %9d req %9.0f req/s  p99 %s  client CPU %.0f%%%s\n",
			c.Host, c.Share, c.Connections, c.Requests, c.Throughput, micros(c.Latency.P99), 100*c.Client.Utilization, bound)
	}
	if p.ClientBound {
		fmt.Fprintln(w, "client-bound: at least one generator's CPU was saturated; the figures are the clients' limit")
	}
	if p.Validity.Status == results.Partial {
		fmt.Fprintf(w, "validity    partial: %s\n", strings.Join(p.Validity.Reasons, "; "))
	}
}
