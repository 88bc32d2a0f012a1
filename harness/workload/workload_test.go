package workload

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"loopbench/harness/results"
)

// base is a valid closed-loop workload that the table below breaks one field at a time.
const base = `name = "w"
description = "a test workload"
mode = "closed"
duration = "2s"
warmup = "1s"
repetitions = 2
models = "all"

[[mix]]
target = "/plaintext"
weight = 3

[[mix]]
target = "/json"
weight = 1

[closed]
connections = [16, 64]

[[variants]]
name = "cpu-offload"
flags = ["--cpu-offload"]
models = ["eventloop"]

[quick]
duration = "1s"
connections = [8]
`

// knownModels stands for the model table a run records (servers.Infos).
var knownModels = func() []results.Model {
	offload := results.Variant{Name: "cpu-offload", Flags: []string{"--cpu-offload"}}
	loops := results.Variant{Name: "loops-2", Flags: []string{"--loops", "2"}}
	uring := results.Variant{Name: "io-uring", Flags: []string{"--io-uring"}}
	perCPU := results.Variant{Name: "loops-per-cpu", Flags: []string{"--loops", "0"}}
	var pools []results.Variant
	for _, n := range []string{"1", "2", "4", "8", "16", "64"} {
		pools = append(pools, results.Variant{Name: "pool-" + n, Flags: []string{"--pool", n, "--cpu-offload"}})
	}
	return []results.Model{{Name: "threaded"}, {Name: "eventloop", Variants: append([]results.Variant{offload, loops, perCPU, uring}, pools...)},
		{Name: "gnet", Variants: []results.Variant{offload, loops, perCPU}}, {Name: "evio", Variants: []results.Variant{offload, loops, perCPU}},
		{Name: "fasthttp"}, {Name: "node", Variants: append([]results.Variant{offload, perCPU}, pools...)}}
}()

func writeWorkload(t *testing.T, name, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name+".toml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadValid(t *testing.T) {
	w, err := Load(writeWorkload(t, "w", base))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(w.Levels()); got != 2 {
		t.Errorf("levels: got %d, want 2", got)
	}
	if w.Timeout.Duration != DefaultTimeout {
		t.Errorf("timeout: got %v, want the default %v", w.Timeout.Duration, DefaultTimeout)
	}
	runs := w.Runs([]string{"threaded", "eventloop"})
	if len(runs) != 3 || runs[2].Variant.Name != "cpu-offload" || runs[2].Model != "eventloop" {
		t.Errorf("runs: got %+v, want threaded, eventloop, eventloop cpu-offload", runs)
	}
	q := w.Quick()
	if q.Duration.Duration != time.Second || len(q.Levels()) != 1 || q.Levels()[0].Connections != 8 || q.Repetitions != 2 {
		t.Errorf("quick: got duration %v levels %v reps %d", q.Duration, q.Levels(), q.Repetitions)
	}
	if w.Duration.Duration != 2*time.Second {
		t.Errorf("Quick changed the original workload")
	}
}

func TestValidationErrors(t *testing.T) {
	tests := []struct {
		name string
		old  string // replaced in base by new
		new  string
		want []string // every one must appear in the error
	}{
		// A negative weight names the mix entry, its line and the fix.
		{"negative weight", "weight = 1", "weight = -1", []string{"w.toml:15:", `field "mix[1].weight"`, "must be > 0, got -1", "set a positive weight"}},
		// A misspelt key is rejected, not silently ignored.
		{"unknown key", "repetitions = 2", "repetition = 2", []string{`field "repetition"`, "unknown field", "spelling"}},
		// An unknown route is caught before any server runs.
		{"unknown route", `target = "/json"`, `target = "/jsn"`, []string{`field "mix[1].target"`, "404", "use a route"}},
		// An out-of-range parameter is caught the way the application refuses it.
		{"bad parameter", `target = "/json"`, `target = "/sleep?ms=-4"`, []string{`field "mix[1].target"`, "400"}},
		// A data file that does not exist.
		{"missing file", `target = "/json"`, `target = "/file?name=nope.bin"`, []string{`field "mix[1].target"`, "medium.bin"}},
		// /upstream without the backend.
		{"needs backend", `target = "/json"`, `target = "/upstream?ms=5"`, []string{`field "mix[1].target"`, "backend = true"}},
		// /file without the data files.
		{"needs data", `target = "/json"`, `target = "/file?name=small.bin"`, []string{"data = true"}},
		// /fifo without the backend and the data directory it makes its FIFOs in.
		{"fifo needs backend", `target = "/json"`, `target = "/fifo?ms=20"`, []string{`field "mix[1].target"`, "backend = true and data = true"}},
		// More /fifo requests in flight than a server has FIFO slots.
		{"fifo beyond slots", "target = \"/json\"\nweight = 1\n\n[closed]\nconnections = [16, 64]",
			"target = \"/fifo?ms=20\"\nweight = 1\n\n[server]\nbackend = true\ndata = true\n\n[closed]\nconnections = [16, 64]\npipeline = 10",
			[]string{`field "closed.connections"`, "640 /fifo requests", "512 FIFO slots", "at or below 512"}},
		// An unknown mode lists the valid ones.
		{"unknown mode", `mode = "closed"`, `mode = "shut"`, []string{`field "mode"`, `"open"`}},
		// A zero connection count.
		{"zero connections", "connections = [16, 64]", "connections = [16, 0]", []string{"w.toml:18:", `field "closed.connections"`, "got 0"}},
		// No sweep at all.
		{"no connections", "connections = [16, 64]", "", []string{`field "closed.connections"`, "missing"}},
		// A stagger longer than the warm-up (1s) would open the window on
		// connections not yet started.
		{"stagger beyond warm-up", "connections = [16, 64]", "connections = [16, 64]\nstagger = \"2s\"", []string{`field "closed.stagger"`, "2s must be between 0 and the warm-up (1s", "warm-up at least the stagger"}},
		// Pipelining beyond the bound.
		{"deep pipeline", "connections = [16, 64]", "connections = [16]\npipeline = 5000", []string{`field "closed.pipeline"`}},
		// A duration that is not one.
		{"bad duration", `duration = "2s"`, `duration = "2 seconds"`, []string{"w.toml", "duration", `"5s"`}},
		// A zero duration.
		{"zero duration", `duration = "2s"`, `duration = "0s"`, []string{`field "duration"`, "must be > 0"}},
		// A negative warm-up.
		{"negative warmup", `warmup = "1s"`, `warmup = "-1s"`, []string{`field "warmup"`}},
		// Negative repetitions.
		{"negative reps", "repetitions = 2", "repetitions = -2", []string{`field "repetitions"`}},
		// An unknown model lists the known ones.
		{"unknown model", `models = "all"`, `models = ["threaded", "nginx"]`, []string{`field "models"`, `"nginx"`, "gnet"}},
		// "all" is the only string models takes.
		{"models string", `models = "all"`, `models = "some"`, []string{"models", `"all"`}},
		// A variant for a model the workload does not run.
		{"variant model", `models = "all"`, `models = ["threaded"]`, []string{`field "variants[0].models"`, "eventloop"}},
		// A misspelt variant is one its models do not declare.
		{"variant undeclared", `name = "cpu-offload"`, `name = "cpu-ofload"`, []string{"w.toml:23:", `field "variants[0].models"`, `eventloop declares no variant "cpu-ofload"`, "cpu-offload, loops-2, loops-per-cpu", "correct the variant's name"}},
		// A variant listed for a model that does not have it.
		{"variant of another model", `models = ["eventloop"]`, `models = ["eventloop", "threaded"]`, []string{`field "variants[0].models"`, `threaded declares no variant "cpu-offload" (it declares: none)`}},
		// A variant without a list applies to every model of the workload, threaded included.
		{"variant for all", `models = ["eventloop"]`, ``, []string{`field "variants[0].name"`, "threaded declares no variant"}},
		// A declared variant's name on other flags would mislabel its points.
		{"variant flags differ", `flags = ["--cpu-offload"]`, `flags = ["--loops", "4"]`, []string{`field "variants[0].flags"`, `model eventloop makes variant "cpu-offload" with ["--cpu-offload"]`, "a name of their own"}},
		// A variant flag serve does not have.
		{"variant flag", `flags = ["--cpu-offload"]`, `flags = ["--turbo"]`, []string{`field "variants[0].flags"`, "--turbo", "--loops"}},
		// The reserved variant name.
		{"variant name", `name = "cpu-offload"`, `name = "default"`, []string{`field "variants[0].name"`}},
		// The name must match the file.
		{"name mismatch", `name = "w"`, `name = "other"`, []string{`field "name"`, "w.toml"}},
		// A missing description.
		{"no description", `description = "a test workload"`, "", []string{`field "description"`, "missing"}},
		// server.cpus takes "all" only.
		{"server cpus", "[closed]", "[server]\ncpus = \"1\"\n\n[closed]", []string{`field "server.cpus"`, `"all"`}},
		// A CPU count of zero names the field, its line and the fix.
		{"cpu count zero", "connections = [16, 64]", "connections = [16]\n\n[server]\ncpu_counts = [0, 2]", []string{"w.toml:21:", `field "server.cpu_counts"`, "must be 1..1024, got 0", "at least one CPU"}},
		// Counts out of order, or twice, read as a typo.
		{"cpu counts descending", "connections = [16, 64]", "connections = [16]\n\n[server]\ncpu_counts = [2, 1]", []string{`field "server.cpu_counts"`, "1 follows 2", "ascending"}},
		{"cpu count twice", "connections = [16, 64]", "connections = [16]\n\n[server]\ncpu_counts = [1, 1]", []string{`field "server.cpu_counts"`, "1 follows 1"}},
		// An empty list sweeps nothing.
		{"cpu counts empty", "connections = [16, 64]", "connections = [16]\n\n[server]\ncpu_counts = []", []string{`field "server.cpu_counts"`, "empty", "remove the field"}},
		// A count beyond any host.
		{"cpu count huge", "connections = [16, 64]", "connections = [16]\n\n[server]\ncpu_counts = [1, 5000]", []string{`field "server.cpu_counts"`, "got 5000"}},
		// CPU counts with two load levels: the levels would not be the counts.
		{"cpu counts with two loads", "connections = [16, 64]", "connections = [16, 64]\n\n[server]\ncpu_counts = [1, 2]", []string{`field "server.cpu_counts"`, "2 load levels", "one connection count"}},
		// Quick rates on a closed loop.
		{"quick rates", "connections = [8]", "rates = [100]", []string{`field "quick.rates"`, "remove it"}},
		// A TOML syntax error names the file and line.
		{"syntax", "weight = 3", "weight = = 3", []string{"w.toml", "line 11"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(base, tt.old, tt.new, 1)
			if src == base {
				t.Fatalf("row does not change the base: %q not found", tt.old)
			}
			w, err := Load(writeWorkload(t, "w", src))
			if err == nil {
				err = w.CheckModels(knownModels)
			}
			if err == nil {
				t.Fatal("loaded without error")
			}
			for _, s := range tt.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
		})
	}
}

func TestOpenSweep(t *testing.T) {
	src := strings.NewReplacer(`mode = "closed"`, `mode = "open"`, "[closed]\nconnections = [16, 64]",
		"[open]\nsweep = {from = 100, to = 400, steps = 4}\nconnections = 8", "connections = [8]", "rates = [50]").Replace(base)
	w, err := Load(writeWorkload(t, "w", src))
	if err != nil {
		t.Fatal(err)
	}
	var rates []float64
	for _, l := range w.Levels() {
		rates = append(rates, l.Rate)
	}
	if len(rates) != 4 || rates[0] != 100 || rates[1] != 200 || rates[3] != 400 {
		t.Errorf("rates: got %v, want 100 200 300 400", rates)
	}
	if q := w.Quick().Levels(); len(q) != 1 || q[0].Rate != 50 {
		t.Errorf("quick levels: got %v", q)
	}
}

func TestShippedWorkloads(t *testing.T) {
	all, err := LoadAll("../../workloads")
	if err != nil {
		t.Fatal(err)
	}
	extra, err := LoadAll("../../workloads/extra")
	if err != nil {
		t.Fatal(err)
	}
	all = append(all, extra...)
	// The workloads the report's claims read, at least.
	want := []string{"accept-burst", "c10k", "cores", "mixed", "pipelined", "plaintext", "pool-cpu", "pool-wait", "wait-sleep", "wait-upstream"}
	var got []string
	for _, w := range all {
		got = append(got, w.Name)
		if err := w.CheckModels(knownModels); err != nil {
			t.Error(err)
		}
		if len(w.Levels()) == 0 {
			t.Errorf("%s: no levels", w.Name)
		}
		if w.QuickSettings == nil {
			t.Errorf("%s: no [quick] section", w.Name)
		}
	}
	for _, name := range want {
		if !slices.Contains(got, name) {
			t.Errorf("workloads: got %v, which lacks %s", got, name)
		}
	}
}

func TestFind(t *testing.T) {
	if w, err := Find("../../workloads", "plaintext"); err != nil || w.Name != "plaintext" {
		t.Errorf("Find by name: %v", err)
	}
	if w, err := Find("../../workloads", "../../workloads/extra/cpu.toml"); err != nil || w.Name != "cpu" {
		t.Errorf("Find by path: %v", err)
	}
	_, err := Find("../../workloads", "nope")
	if err == nil || !strings.Contains(err.Error(), "plaintext") {
		t.Errorf("Find of an unknown name: got %v, want a list of names", err)
	}
}

// TestShapeRates wants shape rates merged into the levels in order, each
// measured shape_repetitions times, dropped by --quick, and refused when
// they repeat a listed rate.
func TestShapeRates(t *testing.T) {
	open := func(extra string) string {
		return strings.NewReplacer(`mode = "closed"`, `mode = "open"`, "[closed]\nconnections = [16, 64]",
			"[open]\nrates = [200]\nconnections = 8\n"+extra, "connections = [8]", "rates = [50]").Replace(base)
	}
	w, err := Load(writeWorkload(t, "w", open("shape_rates = [400, 100]\nshape_repetitions = 2")))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range w.Levels() {
		got = append(got, fmt.Sprintf("%g×%d", l.Rate, w.RepetitionsAt(l)))
	}
	if want := []string{"100×2", fmt.Sprintf("200×%d", w.Repetitions), "400×2"}; !slices.Equal(got, want) {
		t.Errorf("levels: got %v, want %v", got, want)
	}
	if q := w.Quick().Levels(); len(q) != 1 || q[0].Rate != 50 {
		t.Errorf("quick levels: got %v, want the quick rate alone", q)
	}
	for _, bad := range []struct{ extra, want string }{
		{"shape_rates = [200]", "also in open.rates"},
		{"shape_rates = [-1]", `field "open.shape_rates"`},
		{"shape_rates = [100]\nshape_repetitions = -1", `field "open.shape_repetitions"`},
	} {
		if _, err := Load(writeWorkload(t, "w", open(bad.extra))); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: error %v, want %q", bad.extra, err, bad.want)
		}
	}
}

// TestCountsErrors: idle counts and burst counts are refused with the
// file, the field and the fix.
func TestCountsErrors(t *testing.T) {
	head := "name = \"w\"\ndescription = \"d\"\nduration = \"1s\"\nwarmup = \"0s\"\nrepetitions = 1\nmodels = \"all\"\n[[mix]]\ntarget = \"/plaintext\"\nweight = 1\n"
	for _, tt := range []struct {
		name, src string
		want      []string
	}{
		{"idle count word", "mode = \"idle\"\n" + head + "[idle]\nconnections = \"many\"\nprobe_connections = 4\n", []string{"w.toml", "connections", "whole number"}},
		{"idle count zero", "mode = \"idle\"\n" + head + "[idle]\nconnections = [1000, 0]\nprobe_connections = 4\n", []string{`field "idle.connections"`, "got 0"}},
		{"burst counts", "mode = \"burst\"\n" + head + "[burst]\n", []string{`field "burst.connections"`, "missing"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(writeWorkload(t, "w", tt.src))
			if err == nil {
				t.Fatal("loaded without error")
			}
			for _, s := range tt.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
		})
	}
	w, err := Load(writeWorkload(t, "w", "mode = \"idle\"\n"+head+"[idle]\nconnections = [1000, 4000]\nprobe_connections = 4\n"))
	if err != nil || len(w.Levels()) != 2 || w.Levels()[1].IdleConnections != 4000 {
		t.Errorf("a list of idle counts: %v, %v", err, w)
	}
}

// cpuSweep is base with one connection count and server.cpu_counts.
func cpuSweep(server string) string {
	return strings.NewReplacer("connections = [16, 64]", "connections = [16]\n\n[server]\n"+server).Replace(base)
}

// TestCPUCounts wants a workload that sweeps CPU counts to have one level
// per count at its one load level, shown with the count, kept by --quick,
// and checked against the CPUs a host can give the server.
func TestCPUCounts(t *testing.T) {
	w, err := Load(writeWorkload(t, "w", cpuSweep("cpu_counts = [1, 2, 4]")))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range w.Levels() {
		got = append(got, l.String())
	}
	if want := []string{"c=16 cpus=1", "c=16 cpus=2", "c=16 cpus=4"}; !slices.Equal(got, want) {
		t.Errorf("levels: got %q, want %q", got, want)
	}
	if q := w.Quick().Levels(); len(q) != 3 || q[0].Connections != 8 || q[2].CPUs != 4 {
		t.Errorf("quick levels: got %v, want c=8 at each count", q)
	}
	if s := w.Summary(); !strings.Contains(s, "3 levels") || !strings.Contains(s, "server CPU counts 1, 2, 4 at c=16") {
		t.Errorf("summary %q does not name the counts", s)
	}
	if l := LevelOf((&results.Point{Connections: 16, Pipeline: 1, ServerCPUCount: 2}).Key()); l.String() != "c=16 cpus=2" {
		t.Errorf("LevelOf a point at 2 CPUs: %q", l)
	}
	if l := LevelOf((&results.Point{Connections: 16, Pipeline: 1}).Key()); l.String() != "c=16" {
		t.Errorf("LevelOf a point without a count: %q, want the level as before", l)
	}
	src := strings.Replace(cpuSweep("cpu_counts = [1, 2]"), "connections = [8]", "connections = [8, 32]", 1)
	if _, err := Load(writeWorkload(t, "w", src)); err == nil || !strings.Contains(err.Error(), `field "quick"`) {
		t.Errorf("quick with two connection counts: %v, want an error naming quick", err)
	}
}

// TestCheckCPUCounts checks counts against a host's CPUs: a count beyond
// the host, or beyond the server's own set without cpus = "all", is an
// error naming the file, the field and the fix.
func TestCheckCPUCounts(t *testing.T) {
	tests := []struct {
		server   string
		own, all int
		want     []string // nil: no error
	}{
		// The 2-core host: the server's set is one CPU, "all" lets it share.
		{"cpu_counts = [1, 2]\ncpus = \"all\"", 1, 2, nil},
		// Without "all", the second CPU is the load generator's.
		{"cpu_counts = [1, 2]", 1, 2, []string{"w.toml:", `field "server.cpu_counts"`, "2 CPUs", "has 1", "--server-cpus", `cpus = "all"`}},
		// A bigger host: the server's own set holds both.
		{"cpu_counts = [1, 2]", 4, 8, nil},
		// More than the host has, even sharing.
		{"cpu_counts = [1, 4]\ncpus = \"all\"", 1, 2, []string{`field "server.cpu_counts"`, "4 CPUs, but the host", "has 2", "up to 2", "--server-host"}},
		// A workload without counts is never refused.
		{"data = false", 1, 1, nil},
	}
	for _, tt := range tests {
		w, err := Load(writeWorkload(t, "w", cpuSweep(tt.server)))
		if err != nil {
			t.Fatal(err)
		}
		err = w.CheckCPUCounts(tt.own, tt.all, "the host")
		if tt.want == nil {
			if err != nil {
				t.Errorf("%q on %d/%d CPUs: %v", tt.server, tt.own, tt.all, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%q on %d/%d CPUs: no error", tt.server, tt.own, tt.all)
			continue
		}
		for _, s := range tt.want {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%q on %d/%d CPUs: error %q does not contain %q", tt.server, tt.own, tt.all, err, s)
			}
		}
	}
}
