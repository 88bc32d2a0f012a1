// Package workload reads the declarative workload files in workloads/: what
// load to put on a server (route mix, closed or open loop, sweep levels,
// durations, repetitions), which models and variants it applies to, and what
// the server needs. Every file is validated on load, and every error names
// the file, the field and the fix.
package workload

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// The load modes a workload can use.
const (
	ModeClosed = "closed" // fixed connections, each sends when answered (wrk)
	ModeOpen   = "open"   // fixed request rate, latency from the scheduled time (wrk2)
	ModeReplay = "replay" // a trace's requests at its own timing
	ModeIdle   = "idle"   // many idle connections held open plus a light probe
	ModeBurst  = "burst"  // every connection dialled at once, one request each
)

// DefaultVariant is the name of the variant every workload runs: the model
// with no extra flags.
const DefaultVariant = "default"

// Workload is one validated workload file.
type Workload struct {
	Name        string   `toml:"name"`
	Description string   `toml:"description"`
	Mode        string   `toml:"mode"`
	Mix         []Route  `toml:"mix"`
	Closed      Closed   `toml:"closed"`
	Open        Open     `toml:"open"`
	Replay      Replay   `toml:"replay"`
	Idle        Idle     `toml:"idle"`
	Burst       Burst    `toml:"burst"`
	Duration    Duration `toml:"duration"`
	Warmup      Duration `toml:"warmup"`
	Timeout     Duration `toml:"timeout"`
	Repetitions int      `toml:"repetitions"`
	// Models is "all" or a list of model names.
	Models   Models    `toml:"models"`
	Variants []Variant `toml:"variants"`
	Server   Server    `toml:"server"`
	// Capacity is the [capacity] section: the objectives and the search
	// of the workload's capacity (capacity.go); nil without one.
	Capacity *Capacity `toml:"capacity"`
	// QuickSettings overrides the fields above for `run --quick`.
	QuickSettings *Quick `toml:"quick"`

	// File is the path the workload was read from; Source its text, verbatim.
	File   string `toml:"-"`
	Source string `toml:"-"`
	// Trace is the parsed trace of a replay workload.
	Trace []TraceLine `toml:"-"`
}

// Route is one entry of the mix: a request target and its relative weight.
type Route struct {
	Target string  `toml:"target"`
	Weight float64 `toml:"weight"`
}

// Closed configures a closed loop: one level per connection count.
type Closed struct {
	Connections []int `toml:"connections"`
	Pipeline    int   `toml:"pipeline"` // requests in flight per connection; 0 or 1: none
	// ConnectRate bounds how many connections a second the load generator
	// opens (0: the default).
	ConnectRate float64 `toml:"connect_rate"`
	// Stagger spreads the connections' first requests after admission
	// evenly over this time, so that requests that take a fixed time do
	// not run in lockstep (see loadgen.Config.Stagger); at most the
	// warm-up, quick's included. 0: all at once.
	Stagger Duration `toml:"stagger"`
}

// Open configures an open loop: one level per rate, listed or swept.
type Open struct {
	Rates []float64 `toml:"rates"`
	Sweep *Sweep    `toml:"sweep"`
	// Connections is the pool the scheduled requests are sent on.
	Connections int `toml:"connections"`
	// ShapeRates are more rates, measured ShapeRepetitions times each
	// (default 1) instead of the workload's repetitions: enough to draw
	// the shape of latency against offered rate, the knee included,
	// without paying for intervals no claim reads.
	ShapeRates       []float64 `toml:"shape_rates"`
	ShapeRepetitions int       `toml:"shape_repetitions"`
}

// Sweep is an evenly spaced list of Steps rates from From to To.
type Sweep struct {
	From  float64 `toml:"from"`
	To    float64 `toml:"to"`
	Steps int     `toml:"steps"`
}

// Replay configures a replayed trace.
type Replay struct {
	// Trace is the trace file, relative to the workload file's directory.
	Trace       string `toml:"trace"`
	Connections int    `toml:"connections"`
}

// Idle configures held idle connections plus a light probe load: one
// level per count of idle connections (several counts give the memory a
// connection costs as a slope).
type Idle struct {
	Connections      Counts  `toml:"connections"`
	ProbeConnections int     `toml:"probe_connections"`
	ProbeRate        float64 `toml:"probe_rate"` // 0: the probe is a closed loop
	ConnectRate      float64 `toml:"connect_rate"`
}

// Burst configures the accept burst: one level per number of clients
// arriving at once.
type Burst struct {
	Connections []int `toml:"connections"`
}

// Variant runs some models with extra `loopbench serve` flags: one of the
// variants those models declare, with its flags (CheckModels).
type Variant struct {
	Name  string   `toml:"name"`
	Flags []string `toml:"flags"`
	// Models lists the models the variant applies to; empty: all of the workload's.
	Models []string `toml:"models"`
}

// Server says what the server needs.
type Server struct {
	Data    bool `toml:"data"`    // the data files /file serves
	Backend bool `toml:"backend"` // the upstream service /upstream calls
	// CPUs is "" (the runner's server CPU set) or "all" (every CPU of the
	// host, shared with the client; the results record it).
	CPUs string `toml:"cpus"`
	// CPUCounts, when set, sweeps how many CPUs the server is given: each
	// count k is a level of its own (Level.CPUs) at the workload's one load
	// level. The server gets the first k CPUs of the runner's server set;
	// with CPUs "all", a count beyond that set adds the client's CPUs from
	// the highest down, up to every CPU of the host (shared with the load
	// generator, as "all" alone shares them); the runner checks the counts
	// against the host (CheckCPUCounts).
	CPUCounts []int `toml:"cpu_counts"`
}

// Quick holds the overrides `run --quick` applies; zero fields keep the
// workload's values.
type Quick struct {
	Duration        Duration  `toml:"duration"`
	Warmup          Duration  `toml:"warmup"`
	Repetitions     int       `toml:"repetitions"`
	Connections     []int     `toml:"connections"`
	Rates           []float64 `toml:"rates"`
	IdleConnections int       `toml:"idle_connections"`
}

// Counts is a list of counts that a file may write as one number
// (connections = 10000) or as a list (connections = [1000, 10000]).
type Counts []int

// UnmarshalTOML reads one integer or a list of integers.
func (c *Counts) UnmarshalTOML(v any) error {
	switch x := v.(type) {
	case int64:
		*c = Counts{int(x)}
		return nil
	case []any:
		out := make(Counts, 0, len(x))
		for _, e := range x {
			n, ok := e.(int64)
			if !ok {
				return fmt.Errorf("want whole numbers, got %v", e)
			}
			out = append(out, int(n))
		}
		*c = out
		return nil
	}
	return fmt.Errorf("want a whole number or a list of them, got %v", v)
}

// Duration is a time.Duration written as a Go duration string ("5s").
type Duration struct{ time.Duration }

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration (write it like \"5s\" or \"500ms\")", b)
	}
	d.Duration = v
	return nil
}

// Models is the list of models a workload applies to; nil means all.
type Models []string

// UnmarshalTOML accepts "all" or an array of model names.
func (m *Models) UnmarshalTOML(v any) error {
	switch v := v.(type) {
	case string:
		if v != "all" {
			return fmt.Errorf("models = %q: write \"all\" or a list such as [\"threaded\", \"gnet\"]", v)
		}
		*m = nil
		return nil
	case []any:
		names := make([]string, 0, len(v))
		for _, x := range v {
			s, ok := x.(string)
			if !ok {
				return fmt.Errorf("models: %v is not a model name; write a list of strings", x)
			}
			names = append(names, s)
		}
		*m = names
		return nil
	}
	return fmt.Errorf("models: write \"all\" or a list of model names, not %T", v)
}

// Load reads and validates one workload file.
func Load(path string) (*Workload, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parse(path, src)
}

func parse(path string, src []byte) (*Workload, error) {
	var w Workload
	md, err := toml.NewDecoder(bytes.NewReader(src)).Decode(&w)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	w.File, w.Source = path, string(src)
	if keys := md.Undecoded(); len(keys) > 0 {
		k := keys[0].String()
		return nil, w.errorf(k, "unknown field", "remove it or fix its spelling; see workloads/plaintext.toml for the fields")
	}
	if err := w.validate(); err != nil {
		return nil, err
	}
	if w.Mode == ModeReplay {
		if err := w.loadTrace(); err != nil {
			return nil, err
		}
	}
	return &w, nil
}

// LoadAll loads every *.toml file in dir, sorted by file name.
func LoadAll(dir string) ([]*Workload, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.toml"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%s: no workload files (*.toml) here; pass the workloads directory", dir)
	}
	slices.Sort(paths)
	var all []*Workload
	for _, p := range paths {
		w, err := Load(p)
		if err != nil {
			return nil, err
		}
		all = append(all, w)
	}
	return all, nil
}

// ErrNotFound is returned by Find for a name that is neither a file nor a
// workload in the directory.
var ErrNotFound = errors.New("no such workload")

// Find loads a workload by file path, or by name from dir (dir/NAME.toml).
func Find(dir, nameOrPath string) (*Workload, error) {
	if strings.HasSuffix(nameOrPath, ".toml") || strings.ContainsRune(nameOrPath, os.PathSeparator) {
		return Load(nameOrPath)
	}
	path := filepath.Join(dir, nameOrPath+".toml")
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("%w %q: choose one of: %s", ErrNotFound, nameOrPath, strings.Join(Names(dir), ", "))
	}
	return Load(path)
}

// Names lists the workload names in dir, sorted.
func Names(dir string) []string {
	paths, _ := filepath.Glob(filepath.Join(dir, "*.toml"))
	names := make([]string, 0, len(paths))
	for _, p := range paths {
		names = append(names, strings.TrimSuffix(filepath.Base(p), ".toml"))
	}
	slices.Sort(names)
	return names
}
