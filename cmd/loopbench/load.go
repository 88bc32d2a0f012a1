package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"

	"loopbench/harness/loadgen"
	"loopbench/harness/meter"
	"loopbench/harness/results"
	"loopbench/harness/sample"
	"loopbench/harness/workload"
)

const loadUsage = `load [--addr HOST:PORT] [--route TARGET[=WEIGHT]]... [--connections N] [--pipeline N]
       [--rate R | --trace FILE | --idle N] [--duration D] [--warmup D] [--server-pid PID] [--json]
       loopbench load --connections 0 --server-pid PID [--warmup D --duration D | -- COMMAND [ARG]...]

Drives one running server with the load generator and prints requests per
second, latency percentiles, errors and the load generator's own CPU use;
with --server-pid also the server's CPU time per answered request, memory
and threads over the measured interval, read from /proc as loopbench run does.
Closed loop (like wrk) by default; --rate R is an open loop at R requests per
second (like wrk2); --trace replays a trace file; --idle N holds N idle
connections while the other flags describe the probe load.

--connections 0 sends nothing: it reads the --server-pid server while
COMMAND, another client such as wrk, runs (its output passed through, and
its CPU time shown as the client's), or without a command from the end of
the warm-up until --duration ends or SIGINT or SIGTERM arrives.`

// loadFlags are the command's flags: the load generator's configuration
// (the flags of harness/loadgen's contract) and the command's own.
type loadFlags struct {
	cfg   loadgen.Config
	trace string
	json  bool
	// serverPID is the server process to read from /proc, or 0.
	serverPID int
	// share splits one load between several generators (share.go).
	share shareFlags
	// command is the client to time with --connections 0, if any.
	command []string
}

// watching is --connections 0: no load, only the server's figures.
func (f *loadFlags) watching() bool { return f.cfg.Connections == 0 }

func parseLoadFlags(args []string, stderr io.Writer) (*loadFlags, error) {
	fs := newFlagSet("load", loadUsage, stderr)
	f := &loadFlags{}
	f.cfg.DefineFlags(fs)
	fs.StringVar(&f.trace, "trace", "", "replay this trace `file` (\"OFFSET_MS TARGET\" per line) open loop; --duration defaults to its length")
	fs.IntVar(&f.serverPID, "server-pid", 0, "read the server process `pid` from /proc over the measured interval: CPU time, memory, threads, context switches")
	fs.BoolVar(&f.json, "json", false, "print the point as JSON (the results schema) instead of text")
	f.share.define(fs)
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	f.command = fs.Args()
	if len(f.command) > 0 && !f.watching() {
		return nil, usagef("load: unexpected argument %q (targets go in --route; a client command to time needs --connections 0)", fs.Arg(0))
	}
	if err := f.configure(fs); err != nil {
		return f, err
	}
	return f, f.share.apply(&f.cfg)
}

// configure checks the flags together and gives the configuration what
// they imply (loadgen's Complete: the mode, the default route), with the
// mix and schedule of --trace; --connections 0 has no mode: it sends nothing.
func (f *loadFlags) configure(fs *flag.FlagSet) error {
	c := &f.cfg
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	switch {
	case f.watching() && f.serverPID == 0:
		return usagef("load: --connections 0 sends nothing, so it needs --server-pid PID to have something to read")
	case f.watching() && (c.Rate > 0 || c.IdleConnections > 0 || f.trace != ""):
		return usagef("load: --connections 0 sends nothing; drop --rate, --idle and --trace")
	case f.watching() && len(f.command) > 0 && (set["warmup"] || set["duration"]):
		return usagef("load: --connections 0 with a command reads the server while the command runs; drop --warmup and --duration")
	case f.watching() && (c.Duration <= 0 || c.Warmup < 0):
		return usagef("load: --duration %v, --warmup %v: the duration must be positive, the warm-up 0 or more", c.Duration, c.Warmup)
	case f.trace != "" && (c.Rate > 0 || c.IdleConnections > 0 || set["route"]):
		return usagef("load: --trace takes its routes and timing from the file; drop --rate, --idle and --route")
	case f.trace != "":
		if !set["duration"] {
			c.Duration = 0
		}
		if err := f.loadTrace(); err != nil {
			return err
		}
	}
	c.Complete()
	if f.watching() {
		c.Mode = ""
	}
	return nil
}

// loadTrace reads --trace into the mix (one route per distinct target) and the schedule.
func (f *loadFlags) loadTrace() error {
	file, err := os.Open(f.trace)
	if err != nil {
		return usagef("load: --trace: %v", err)
	}
	defer file.Close()
	lines, err := workload.ParseTrace(f.trace, file)
	if err != nil {
		return fmt.Errorf("load: --trace: %w", err)
	}
	index := map[string]int{}
	for _, l := range lines {
		i, ok := index[l.Target]
		if !ok {
			i = len(f.cfg.Mix)
			index[l.Target] = i
			f.cfg.Mix = append(f.cfg.Mix, loadgen.Route{Target: l.Target, Weight: 1})
		}
		f.cfg.Trace = append(f.cfg.Trace, loadgen.TraceEntry{At: l.At, Route: i})
	}
	return nil
}

func runLoad(args []string, stdout, stderr io.Writer) error {
	f, err := parseLoadFlags(args, stderr)
	if err != nil {
		return err
	}
	m := meter.New(meter.Config{PID: f.serverPID, ClientCPUs: runtime.NumCPU()})
	if f.serverPID != 0 {
		if _, err := sample.Read(f.serverPID); err != nil {
			return fmt.Errorf("load: --server-pid %d: %w", f.serverPID, err)
		}
		f.cfg.Answered = m.Answered()
	}
	ctx, cancel := signalContext()
	defer cancel()
	ctx, stopEOF := f.share.untilEOF(ctx)
	defer stopEOF()
	if f.watching() {
		return watch(ctx, f, m, stdout, stderr)
	}
	f.cfg.OnMeasure, f.cfg.OnMeasureEnd = f.share.window(m.Begin, m.Finish)
	if err := f.share.waitStart(ctx); err != nil {
		return err
	}
	started := time.Now()
	res, err := loadgen.Run(ctx, f.cfg)
	m.Finish()
	if err != nil && res == nil {
		return fmt.Errorf("load: %w", err)
	}
	p := loadPoint(f, res, m, started)
	if f.json {
		if werr := writeLoadJSON(stdout, loadgen.NewOutput(p, res), &f.share); werr != nil {
			return werr
		}
	} else {
		printLoad(stdout, f, p, res, m)
	}
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	return nil
}

// watch is load with --connections 0: it sends nothing and reads the
// server while the client command runs, or without one from the end of the
// warm-up until the duration ends or ctx is cancelled (then the normal end,
// not an error).
func watch(ctx context.Context, f *loadFlags, m *meter.Meter, stdout, stderr io.Writer) error {
	var client *os.ProcessState
	var err error
	if len(f.command) == 0 && !sleep(ctx, f.cfg.Warmup) {
		return errors.New("load: interrupted during the warm-up, before the server was read")
	}
	started := time.Now()
	m.Begin()
	if len(f.command) > 0 {
		client, err = runClient(ctx, f.command, stdout, stderr)
	} else {
		sleep(ctx, f.cfg.Duration)
	}
	m.Finish()
	if client != nil {
		m.SetClientCPU(client.UserTime(), client.SystemTime())
	}
	p := loadPoint(f, &loadgen.Result{Duration: m.Wall()}, m, started)
	if f.json {
		if werr := writeLoadJSON(stdout, loadgen.NewOutput(p, &loadgen.Result{}), &f.share); werr != nil {
			return werr
		}
	} else {
		fmt.Fprintf(stdout, "watch       no request sent; server pid %d read over %.2fs\n", f.serverPID, m.Wall().Seconds())
		if client != nil {
			printClientCPU(stdout, p, m)
		}
		printServer(stdout, f.serverPID, p, m)
	}
	if err != nil {
		return fmt.Errorf("load: %s: %w", f.command[0], err)
	}
	return nil
}

// runClient runs the client command of a watch with its output passed
// through; cancelling ctx interrupts it.
func runClient(ctx context.Context, argv []string, stdout, stderr io.Writer) (*os.ProcessState, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	return cmd.ProcessState, err
}

// sleep waits for d, or less if ctx is cancelled first: then it is false.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// loadPoint is the point as the runner would record it: the load
// generator's figures, then the meter's (the same harness/meter the runner
// measures with) and the validity checks.
func loadPoint(f *loadFlags, res *loadgen.Result, m *meter.Meter, started time.Time) *results.Point {
	c := &f.cfg
	p := &results.Point{
		Mode: c.Mode, Connections: c.Connections, Pipeline: c.Pipeline, Rate: c.Rate,
		IdleConnections: c.IdleConnections, Start: started.UTC(),
	}
	res.Point(p)
	m.Fill(p)
	if c.Connections > 0 {
		m.Validate(p)
	}
	return p
}

// writeLoadJSON prints the --json output: loadgen's Output, with what the
// share flags say of this generator.
func writeLoadJSON(w io.Writer, out loadgen.Output, s *shareFlags) error {
	s.record(&out)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func printLoad(w io.Writer, f *loadFlags, p *results.Point, res *loadgen.Result, m *meter.Meter) {
	fmt.Fprintf(w, "%s against %s, %v measured after %v warm-up\n", describeLoad(&f.cfg), f.cfg.Addr, res.Duration.Round(time.Millisecond), f.cfg.Warmup)
	fmt.Fprintf(w, "requests    %d correct (%.0f req/s)\n", p.Requests, p.Throughput)
	if f.cfg.Rate > 0 || f.cfg.Mode == loadgen.ModeReplay {
		fmt.Fprintf(w, "offered     %d scheduled, %d waited for a free connection, send lag p99 %s\n",
			res.Offered, res.Queued, micros(float64(res.SendLag.ValueAtQuantile(99))))
	}
	if res.IdleOpened > 0 || f.cfg.IdleConnections > 0 {
		fmt.Fprintf(w, "idle        %d opened, %d held at the end (of %d asked)\n", res.IdleOpened, res.IdleHeld, f.cfg.IdleConnections)
	}
	fmt.Fprintf(w, "latency     %s\n", percentiles(p.Latency))
	if len(p.Routes) > 1 {
		for _, r := range p.Routes {
			fmt.Fprintf(w, "  %-24s %9d  %s\n", r.Route, r.Requests, percentiles(r.Latency))
		}
	}
	fmt.Fprintf(w, "status      %s\n", counts(p.Status, "none"))
	fmt.Fprintf(w, "errors      %s\n", counts(p.Errors, "none"))
	if res.Reconnects > 0 {
		fmt.Fprintf(w, "reconnects  %d\n", res.Reconnects)
	}
	if p.Validity.Status == results.Partial {
		fmt.Fprintf(w, "validity    partial: %s\n", strings.Join(p.Validity.Reasons, "; "))
	}
	printClientCPU(w, p, m)
	if f.serverPID != 0 {
		printServer(w, f.serverPID, p, m)
	}
}

func printClientCPU(w io.Writer, p *results.Point, m *meter.Meter) {
	c := p.Client
	if err := m.ClientErr(); err != nil || m.Wall() == 0 {
		fmt.Fprintf(w, "client CPU  not measured (%v)\n", err)
		return
	}
	perReq := "n/a"
	if p.Requests > 0 {
		perReq = fmt.Sprintf("%.2f µs", (c.CPUUser+c.CPUSys)*1e6/float64(p.Requests))
	}
	fmt.Fprintf(w, "client CPU  user %.3fs sys %.3fs over %.2fs on %d CPU(s): utilization %.0f%%, %s per request\n",
		c.CPUUser, c.CPUSys, m.Wall().Seconds(), runtime.NumCPU(), 100*c.Utilization, perReq)
}

// printServer writes the --server-pid figures. Scripts read the CPU times
// in seconds, fields 4 and 6 of the "server CPU" line (and of "client CPU").
func printServer(w io.Writer, pid int, p *results.Point, m *meter.Meter) {
	s := p.Server
	if err := m.ServerErr(); err != nil {
		fmt.Fprintf(w, "server      pid %d: %v\n", pid, err)
	}
	if s.CPUSource == "" { // never read
		return
	}
	perReq := "n/a"
	if p.Requests > 0 {
		perReq = fmt.Sprintf("%.2f µs", p.CPUPerRequest)
	}
	fmt.Fprintf(w, "server CPU  user %.3fs sys %.3fs over %.2fs: %s per request\n", s.CPUUser, s.CPUSys, m.Wall().Seconds(), perReq)
	fmt.Fprintf(w, "server      RSS %.1f MiB (peak %.1f), threads %d, fds %d, context switches %d voluntary, %d involuntary\n",
		float64(s.RSS)/(1<<20), float64(s.PeakRSS)/(1<<20), s.Threads, s.FDs, s.VolCtxSw, s.InvolCtxSw)
}

func describeLoad(c *loadgen.Config) string {
	switch c.Mode {
	case loadgen.ModeOpen:
		return fmt.Sprintf("open loop at %g req/s on %d connections", c.Rate, c.Connections)
	case loadgen.ModeReplay:
		return fmt.Sprintf("replay of %d requests on %d connections", len(c.Trace), c.Connections)
	case loadgen.ModeIdle:
		probe := fmt.Sprintf("closed probe on %d connections", c.Connections)
		if c.Rate > 0 {
			probe = fmt.Sprintf("open probe at %g req/s on %d connections", c.Rate, c.Connections)
		}
		return fmt.Sprintf("%d idle connections, %s", c.IdleConnections, probe)
	}
	return fmt.Sprintf("closed loop on %d connections, pipeline %d", c.Connections, c.Pipeline)
}

func percentiles(l results.Latency) string {
	return fmt.Sprintf("p50 %s  p90 %s  p99 %s  p99.9 %s  max %s",
		micros(l.P50), micros(l.P90), micros(l.P99), micros(l.P999), micros(l.Max))
}

// micros formats a latency given in microseconds.
func micros(us float64) string {
	switch {
	case us >= 1e6:
		return fmt.Sprintf("%.2fs", us/1e6)
	case us >= 1e3:
		return fmt.Sprintf("%.2fms", us/1e3)
	}
	return fmt.Sprintf("%.0fµs", us)
}

func counts(m map[string]int64, none string) string {
	if len(m) == 0 {
		return none
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString("  ")
		}
		fmt.Fprintf(&b, "%s: %d", k, m[k])
	}
	return b.String()
}
