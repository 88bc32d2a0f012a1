// Command loopbench measures how server concurrency models behave: it serves
// the shared application under any model, drives them with workloads, and
// turns the results into tables, plots and a report.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(exitCode(run(os.Args[1:], os.Stdout, os.Stderr), os.Stderr))
}

// command is one subcommand. Each lives in its own file with its own FlagSet.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

// commands is the explicit table of subcommands, in the order help lists them.
var commands = []command{
	{"serve", "run one server model in the foreground", runServe},
	{"backend", "run the upstream service that /upstream calls", runBackend},
	{"data", "write the files that /file serves", runData},
	{"models", "list the server models and whether they run here", runModels},
	{"run", "drive models through workloads and write results", runRun},
	{"torture", "attack every model with hostile clients and faults; exit 1 if ours fail", runTortureCmd},
	{"capacity", "find each model's highest rate within a latency objective, with an interval", runCapacity},
	{"load", "drive one running server with the load generator", runLoad},
	{"merge", "merge the points of load generators that drove one server together", runMerge},
	{"plot", "draw the charts of a results directory", runPlot},
	{"report", "write REPORT.md from a results directory, or two side by side", runReport},
	{"pairs", "paired ratios of two series of a run, with confidence intervals", runPairs},
	{"syscalls", "count the system calls each model makes per answered request (perf)", runSyscalls},
	{"compare", "compare two runs point by point; exit 1 on a significant regression", runCompare},
	{"ab", "measure two builds against each other, interleaved on this machine; exit 1 on a regression", runAB},
	{"history", "benchmark figures over commits: append a run, find change points, plot", runHistory},
	{"bisect", "find the commit that brought a regression, by paired A/B runs", runBisect},
	{"export", "write a run in the Go benchmark format, github-action-benchmark's or Bencher's", runExport},
	{"describe", "describe this host (CPU, memory, kernel, NIC, sysctls) as JSON", runDescribe},
	{"sample", "stream a process's /proc and cgroup figures every 100 ms, for remote runs", runSample},
	{"supervise", "run a command for a remote run, stopped when its transport closes", runSupervise},
}

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// usagef reports a command-line mistake; the message names the flag and the fix.
func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stdout)
		return nil
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	printUsage(stderr)
	return usagef("unknown command %q", args[0])
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: loopbench <command> [flags]\n\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun `loopbench <command> --help` for a command's flags.")
}

// newFlagSet returns a FlagSet for a subcommand whose errors are returned, not
// printed and exited on, so every command reports them the same way.
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: loopbench %s\n\nflags:\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and turns flag errors into usage errors; --help is
// not an error.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return errHelp
	}
	if err != nil {
		return &usageError{err.Error()}
	}
	return nil
}

// errHelp ends a command after it printed its help: exit status 0.
var errHelp = errors.New("help requested")

func exitCode(err error, stderr io.Writer) int {
	var u *usageError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.As(err, &u):
		fmt.Fprintln(stderr, "loopbench:", err)
		return 2
	default:
		fmt.Fprintln(stderr, "loopbench:", err)
		return 1
	}
}
