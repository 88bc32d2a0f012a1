package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"loopbench/harness/torture"
)

// fakeTorture makes runTorture return a report in which the given
// model/scenario pairs failed, and records the options it was given.
func fakeTorture(t *testing.T, failed ...string) *torture.Options {
	t.Helper()
	var got torture.Options
	old := runTorture
	runTorture = func(_ context.Context, o torture.Options) (*torture.Report, error) {
		got = o
		rep := &torture.Report{Schema: torture.Schema, Start: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), HeadTimeout: o.HeadTimeout.String(), Scale: o.Scale}
		for _, m := range o.Models {
			for _, s := range o.Scenarios {
				r := torture.Result{Model: m, Scenario: s, Survived: true, ProbeOK: 10}
				for _, f := range failed {
					if f == m+"/"+s {
						r.Survived, r.Failures = false, []string{"server died"}
					}
				}
				rep.Results = append(rep.Results, r)
			}
		}
		return rep, nil
	}
	t.Cleanup(func() { runTorture = old })
	return &got
}

// TestTortureExit checks the exit status: 1 when one of our own models
// fails a scenario, 0 when only a library model does (a finding, shown in
// the table), with the results written either way.
func TestTortureExit(t *testing.T) {
	tests := []struct {
		name   string
		failed []string
		code   int
	}{
		{name: "all-survive", code: 0},
		{name: "library-fails", failed: []string{"gnet/fd-exhaustion"}, code: 0}, // a finding, not our bug
		{name: "threaded-fails", failed: []string{"threaded/slowloris"}, code: 1},
		{name: "eventloop-fails", failed: []string{"eventloop/garbage"}, code: 1},
		{name: "io-uring-fails", failed: []string{"eventloop/io-uring/garbage"}, code: 1}, // a backend of our own loop
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := fakeTorture(t, tt.failed...)
			out := filepath.Join(t.TempDir(), "torture")
			stdout, stderr, code := runCmd("torture", "--models", "threaded,eventloop,eventloop/io-uring,gnet", "--scenario", "slowloris,garbage,fd-exhaustion", "--out", out)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tt.code, stderr)
			}
			if got := strings.Join(opts.Models, ","); got != "threaded,eventloop,eventloop/io-uring,gnet" {
				t.Errorf("models %q", got)
			}
			if opts.HeadTimeout != torture.DefaultHeadTimeout || opts.Scale != 1 {
				t.Errorf("head timeout %v, scale %g", opts.HeadTimeout, opts.Scale)
			}
			if !strings.Contains(stdout, "| threaded | slowloris |") {
				t.Errorf("the table is not printed:\n%s", stdout)
			}
			for _, f := range []string{"torture.json", "torture.csv", "torture.md"} {
				if _, err := os.Stat(filepath.Join(out, f)); err != nil {
					t.Error(err)
				}
			}
			if _, err := torture.Read(filepath.Join(out, "torture.json")); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestTortureUsage checks the usage errors of torture and of the bounds'
// serve flags.
func TestTortureUsage(t *testing.T) {
	fakeTorture(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"torture", "--scenario", "nope"}, `unknown scenario "nope"; choose from: slowloris`},
		{[]string{"torture", "--models", "nope"}, `unknown model "nope"`},
		{[]string{"torture", "--models", "eventloop/nope"}, `model eventloop has no variant "nope"; choose one of: default, cpu-offload`},
		{[]string{"torture", "--scale", "2"}, "--scale in (0, 1]"},
		{[]string{"torture", "--head-timeout", "0s"}, "--head-timeout must be positive"},
		{[]string{"torture", "extra"}, "unexpected argument"},
		{[]string{"serve", "--model", "threaded", "--head-timeout", "0s"}, "--head-timeout must be positive"},
		{[]string{"serve", "--model", "threaded", "--idle-timeout", "-1s"}, "--idle-timeout must be positive"},
		{[]string{"serve", "--model", "threaded", "--max-unsent", "0"}, "--max-unsent must be positive"},
	}
	for _, tt := range tests {
		_, stderr, code := runCmd(tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

// TestTortureModelsDefault checks that torture attacks, by default, every
// backend variant beside the models (the homemade loop on io_uring).
func TestTortureModelsDefault(t *testing.T) {
	names, err := tortureModels("")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(names, "eventloop") || !slices.Contains(names, "eventloop/io-uring") {
		t.Errorf("default models %v: want eventloop and eventloop/io-uring", names)
	}
	if !slices.Contains(ownModels(), "eventloop/io-uring") {
		t.Errorf("our own models %v lack the io-uring backend", ownModels())
	}
}
