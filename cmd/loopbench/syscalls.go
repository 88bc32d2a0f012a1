package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"loopbench/harness/loadgen"
	"loopbench/harness/proc"
	"loopbench/harness/syscount"
	"loopbench/servers"
	"loopbench/servers/model"
)

const syscallsUsage = `syscalls [--series eventloop,eventloop/io-uring,gnet,evio,threaded] [--levels 16,64,256,1024,256x16]
         [--route TARGET] [--duration D] [--warmup D] [--out FILE]

Counts the system calls each server model makes per answered request: for each
series and level, a fresh ` + "`loopbench serve`" + ` pinned to --server-cpus, driven by the load
generator pinned to --client-cpus, while perf stat counts the server's calls
(every thread's) with the kernel's tracepoints, from the end of the warm-up to
the end of the window. Nothing traces the server: its batching is as untraced.
Writes the counts as JSON to --out and prints a table: calls per request, in
all and for each call that makes at least 0.01 per request in some row.
Needs perf (scripts/install-perf.sh installs Debian's linux-perf).`

// syscallsOptions are the command's flags.
type syscallsOptions struct {
	series, levels, route  string
	duration, warmup       time.Duration
	out, data              string
	serverCPUs, clientCPUs string
}

func runSyscalls(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("syscalls", syscallsUsage, stderr)
	o := &syscallsOptions{}
	fs.StringVar(&o.series, "series", "eventloop,eventloop/io-uring,gnet,evio,threaded", "comma-separated `series`: a model, or model/variant")
	fs.StringVar(&o.levels, "levels", "16,64,256,1024,256x16", "comma-separated `levels`: CONNECTIONS, or CONNECTIONSxPIPELINE for that many requests in flight per connection")
	fs.StringVar(&o.route, "route", "/plaintext", "request `target`")
	fs.DurationVar(&o.duration, "duration", 2*time.Second, "counted `time` per point")
	fs.DurationVar(&o.warmup, "warmup", 500*time.Millisecond, "uncounted load before it")
	fs.StringVar(&o.out, "out", "syscalls.json", "JSON `file` the counts are written to")
	fs.StringVar(&o.data, "data", "", "`directory` /file serves from (default "+defaultDataDir()+")")
	fs.StringVar(&o.serverCPUs, "server-cpus", "1", "`CPUs` the server is pinned to")
	fs.StringVar(&o.clientCPUs, "client-cpus", "0", "`CPUs` the load generator is pinned to")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	plan, err := o.plan(fs.NArg())
	if err != nil {
		return err
	}
	rep, err := plan.run(stderr)
	if err != nil {
		return err
	}
	if err := syscount.WriteReport(o.out, rep); err != nil {
		return err
	}
	rep.Table(stdout)
	fmt.Fprintf(stderr, "syscalls: counts in %s\n", o.out)
	return nil
}

// syscallsPlan is the checked options: what to count, and how.
type syscallsPlan struct {
	o            *syscallsOptions
	series       []servers.Variant // Name "model/variant"; Edit nil for the default
	models       []servers.Entry
	levels       []syscallsLevel
	server, load proc.CPUSet
	bin          string
}

// plan checks the flags.
func (o *syscallsOptions) plan(nargs int) (*syscallsPlan, error) {
	if nargs > 0 {
		return nil, usagef("syscalls: unexpected argument (every setting is a flag; see loopbench syscalls --help)")
	}
	p := &syscallsPlan{o: o}
	for _, s := range splitList(o.series) {
		e, v, err := lookupSeries(s)
		if err == nil {
			if aerr := e.Available(); aerr != nil {
				err = fmt.Errorf("model %s cannot run here: %w", e.Name, aerr)
			}
		}
		if err != nil {
			return nil, usagef("syscalls: --series %s: %v", s, err)
		}
		p.models, p.series = append(p.models, e), append(p.series, v)
	}
	for _, l := range splitList(o.levels) {
		lv, err := parseSyscallsLevel(l)
		if err != nil {
			return nil, usagef("syscalls: --levels %q: %v", o.levels, err)
		}
		p.levels = append(p.levels, lv)
	}
	var err error
	if p.server, err = proc.ParseCPUs(o.serverCPUs); err != nil {
		return nil, usagef("syscalls: --server-cpus: %v", err)
	}
	if p.load, err = proc.ParseCPUs(o.clientCPUs); err != nil {
		return nil, usagef("syscalls: --client-cpus: %v", err)
	}
	switch {
	case len(p.series) == 0 || len(p.levels) == 0:
		return nil, usagef("syscalls: --series and --levels must name at least one each")
	case o.duration <= 0 || o.warmup < 0:
		return nil, usagef("syscalls: --duration %v, --warmup %v: want a positive duration", o.duration, o.warmup)
	}
	if p.bin, err = os.Executable(); err != nil {
		return nil, err
	}
	if o.data == "" {
		o.data = defaultDataDir()
	}
	return p, prepareData(&model.Config{DataDir: o.data})
}

// syscallsLevel is a number of connections and of requests in flight on each.
type syscallsLevel struct{ conns, pipeline int }

func (lv syscallsLevel) String() string {
	if lv.pipeline > 1 {
		return fmt.Sprintf("%d connections, %d requests in flight each", lv.conns, lv.pipeline)
	}
	return fmt.Sprintf("%d connections", lv.conns)
}

// parseSyscallsLevel reads "64" or "256x16".
func parseSyscallsLevel(s string) (syscallsLevel, error) {
	c, p, piped := strings.Cut(s, "x")
	lv := syscallsLevel{pipeline: 1}
	var err1, err2 error
	lv.conns, err1 = strconv.Atoi(c)
	if piped {
		lv.pipeline, err2 = strconv.Atoi(p)
	}
	if err1 != nil || err2 != nil || lv.conns < 1 || lv.pipeline < 1 || lv.pipeline > 1024 {
		return lv, fmt.Errorf("level %q: want CONNECTIONS or CONNECTIONSxPIPELINE, e.g. 64 or 256x16", s)
	}
	return lv, nil
}

// lookupSeries finds "model" or "model/variant" (servers.LookupSeries,
// with lookupModel's answer for an unknown model); the variant it returns
// is named for the whole series, and is the model's name alone for its
// default.
func lookupSeries(s string) (servers.Entry, servers.Variant, error) {
	name, _, _ := strings.Cut(s, "/")
	if _, err := lookupModel(name); err != nil {
		return servers.Entry{}, servers.Variant{}, err
	}
	e, v, err := servers.LookupSeries(s)
	if err != nil {
		return e, v, err
	}
	if v.Name == "" {
		v.Name = e.Name
	} else {
		v.Name = s
	}
	return e, v, nil
}

func (p *syscallsPlan) run(stderr io.Writer) (*syscount.Report, error) {
	rep := &syscount.Report{Schema: 1, Kernel: kernelRelease(), Route: p.o.route, Duration: p.o.duration.Seconds()}
	restore, err := p.pinSelf()
	if err != nil {
		return nil, err
	}
	defer restore()
	for _, lv := range p.levels {
		for i, s := range p.series {
			fmt.Fprintf(stderr, "syscalls: %s at %v\n", s.Name, lv)
			row, err := p.count(p.models[i], s, lv)
			if err != nil {
				return nil, fmt.Errorf("syscalls: %s at %v: %w", s.Name, lv, err)
			}
			rep.Rows = append(rep.Rows, row)
		}
	}
	return rep, nil
}

// pinSelf pins the load generator (this process) to its CPUs, with as many
// processors as CPUs, as `loopbench run` starts it.
func (p *syscallsPlan) pinSelf() (func(), error) {
	if err := proc.Pin(os.Getpid(), p.load); err != nil {
		return nil, err
	}
	prev := runtime.GOMAXPROCS(len(p.load))
	return func() { runtime.GOMAXPROCS(prev) }, nil
}

// count serves one series, drives it and counts its calls over the window.
func (p *syscallsPlan) count(e servers.Entry, s servers.Variant, lv syscallsLevel) (syscount.Row, error) {
	dir, err := os.MkdirTemp("", "loopbench-syscalls-")
	if err != nil {
		return syscount.Row{}, err
	}
	defer os.RemoveAll(dir)
	srv, err := p.startServer(e, s, dir)
	if err != nil {
		return syscount.Row{}, err
	}
	defer srv.stop()
	counter, err := syscount.Start(srv.child.PID(), syscount.Events(syscount.Calls), dir)
	if err != nil {
		return syscount.Row{}, err
	}
	var enableErr error
	cfg := loadgen.Config{Addr: srv.addr, Mix: []loadgen.Route{{Target: p.o.route, Weight: 1}}, Mode: loadgen.ModeClosed,
		Connections: lv.conns, Pipeline: lv.pipeline, Warmup: p.o.warmup, Duration: p.o.duration, Seed: 1,
		OnMeasure: func() { enableErr = counter.Enable() }, OnMeasureEnd: func() { _ = counter.Disable() }}
	res, lerr := loadgen.Run(context.Background(), cfg)
	counts, cerr := counter.Stop()
	if err := errors.Join(lerr, enableErr, cerr); err != nil {
		return syscount.Row{}, err
	}
	row := syscount.Row{Series: s.Name, Connections: lv.conns, Pipeline: lv.pipeline, Requests: res.Requests, Syscalls: counts.Total, ByCall: map[string]float64{}}
	for _, n := range res.Errors {
		row.Errors += n
	}
	if res.Requests == 0 {
		return row, errors.New("no request was answered in the window")
	}
	per := func(n int64) float64 { return float64(n) / float64(res.Requests) }
	row.PerRequest = per(counts.Total)
	other := counts.Total
	for call, n := range counts.By {
		row.ByCall[call], other = per(n), other-n
	}
	row.ByCall["other"] = per(max(other, 0))
	row.NotCounted = counts.NotCounted
	row.Backend = srv.backend()
	return row, nil
}

// countedServer is one `loopbench serve` child, started through the
// harness's one child-process layer.
type countedServer struct {
	child *proc.Child
	addr  string
	stats string
}

// startServer starts the series' server pinned to the server CPUs and
// waits until it accepts connections.
func (p *syscallsPlan) startServer(e servers.Entry, s servers.Variant, dir string) (*countedServer, error) {
	addr, err := proc.FreeAddr()
	if err != nil {
		return nil, err
	}
	srv := &countedServer{addr: addr, stats: filepath.Join(dir, "stats.json")}
	argv := append([]string{p.bin, "serve", "--model", e.Name, "--addr", addr, "--data", p.o.data, "--stats-file", srv.stats}, s.Flags...)
	taskset, _ := exec.LookPath("taskset")
	if srv.child, err = proc.Start(proc.Spec{Name: "server " + e.Name, Argv: argv, CPUs: p.server, Taskset: taskset, KillWithParent: true}); err != nil {
		return nil, err
	}
	if err := srv.child.WaitPort(context.Background(), addr, 10*time.Second); err != nil {
		srv.child.Stop()
		return nil, fmt.Errorf("%v: %s", err, srv.child.Output())
	}
	return srv, nil
}

// stop stops the server (SIGTERM, then SIGKILL after proc's grace).
func (s *countedServer) stop() { s.child.Stop() }

// backend stops the server and returns the backend its stats file names.
func (s *countedServer) backend() string {
	s.stop()
	st, ok, err := model.ReadStats(s.stats)
	if err != nil || !ok {
		return ""
	}
	return st.Backend
}

func kernelRelease() string {
	b, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return strings.TrimSpace(string(b))
}
