package main

import (
	"encoding/json"
	"io"
	"os"

	"loopbench/harness/hostinfo"
	"loopbench/harness/remote"
)

const describeUsage = `describe [--addr IP] | describe --clock

Prints this host's description as JSON: CPU model, cores and threads per
core, NUMA nodes, memory, kernel, virtualisation, DMI product name, frequency
governor, transparent huge pages, the network interface that holds IP or
routes to it (driver, MTU, offloads), TCP congestion control and sysctls.
With --clock it answers each line read from stdin with this host's clock,
for ` + "`loopbench run`" + ` to measure the offset between hosts.`

func runDescribe(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("describe", describeUsage, stderr)
	addr := fs.String("addr", "", "IP `address` that picks the interface described (default: the default route's)")
	clock := fs.Bool("clock", false, "answer each line of stdin with this host's clock")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("describe: unexpected argument %q", fs.Arg(0))
	}
	if *clock {
		return remote.ServeClock(os.Stdin, stdout)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(hostinfo.Describe(*addr))
}
