package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"loopbench/app"
	"loopbench/servers"
	"loopbench/servers/model"
)

// lookupModel finds a model by name; tests substitute fake models.
var lookupModel = servers.Lookup

// signalContext returns a context cancelled by SIGINT or SIGTERM; tests
// substitute one they cancel themselves.
var signalContext = func() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// defaultDataDir is where serve keeps the data files when --data is not given.
func defaultDataDir() string { return filepath.Join(os.TempDir(), "loopbench-data") }

type serveOptions struct {
	model   string
	cfg     model.Config
	timeout time.Duration
	// injectCPU is extra CPU time spent on every request: a calibration knob.
	injectCPU time.Duration
}

func serveFlags(stderr io.Writer) (*flag.FlagSet, *serveOptions) {
	o := &serveOptions{}
	fs := newFlagSet("serve", "serve --model NAME [flags]\n\nRuns one server model in the foreground until SIGINT or SIGTERM, then stops it\ngracefully. Every flag is accepted for every model; a model ignores those it does not use.", stderr)
	fs.StringVar(&o.model, "model", "", "server model to run (required): "+strings.Join(servers.Names(), ", "))
	fs.StringVar(&o.cfg.Addr, "addr", "127.0.0.1:8080", "TCP `address` to listen on")
	fs.StringVar(&o.cfg.DataDir, "data", "", "`directory` /file serves from; the data files are written there if missing (default "+defaultDataDir()+")")
	fs.StringVar(&o.cfg.Backend, "backend", "", "`HOST:PORT` of the upstream service /upstream calls (see loopbench backend)")
	fs.IntVar(&o.cfg.Pool, "pool", 0, "worker pool size, for models with a pool (0: the model's default)")
	o.cfg.Loops = 1
	fs.Var(loopsFlag{&o.cfg.Loops}, "loops", "run `N` event loops, for models with loops (node: a cluster of N worker processes); 0: one per CPU this process may run on (its affinity, as taskset sets it)")
	fs.BoolVar(&o.cfg.CPUOffload, "cpu-offload", false, "run /cpu on the worker pool instead of the event loop")
	fs.BoolVar(&o.cfg.IOUring, "io-uring", false, "eventloop: run the loop on io_uring instead of epoll, /file reads on the ring instead of the pool (where the kernel refuses io_uring, the server says why and serves with epoll)")
	fs.IntVar(&o.cfg.MaxThreads, "max-threads", 0, "OS thread limit of the thread-per-connection model (0: the model's default)")
	fs.StringVar(&o.cfg.StatsFile, "stats-file", "", "`file` the model writes its statistics (loop lag) to as JSON on shutdown")
	fs.DurationVar(&o.cfg.HeadTimeout, "head-timeout", model.DefaultHeadTimeout, "how long a request head may take to arrive once it has begun; past it the connection gets 408 and is closed")
	fs.DurationVar(&o.cfg.IdleTimeout, "idle-timeout", model.DefaultIdleTimeout, "how long a connection may wait on its client (for its next request, or to take an answer) before it is closed")
	fs.IntVar(&o.cfg.MaxUnsent, "max-unsent", model.DefaultMaxUnsent, "answer `bytes` a connection may hold unsent before the server stops reading its requests")
	fs.DurationVar(&o.timeout, "shutdown-timeout", 5*time.Second, "how long a graceful stop may take before serve gives up")
	fs.DurationVar(&o.injectCPU, "inject-cpu", 0, "calibration knob: spend this much extra CPU `time` on every request (e.g. 3us), so a comparison can be checked to catch a known slowdown; not for measuring (Go models only)")
	return fs, o
}

func runServe(args []string, stdout, stderr io.Writer) error {
	fs, o := serveFlags(stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	entry, err := o.validate(fs)
	if err != nil {
		return err
	}
	if err := entry.Available(); err != nil {
		return fmt.Errorf("model %s cannot run on this host: %w", entry.Name, err)
	}
	if err := prepareData(&o.cfg); err != nil {
		return err
	}
	m := entry.New()
	if o.injectCPU != 0 {
		if _, ok := m.(model.Execer); ok {
			return usagef("serve: --inject-cpu works in the Go models only; model %s is another program", entry.Name)
		}
		iters, err := app.SetInjectCPU(o.injectCPU)
		if err != nil {
			return usagef("serve: --%v", err)
		}
		fmt.Fprintf(stderr, "loopbench serve: calibration: %v of extra CPU on every request (%d spin iterations)\n", o.injectCPU, iters)
	}
	fmt.Fprintf(stderr, "loopbench serve: model %s listening on %s (data %s, backend %s; head timeout %v, idle timeout %v, max unsent %d bytes)\n",
		entry.Name, o.cfg.Addr, o.cfg.DataDir, orNone(o.cfg.Backend), o.cfg.HeadTimeout, o.cfg.IdleTimeout, o.cfg.MaxUnsent)
	if ex, ok := m.(model.Execer); ok {
		return ex.Exec(o.cfg)
	}
	return serveUntilSignal(m, entry.Name, o, stderr)
}

// validate checks the flags and finds the model.
func (o *serveOptions) validate(fs *flag.FlagSet) (servers.Entry, error) {
	if fs.NArg() > 0 {
		return servers.Entry{}, usagef("serve: unexpected argument %q (every setting is a flag; see loopbench serve --help)", fs.Arg(0))
	}
	if o.model == "" {
		return servers.Entry{}, usagef("serve: --model is required; choose one of: %s", strings.Join(servers.Names(), ", "))
	}
	entry, err := lookupModel(o.model)
	if err != nil {
		return servers.Entry{}, usagef("serve: --model: %v", err)
	}
	if err := checkAddr("addr", o.cfg.Addr); err != nil {
		return servers.Entry{}, err
	}
	if o.cfg.Backend != "" {
		if err := checkAddr("backend", o.cfg.Backend); err != nil {
			return servers.Entry{}, err
		}
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"pool", o.cfg.Pool}, {"max-threads", o.cfg.MaxThreads}} {
		if f.v < 0 {
			return servers.Entry{}, usagef("serve: --%s must be 0 (the default) or more, got %d", f.name, f.v)
		}
	}
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{"head-timeout", o.cfg.HeadTimeout}, {"idle-timeout", o.cfg.IdleTimeout}} {
		if f.d <= 0 {
			return servers.Entry{}, usagef("serve: --%s must be positive, got %v (e.g. --%s 10s)", f.name, f.d, f.name)
		}
	}
	if o.cfg.MaxUnsent <= 0 {
		return servers.Entry{}, usagef("serve: --max-unsent must be positive, got %d (e.g. --max-unsent 65536)", o.cfg.MaxUnsent)
	}
	if o.timeout <= 0 {
		return servers.Entry{}, usagef("serve: --shutdown-timeout must be positive, got %v (e.g. --shutdown-timeout 5s)", o.timeout)
	}
	return entry, nil
}

// loopsFlag is --loops: a number of event loops, 0 for one per CPU
// (model.LoopsPerCPU).
type loopsFlag struct{ n *int }

func (f loopsFlag) String() string {
	switch {
	case f.n == nil:
		return ""
	case *f.n == model.LoopsPerCPU:
		return "0"
	}
	return strconv.Itoa(*f.n)
}

func (f loopsFlag) Set(s string) error {
	v, err := strconv.Atoi(s)
	switch {
	case err != nil:
		return errors.New("not a number")
	case v < 0:
		return fmt.Errorf("--loops must be 0 (one per CPU) or more, got %d", v)
	case v == 0:
		v = model.LoopsPerCPU
	}
	*f.n = v
	return nil
}

// checkAddr checks that a flag holds HOST:PORT.
func checkAddr(flag, addr string) error {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return usagef("--%s %q is not HOST:PORT (e.g. --%s 127.0.0.1:8080): %v", flag, addr, flag, err)
	}
	return nil
}

// prepareData makes DataDir absolute (a model may run in another directory)
// and writes the data files there if any is missing.
func prepareData(cfg *model.Config) error {
	if cfg.DataDir == "" {
		cfg.DataDir = defaultDataDir()
	}
	dir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return fmt.Errorf("--data %s: %w", cfg.DataDir, err)
	}
	cfg.DataDir = dir
	if app.HasDataFiles(dir) {
		return nil
	}
	if err := app.WriteDataFiles(dir); err != nil {
		return fmt.Errorf("--data %s: writing the data files: %w (choose a writable directory)", dir, err)
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// serveUntilSignal runs the model until a signal, then gives it
// --shutdown-timeout to stop. A second signal during the stop kills the
// process the default way.
func serveUntilSignal(m model.Model, name string, o *serveOptions, stderr io.Writer) error {
	ctx, stop := signalContext()
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- m.Serve(ctx, o.cfg) }()
	select {
	case err := <-errc:
		return serveResult(name, err, ctx.Err() != nil)
	case <-ctx.Done():
	}
	stop()
	fmt.Fprintf(stderr, "loopbench serve: stopping model %s (at most %v)\n", name, o.timeout)
	timer := time.NewTimer(o.timeout)
	defer timer.Stop()
	select {
	case err := <-errc:
		return serveResult(name, err, true)
	case <-timer.C:
		return fmt.Errorf("model %s did not stop within --shutdown-timeout %v", name, o.timeout)
	}
}

// serveResult turns what Serve returned into the command's error.
func serveResult(name string, err error, stopping bool) error {
	switch {
	case stopping && errors.Is(err, model.ErrServerClosed):
		return nil
	case errors.Is(err, errors.ErrUnsupported):
		return fmt.Errorf("model %s is not supported here: %w", name, err)
	case err == nil || errors.Is(err, model.ErrServerClosed):
		return fmt.Errorf("model %s stopped without being asked to", name)
	}
	return fmt.Errorf("model %s: %w", name, err)
}
