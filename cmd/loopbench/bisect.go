package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"loopbench/harness/bisect"
	"loopbench/harness/compare"
)

const bisectUsage = `bisect --good REV --bad REV [--workload plaintext] [--models eventloop] [--metric cpu] [--reps N] [flags]

Finds the first commit of a performance regression between a good and a bad
revision: it lists the first-parent commits from --good to --bad (git
rev-list --first-parent), measures --bad against --good with a paired
loopbench ab to learn the regression's size, then each midpoint against
--good, as a binary search. Every step prints the commit, the head/base
ratio over its back-to-back pairs with its 95% interval, the signed-rank
test's p against no change and against the regression's size, and its
verdict: regressed (differs from the good build), not regressed (differs
from the whole regression), or cannot tell (neither), where the search
stops and names the range left rather than guess. It follows one figure of
one point: one workload level, one model, one metric.

Exit status: 0 when the first bad commit is found, 1 when the search
cannot tell or there is no regression between the two, 2 for a usage
error.`

type bisectOptions struct {
	good, bad string
	workload  string
	model     string
	metric    string
	reps      int
	duration  time.Duration
	dir       string
	out       string
	alpha     float64
	extra     []string
}

func runBisect(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bisect", bisectUsage, stderr)
	o := &bisectOptions{}
	fs.StringVar(&o.good, "good", "", "a `revision` without the regression (required)")
	fs.StringVar(&o.bad, "bad", "HEAD", "a later `revision` with it, --good on its first-parent line")
	fs.StringVar(&o.workload, "workload", "plaintext", "the `workload` to measure (its quick version; one level)")
	fs.StringVar(&o.model, "models", "eventloop", "the one `model` to measure")
	fs.StringVar(&o.metric, "metric", "cpu", "the `figure` to follow: throughput, cpu or p99")
	fs.IntVar(&o.reps, "reps", defaultABReps, "back-to-back `pairs` per step")
	fs.DurationVar(&o.duration, "duration", 0, "measured `time` of every point (default: the workload's)")
	fs.StringVar(&o.dir, "workloads", "workloads", "`directory` of the workload files")
	fs.StringVar(&o.out, "out", filepath.Join("results", "bisect"), "results `directory` of the steps' A/B runs")
	fs.Float64Var(&o.alpha, "alpha", 0.05, "each step's significance `level`")
	fs.Var(listFlag{&o.extra}, "ab-flag", "a `flag` passed on to every loopbench ab (e.g. --ab-flag=--server-cpus=1); repeatable")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	m, err := o.check(fs.NArg())
	if err != nil {
		return err
	}
	ctx, stop := signalContext()
	defer stop()
	wd, _ := os.Getwd()
	commits, err := bisect.Commits(ctx, wd, o.good, o.bad)
	if err != nil {
		return usagef("bisect: %v", err)
	}
	fmt.Fprintf(stdout, "bisect: %d commits after %.12s up to %.12s; following %s of %s on %s\n", len(commits)-1, commits[0], commits[len(commits)-1], o.metric, o.model, o.workload)
	res, err := bisect.Search(ctx, &abMeasurer{o: o, stderr: stderr}, commits, bisect.Options{Alpha: o.alpha, HigherBetter: m.HigherBetter, Log: stdout})
	if err != nil {
		return fmt.Errorf("bisect: %w", err)
	}
	switch res.Verdict {
	case "found":
		fmt.Fprintf(stdout, "bisect: the first bad commit is %s (the last good one %.12s)\n", res.First, res.Lo)
		return nil
	case bisect.NoneToFind:
		return errors.New("bisect: --bad is not significantly worse than --good: no regression to look for")
	}
	return fmt.Errorf("bisect: cannot tell: the regression came after %.12s, up to %.12s; measure that range with more --reps", res.Lo, res.Hi)
}

// check validates the flags and returns the metric followed.
func (o *bisectOptions) check(nargs int) (compare.Metric, error) {
	m, err := compare.LookupMetric(o.metric)
	switch {
	case nargs > 0:
		return m, usagef("bisect: unexpected argument; name the revisions with --good and --bad")
	case o.good == "":
		return m, usagef("bisect: --good is required: a revision without the regression")
	case err != nil:
		return m, usagef("bisect: --metric: %v", err)
	case o.reps < compare.MinPairs:
		return m, usagef("bisect: --reps %d is too few: the paired test needs %d pairs", o.reps, compare.MinPairs)
	case o.alpha <= 0 || o.alpha >= 1:
		return m, usagef("bisect: --alpha %g: give a level between 0 and 1 such as 0.05", o.alpha)
	}
	return m, nil
}

// abMeasurer measures a step with `loopbench ab` run by this binary,
// reading the pairs' ratios from its JSON output.
type abMeasurer struct {
	o      *bisectOptions
	stderr io.Writer
}

// Measure runs one loopbench ab of head against base and returns the
// followed row's pair ratios.
func (a *abMeasurer) Measure(ctx context.Context, base, head string) ([]float64, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{"ab", "--base", base, "--head", head, "--workloads", a.o.dir, "--workload", a.o.workload, "--models", a.o.model,
		"--metric", a.o.metric, "--reps", strconv.Itoa(a.o.reps), "--format", "json", "--out", a.o.out}
	if a.o.duration > 0 {
		args = append(args, "--duration", a.o.duration.String())
	}
	args = append(args, a.o.extra...)
	cmd := exec.CommandContext(ctx, self, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, a.stderr
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() > 1) {
		return nil, fmt.Errorf("loopbench ab: %v", err)
	}
	return pairRatios(out.Bytes(), a.o.metric)
}

// pairRatios reads the one row of metric from ab's JSON output.
func pairRatios(js []byte, metric string) ([]float64, error) {
	var doc struct {
		Rows []struct {
			Metric     string    `json:"metric"`
			Level      string    `json:"level"`
			PairRatios []float64 `json:"pair_ratios"`
			Verdict    string    `json:"verdict"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(js, &doc); err != nil {
		return nil, fmt.Errorf("reading loopbench ab's output: %v", err)
	}
	var found [][]float64
	for _, r := range doc.Rows {
		if r.Metric == metric {
			found = append(found, r.PairRatios)
		}
	}
	if len(found) != 1 {
		return nil, fmt.Errorf("loopbench ab gave %d rows of %s; bisect follows one: choose a workload with one level (quick plaintext has one) and one model", len(found), metric)
	}
	return found[0], nil
}
