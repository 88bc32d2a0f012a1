// Package runner runs workloads against server models: for each workload,
// model, variant, load level and repetition it starts `loopbench serve` as
// a child on a free port, pins it and the load generator to their CPU sets,
// waits until it answers, measures the point while sampling the server from
// /proc, stops it, and writes each finished point to the results directory
// at once. With Config.Remote the server runs on another host instead,
// started through a command template and sampled by `loopbench sample`
// there; the steps drive both through one server handle (server.go).
//
// Every point is a fresh server process, so the peak RSS (VmHWM) and the
// loop lag a model reports on stop are the point's own (its warm-up
// included). Points run in randomized blocks (NewPlan): a noisy host's slow
// minute falls on every model alike instead of on one model's repetitions.
package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"loopbench/harness/meter"
	"loopbench/harness/proc"
	"loopbench/harness/results"
	"loopbench/harness/workload"
	"loopbench/servers/model"
)

// Model is a model the run may use; Unavailable says why it cannot run here.
type Model struct {
	Name        string
	Unavailable error
	// Routes are the paths the model serves (servers.Entry.Routes); nil
	// means every one. A workload that needs another does not run it.
	Routes []string
	// Variants, when set, are the only variants of the model measured
	// ("default" for the model as it is); nil: every variant a workload
	// gives it.
	Variants []string
}

// LoadRequest is one measured point for the load generator.
type LoadRequest struct {
	Addr     string
	Workload *workload.Workload // with --quick and overrides applied
	Level    workload.Level
	Seed     int64
	// OnMeasure must be called when warm-up ends and measurement begins,
	// and OnMeasureEnd when the measured interval ends (before any drain).
	OnMeasure, OnMeasureEnd func()
	// Answered counts correct answers during measurement, for the samples.
	Answered *atomic.Int64
}

// LoadFunc drives one point and fills p's load figures: Duration, Requests,
// Throughput, Latency, Routes, Status and Errors. It returns early when ctx
// is cancelled. An error means the point could not be measured.
type LoadFunc func(ctx context.Context, req LoadRequest, p *results.Point) error

// Config is what a run is made of.
type Config struct {
	// Binary is the loopbench executable the children run (`serve`,
	// `backend`, `data`).
	Binary string
	// Sides, when set, are the builds of an A/B run (loopbench ab): every
	// step is measured once per side, interleaved, each side's servers run
	// by its own binary, and each point says its side.
	Sides     []Side
	Workloads []*workload.Workload
	Models    []Model
	// ModelTable is the model table the run records (results.Run.Models):
	// every model's roles, style and variants, as the registry has them
	// (servers.Infos); empty, the run records none.
	ModelTable []results.Model
	// Quick applies each workload's [quick] section; Reps and Duration,
	// when positive, override every workload's.
	Quick    bool
	Reps     int
	Duration time.Duration
	// Seed draws the order of the models and variants within each block of
	// the plan (NewPlan); a run records it, and the same seed repeats the order.
	Seed uint64
	// ServerCPUs and ClientCPUs are CPU lists ("1", "0-3"); empty: split
	// the host (on 2 CPUs: server 1, client 0).
	ServerCPUs, ClientCPUs string
	// Out is the results root: the run goes to Out/<UTC time>-<host>/ and
	// Out/latest points at it.
	Out  string
	Load LoadFunc
	// Log receives notes for the terminal (skipped models, CPU sets, limits).
	Log io.Writer
	// OnPoint is called after each point is written.
	OnPoint func(*results.Point)
	// Replace is the most blocks measured per workload and level in place
	// of blocks with a partial or failed point (replace.go); 0: none.
	Replace int
	// OnExtra is called with the planned times of the points added by a
	// replacement block, before they run.
	OnExtra func([]time.Duration)
	// Remote, if set, runs the servers and the backend on another host
	// through a transport, and the load from here or other hosts (remote.go).
	Remote *RemoteConfig
	// Capacity, if set, asks for capacity searches after the plan's steps
	// (capacity.go); PricePerHour is the servers' machine's price per
	// hour, which the run records (0: unknown).
	Capacity     *CapacityConfig
	PricePerHour float64
}

// Side is one build of the servers in an A/B run.
type Side struct {
	// Name is what the points record, e.g. "base" or "head".
	Name string
	// Binary runs the side's `loopbench serve`; empty: Config.Binary.
	Binary string
	// Flags are added to every serve of the side (e.g. --inject-cpu 3us).
	Flags []string
	// About describes the build for the run's notes.
	About string
}

// Runner carries one run.
type Runner struct {
	cfg     Config
	plan    Plan
	taskset string      // path of taskset, or "" to pin after start
	all     proc.CPUSet // the CPUs this process may use
	server  proc.CPUSet
	client  proc.CPUSet
	run     *results.Run
	ranks   []([4]int) // each point's Step.rank, in the order of run.Points
	dir     string
	tmp     string
	procs   int // GOMAXPROCS before the run, restored after
	// host is where the servers run: here, or rem.
	host serverHost
	// rem is the state of a run over remote hosts, nil for a local run.
	rem *remoteHost
	// answerTimeout bounds how long a server may take, after a point, to
	// answer GET /plaintext again before it counts as having stopped answering.
	answerTimeout time.Duration
}

// ClientBoundAt is the client CPU utilization from which a point is flagged
// client-bound: its throughput is the load generator's limit.
const ClientBoundAt = meter.ClientBoundAt

// New checks the configuration and the CPU sets.
func New(cfg Config) (*Runner, error) {
	if cfg.Binary == "" || cfg.Load == nil || cfg.Out == "" {
		return nil, errors.New("runner: Binary, Load and Out must be set")
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	r := &Runner{cfg: cfg, plan: NewPlan(cfg), answerTimeout: 5 * time.Second}
	var err error
	if r.all, err = proc.Allowed(); err != nil {
		return nil, err
	}
	r.server, r.client = defaultCPUs(r.all)
	if r.server, err = r.cpuFlag("--server-cpus", cfg.ServerCPUs, r.server); err != nil && cfg.Remote == nil {
		return nil, err // a remote server's CPUs are the remote host's
	}
	if cfg.Remote != nil && cfg.ClientCPUs == "" {
		r.client = r.all // the server is elsewhere: the load may use every CPU here
	}
	if r.client, err = r.cpuFlag("--client-cpus", cfg.ClientCPUs, r.client); err != nil {
		return nil, err
	}
	if cfg.Remote == nil {
		if err := r.checkCPUCounts(); err != nil {
			return nil, err
		}
	}
	r.taskset, _ = exec.LookPath("taskset")
	r.host = &localHost{r: r}
	if cfg.Remote != nil {
		r.rem = newRemoteHost(r)
		r.host = r.rem
	}
	return r, nil
}

// cpuFlag parses a CPU list flag and checks it is within the allowed CPUs.
func (r *Runner) cpuFlag(flag, val string, def proc.CPUSet) (proc.CPUSet, error) {
	if val == "" {
		return def, nil
	}
	set, err := proc.ParseCPUs(val)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	for _, c := range set {
		if !slices.Contains(r.all, c) {
			return nil, fmt.Errorf("%s: CPU %d is not one this process may use (%s)", flag, c, r.all)
		}
	}
	return set, nil
}

// Plan is the run's plan, for printing before it starts.
func (r *Runner) Plan() Plan { return r.plan }

// Replace is the most blocks per workload and level measured in place of
// incomplete ones (Config.Replace).
func (r *Runner) Replace() int { return r.cfg.Replace }

// CPUs returns the server and client CPU sets.
func (r *Runner) CPUs() (server, client proc.CPUSet) { return r.server, r.client }

// defaultCPUs splits the CPUs this process may use: the client gets the
// first half (at least one), the server the rest. On a 2-core host that is
// client 0, server 1. With one CPU they share it.
func defaultCPUs(all proc.CPUSet) (server, client proc.CPUSet) {
	if len(all) < 2 {
		return all, all
	}
	half := len(all) / 2
	return all[half:], all[:half]
}

// Run measures every step of the plan. It returns the results and their
// directory; after ctx is cancelled it stops the current point, stops every
// child, keeps the finished points and marks the run Interrupted.
func (r *Runner) Run(ctx context.Context) (*results.Run, string, error) {
	if err := r.setUp(); err != nil {
		r.tearDown()
		return nil, "", err
	}
	defer r.tearDown()
	if err := r.startServices(); err != nil {
		return r.run, r.dir, err
	}
	r.priceServer()
	steps := slices.Clone(r.plan.Steps)
	if r.cfg.Capacity != nil && r.cfg.Capacity.Only {
		steps = nil
	}
	for i := 0; i < len(steps); i++ {
		if ctx.Err() != nil {
			break
		}
		s := steps[i]
		r.runStep(ctx, s)
		if i+1 == len(steps) || !sameLevel(s, steps[i+1]) {
			if extra := r.replace(s); extra != nil {
				steps = slices.Insert(steps, i+1, extra...)
				if r.cfg.OnExtra != nil {
					r.cfg.OnExtra(Plan{Steps: extra}.PointTimes())
				}
			}
		}
	}
	r.searchCapacity(ctx)
	if ctx.Err() != nil {
		r.run.Interrupted = true
	} else {
		r.run.Finished = time.Now().UTC()
	}
	return r.run, r.dir, r.write()
}

// setUp pins this process, raises the file limit and creates the results
// directory with the environment.
func (r *Runner) setUp() error {
	var err error
	if r.tmp, err = os.MkdirTemp("", "loopbench-run-"); err != nil {
		return err
	}
	if err := proc.Pin(os.Getpid(), r.client); err != nil {
		return err
	}
	r.procs = runtime.GOMAXPROCS(len(r.client))
	r.run = &results.Run{Started: time.Now().UTC(), Quick: r.cfg.Quick, Seed: r.plan.Seed, Env: r.env(), Points: []results.Point{}}
	r.run.Env.Energy = r.energyNote()
	r.run.ID = runID(r.run.Started, r.run.Env.Host)
	r.dir = filepath.Join(r.cfg.Out, r.run.ID)
	for i := 2; exists(r.dir); i++ { // two runs started within a second
		r.run.ID = fmt.Sprintf("%s-%d", runID(r.run.Started, r.run.Env.Host), i)
		r.dir = filepath.Join(r.cfg.Out, r.run.ID)
	}
	r.note(busyNotes()...)
	r.note(r.cpuNotes()...)
	r.note(r.plan.Skipped...)
	r.note(r.fileLimitNotes()...)
	r.note(fmt.Sprintf("every point is a fresh server process (its peak memory is its own, warm-up included; its loop lag is over the measured window, from the readings it kept with their times); repetitions are interleaved in randomized blocks, one repetition of every model and variant per workload and level in an order drawn from seed %d", r.plan.Seed))
	r.note(fmt.Sprintf("the servers run with loopbench serve's default bounds: a request head must arrive within %v of its first byte, an idle connection is closed after %v, and a connection stops being read with %d bytes of answers unsent", model.DefaultHeadTimeout, model.DefaultIdleTimeout, model.DefaultMaxUnsent))
	for _, side := range r.cfg.Sides {
		r.note(fmt.Sprintf("A/B side %s: %s%s", side.Name, side.About, flagsNote(side.Flags)))
	}
	for _, w := range r.cfg.Workloads {
		r.run.Workloads = append(r.run.Workloads, results.Workload{Name: w.Name, Description: w.Description, File: w.File, Source: w.Source})
	}
	r.recordModels()
	if err := r.write(); err != nil {
		return err
	}
	return results.Link(filepath.Join(r.cfg.Out, "latest"), r.dir)
}

// tearDown stops the backend and restores this process's CPUs.
func (r *Runner) tearDown() {
	r.host.tearDown()
	if r.tmp != "" {
		os.RemoveAll(r.tmp)
	}
	proc.Pin(os.Getpid(), r.all)
	if r.procs > 0 {
		runtime.GOMAXPROCS(r.procs)
	}
}

func flagsNote(flags []string) string {
	if len(flags) == 0 {
		return ""
	}
	return ", served with " + strings.Join(flags, " ")
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// note records facts the reader of the results must know, and prints them.
func (r *Runner) note(notes ...string) {
	for _, n := range notes {
		r.run.Env.Notes = append(r.run.Env.Notes, n)
		fmt.Fprintln(r.cfg.Log, "note:", n)
	}
}

// noteOnce records a note the first time it is seen.
func (r *Runner) noteOnce(n string) {
	if !slices.Contains(r.run.Env.Notes, n) {
		r.note(n)
	}
}

func (r *Runner) write() error {
	return results.Write(r.dir, r.run)
}

// record puts a finished point in its place and writes the results at once.
// Points are kept by workload, model and variant (in the order of the run's
// models), level and repetition, so tables and legends list models in a
// fixed order whatever order the blocks drew; each point's Start says when
// it was measured.
func (r *Runner) record(s Step, p *results.Point) {
	i, _ := slices.BinarySearchFunc(r.ranks, s.rank, func(a, b [4]int) int { return slices.Compare(a[:], b[:]) })
	r.ranks = slices.Insert(r.ranks, i, s.rank)
	r.run.Points = slices.Insert(r.run.Points, i, *p)
	if err := r.write(); err != nil {
		fmt.Fprintln(r.cfg.Log, "error: writing results:", err)
	}
	if r.cfg.OnPoint != nil {
		r.cfg.OnPoint(p)
	}
}

func runID(t time.Time, host string) string {
	return t.Format("20060102T150405Z") + "-" + host
}
