package main

import (
	"fmt"
	"io"
	"os"

	"loopbench/harness/proc"
	"loopbench/harness/remote"
	"loopbench/harness/sample"
)

const sampleUsage = `sample --pid PID [--interval D] [--cpus LIST]

Streams the figures of process PID on this host to stdout, one JSON line
every --interval (default 100 ms): /proc's memory, threads, CPU time and
descriptors (context switches every tenth line), its cgroup's CPU time and
memory when the process has a group of its own (as ` + "`loopbench supervise`" + `
gives it), and the host's TCP counters and stolen CPU time. It stops when
stdin reaches its end or the process goes away (a last line with "gone").
` + "`loopbench run --server-host`" + ` runs it on the server's host through the transport.`

func runSample(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sample", sampleUsage, stderr)
	pid := fs.Int("pid", 0, "the process `pid` to read")
	interval := fs.Duration("interval", sample.Interval, "time between readings")
	cpus := fs.String("cpus", "", "CPU `list` whose stolen time the kernel counters sum (default: every CPU)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("sample: unexpected argument %q", fs.Arg(0))
	}
	if *pid <= 0 || *interval <= 0 {
		return usagef("sample: --pid must name a process and --interval be positive")
	}
	var set proc.CPUSet
	if *cpus != "" {
		var err error
		if set, err = proc.ParseCPUs(*cpus); err != nil {
			return usagef("sample: --cpus: %v", err)
		}
	}
	if _, err := sample.ReadLight(*pid); err != nil {
		return fmt.Errorf("sample: --pid %d: %w", *pid, err)
	}
	ctx, stop := signalContext()
	defer stop()
	return remote.ServeSamples(ctx, *pid, set, *interval, os.Stdin, stdout)
}
