package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"loopbench/harness/torture"
	"loopbench/servers"
)

// runTorture is a variable so tests can watch the options it is given
// without starting servers.
var runTorture = torture.Run

type tortureOptions struct {
	models, scenarios string
	out, data         string
	head              time.Duration
	scale             float64
}

func runTortureCmd(args []string, stdout, stderr io.Writer) error {
	o := &tortureOptions{}
	fs := newFlagSet("torture", "torture [--models a,b] [--scenario NAME,...]\n\nAttacks each model with each hostile-client scenario ("+strings.Join(torture.Names(), ", ")+"),\na fresh server per pair, while a light probe load measures whether others are still served.\nWrites torture.json, torture.csv and torture.md to --out and prints the table. Exits 1 when\nthreaded or eventloop (our own models) fails a scenario.", stderr)
	fs.StringVar(&o.models, "models", "", "comma-separated `models`, each MODEL or MODEL/VARIANT (default: every model available here, and each backend variant, e.g. eventloop/io-uring)")
	fs.StringVar(&o.scenarios, "scenario", "", "comma-separated `scenarios` (default: all)")
	fs.StringVar(&o.out, "out", "", "results `directory` (default results/torture-<UTC time>)")
	fs.StringVar(&o.data, "data", "", "`directory` /file serves from (default "+defaultDataDir()+")")
	fs.DurationVar(&o.head, "head-timeout", torture.DefaultHeadTimeout, "--head-timeout the servers are started with (shorter than serve's default, to fit the time budget)")
	fs.Float64Var(&o.scale, "scale", 1, "multiply every scenario's duration and count by this (0 < scale <= 1 for a quick look)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	topts, err := o.options(fs.NArg(), stderr)
	if err != nil {
		return err
	}
	rep, err := runTorture(context.Background(), topts)
	if rep == nil {
		return err
	}
	dir := o.out
	if dir == "" {
		dir = filepath.Join("results", "torture-"+rep.Start.Format("20060102T150405Z"))
	}
	if werr := rep.Write(dir); werr != nil {
		return errors.Join(err, werr)
	}
	rep.Markdown(stdout)
	fmt.Fprintf(stderr, "torture: results in %s\n", dir)
	if err != nil {
		return err
	}
	return ownFailures(rep)
}

// options checks the flags and turns them into the run's options.
func (o *tortureOptions) options(nargs int, stderr io.Writer) (torture.Options, error) {
	if nargs > 0 {
		return torture.Options{}, usagef("torture: unexpected argument (every setting is a flag; see loopbench torture --help)")
	}
	if o.head <= 0 || o.scale <= 0 || o.scale > 1 {
		return torture.Options{}, usagef("torture: --head-timeout must be positive and --scale in (0, 1], got %v and %g", o.head, o.scale)
	}
	models, err := tortureModels(o.models)
	if err != nil {
		return torture.Options{}, err
	}
	scen := torture.Names()
	if o.scenarios != "" {
		scen = splitList(o.scenarios)
		for _, s := range scen {
			if _, err := torture.Lookup(s); err != nil {
				return torture.Options{}, usagef("torture: --scenario: %v", err)
			}
		}
	}
	bin, err := os.Executable()
	if err != nil {
		return torture.Options{}, err
	}
	cfg := o.data
	if cfg == "" {
		cfg = defaultDataDir()
	}
	return torture.Options{Binary: bin, Models: models, Scenarios: scen, HeadTimeout: o.head, DataDir: cfg,
		Scale: o.scale, Progress: stderr}, nil
}

// tortureModels is the --models list (MODEL or MODEL/VARIANT), or every
// model that runs here and each of its backends (servers.Variant.Backend).
func tortureModels(list string) ([]string, error) {
	if list == "" {
		var names []string
		for _, e := range servers.All() {
			if e.Available() == nil {
				names = append(names, e.Name)
				names = append(names, e.Backends()...)
			}
		}
		return names, nil
	}
	names := splitList(list)
	for _, n := range names {
		if _, _, err := lookupSeries(n); err != nil {
			return nil, usagef("torture: --models: %v", err)
		}
	}
	return names, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// ownModels are the models whose failures are bugs of ours, not findings
// about a library: the thread-per-connection baseline and the homemade
// loop, with their backends.
func ownModels() []string {
	var names []string
	for _, m := range append(servers.WithRole(servers.RoleThreadPerConn), servers.WithRole(servers.RoleHomemade)...) {
		names = append(names, m)
		if e, err := servers.Lookup(m); err == nil {
			names = append(names, e.Backends()...)
		}
	}
	return names
}

// ownFailures is an error naming every scenario one of our own models failed.
func ownFailures(rep *torture.Report) error {
	failed := rep.Failed(ownModels())
	if len(failed) == 0 {
		return nil
	}
	lines := make([]string, len(failed))
	for i, f := range failed {
		lines[i] = f.Model + "/" + f.Scenario + ": " + strings.Join(f.Failures, "; ")
	}
	return fmt.Errorf("torture: our own models failed %d scenarios:\n  %s", len(failed), strings.Join(lines, "\n  "))
}
