package loadgen

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"loopbench/harness/results"
)

// This file is the contract of `loopbench load`, the load generator run as
// a command: what it is asked (a Config, written as flags by Args, read
// back by DefineFlags and Complete), how several generators share one
// load (Share), and what it answers (Output, which `loopbench merge` reads
// and prints in the same shape). The runner asks remote generators through
// it and cmd/loopbench parses their flags through it, so the two cannot
// drift apart.

// Args are the flags of `loopbench load` that ask for c's load: what a
// remote generator is given for the whole point, before Share splits it.
// A replay's schedule is no flag: it comes from a trace file.
func (c *Config) Args() []string {
	args := []string{"--addr", c.Addr, "--connections", strconv.Itoa(c.Connections), "--pipeline", strconv.Itoa(max(c.Pipeline, 1)),
		"--warmup", c.Warmup.String(), "--duration", c.Duration.String(), "--seed", strconv.FormatInt(c.Seed, 10)}
	if c.Timeout > 0 {
		args = append(args, "--timeout", c.Timeout.String())
	}
	if c.Stagger > 0 {
		args = append(args, "--stagger", c.Stagger.String())
	}
	if c.ConnectRate > 0 {
		args = append(args, "--connect-rate", formatFloat(c.ConnectRate))
	}
	if c.Rate > 0 {
		args = append(args, "--rate", formatFloat(c.Rate))
	}
	if c.IdleConnections > 0 {
		args = append(args, "--idle", strconv.Itoa(c.IdleConnections))
	}
	if c.Engine != EngineAuto {
		args = append(args, "--engine", c.Engine)
	}
	if c.Mode == ModeBurst {
		args = append(args, "--burst")
	}
	for _, r := range c.Mix {
		args = append(args, "--route", r.String())
	}
	return args
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// DefineFlags defines on fs the flags that set c's fields, with the
// command's defaults: those Args writes. Once fs has parsed them, Complete
// gives c what they imply.
func (c *Config) DefineFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "`host:port` of the server")
	fs.Var((*mix)(&c.Mix), "route", "request `target[=weight]`, repeatable (default /plaintext); a target with a query keeps its '=' (/sleep?ms=10=3 is weight 3)")
	fs.IntVar(&c.Connections, "connections", 64, "concurrent connections (closed loop), or the connection pool (open loop, replay, idle probe); 0 sends nothing (see above)")
	fs.IntVar(&c.Pipeline, "pipeline", 1, "requests per connection sent together in a closed loop (1: no pipelining)")
	fs.Float64Var(&c.Rate, "rate", 0, "open loop: requests per second, uniformly spaced (0: closed loop)")
	fs.IntVar(&c.IdleConnections, "idle", 0, "hold `N` idle connections open while the probe load runs")
	fs.BoolFunc("burst", "dial every connection at once, each with one request, and hold them until all are answered or --timeout passes (the accept burst)", func(string) error {
		c.Mode = ModeBurst
		return nil
	})
	fs.Float64Var(&c.ConnectRate, "connect-rate", DefaultConnectRate, "new connections per second at most")
	fs.DurationVar(&c.Duration, "duration", 5*time.Second, "measured `time`")
	fs.DurationVar(&c.Warmup, "warmup", time.Second, "unmeasured load before it")
	fs.DurationVar(&c.Stagger, "stagger", 0, "closed loop: spread the connections' first requests after admission evenly over `time` (at most --warmup), so that fixed waits do not run in lockstep")
	fs.DurationVar(&c.Timeout, "timeout", DefaultTimeout, "a request unanswered this long counts as a timeout")
	fs.Int64Var(&c.Seed, "seed", 1, "seed of the route choice")
	fs.StringVar(&c.Engine, "engine", EngineAuto, "closed-loop `engine`: epoll (one loop per CPU, like wrk) or goroutines (one per connection); default epoll where Linux has it")
}

// Complete gives a Config read from flags what they imply: the route
// /plaintext when none was given, and the mode: a burst when asked for, a
// replay with a trace, idle with idle connections, an open loop with a
// rate, else a closed loop.
func (c *Config) Complete() {
	if len(c.Mix) == 0 {
		c.Mix = []Route{{Target: "/plaintext", Weight: 1}}
	}
	switch {
	case c.Mode == ModeBurst:
	case len(c.Trace) > 0:
		c.Mode = ModeReplay
	case c.IdleConnections > 0:
		c.Mode = ModeIdle
	case c.Rate > 0:
		c.Mode = ModeOpen
	default:
		c.Mode = ModeClosed
	}
}

// String writes the route as the --route flag takes it: TARGET=WEIGHT.
func (r Route) String() string { return r.Target + "=" + formatFloat(r.Weight) }

// ParseRoute reads TARGET[=WEIGHT] (weight 1 when absent). In a target
// with a query the weight follows the last parameter's value:
// /sleep?ms=10=3 is /sleep?ms=10 with weight 3.
func ParseRoute(v string) (Route, error) {
	target, weight := v, 1.0
	if i := weightAt(v); i > 0 {
		w, err := strconv.ParseFloat(v[i+1:], 64)
		if err != nil || !(w > 0) {
			return Route{}, fmt.Errorf("weight %q of %s: want a positive number", v[i+1:], v[:i])
		}
		target, weight = v[:i], w
	}
	return Route{Target: target, Weight: weight}, nil
}

// weightAt returns the index of the '=' before a route's weight, or -1.
func weightAt(v string) int {
	path, query, hasQuery := strings.Cut(v, "?")
	if !hasQuery {
		return strings.LastIndexByte(path, '=')
	}
	last := query[strings.LastIndexByte(query, '&')+1:]
	if strings.Count(last, "=") < 2 {
		return -1
	}
	return strings.LastIndexByte(v, '=')
}

// mix is the repeatable --route flag.
type mix []Route

func (m *mix) String() string {
	var s []string
	for _, r := range *m {
		s = append(s, r.String())
	}
	return strings.Join(s, " ")
}

func (m *mix) Set(v string) error {
	r, err := ParseRoute(v)
	if err == nil {
		*m = append(*m, r)
	}
	return err
}

// Share is one generator's part of a load that N generate together: the
// I-th of N (`loopbench load --share I/N`).
type Share struct{ I, N int }

// ParseShare reads "I/N" with 1 <= I <= N.
func ParseShare(v string) (Share, error) {
	a, b, ok := strings.Cut(v, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || errors.Join(err1, err2) != nil || n < 1 || i < 1 || i > n {
		return Share{}, fmt.Errorf("%q: want i/N with 1 <= i <= N, e.g. 1/2", v)
	}
	return Share{I: i, N: n}, nil
}

// String writes the share as ParseShare reads it; "" for no share.
func (s Share) String() string {
	if s.N == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.I, s.N)
}

// Split makes c this share of its load: its part of the connections, of
// the idle connections and of the rate (near-equal parts, the first taking
// the remainder), and a seed of its own, so the parts choose routes
// independently.
func (s Share) Split(c *Config) {
	c.Connections = part(c.Connections, s.I, s.N)
	c.IdleConnections = part(c.IdleConnections, s.I, s.N)
	c.Rate /= float64(s.N)
	c.Seed += int64(s.I - 1)
}

// part is the i-th of n near-equal parts of total.
func part(total, i, n int) int {
	p := total / n
	if i <= total%n {
		p++
	}
	return p
}

// Output is what `loopbench load --json` answers, and `loopbench merge
// --json` in the same shape: the point as the runner would record it, what
// only the load generator knows, and, for a merge, which generator measured
// it and its measured window on that generator's clock.
type Output struct {
	Point      results.Point `json:"point"`
	Offered    int64         `json:"offered,omitempty"`
	Queued     int64         `json:"queued,omitempty"`
	SendLagP99 float64       `json:"send_lag_p99_us,omitempty"`
	Reconnects int64         `json:"reconnects"`
	IdleOpened int           `json:"idle_opened,omitempty"`
	IdleHeld   int           `json:"idle_held,omitempty"`
	// Generator (host, share, window) is what a merge needs to add several
	// generators' points.
	results.Generator
}

// NewOutput is the answer for point p, which res measured.
func NewOutput(p *results.Point, res *Result) Output {
	out := Output{Point: *p, Offered: res.Offered, Queued: res.Queued, Reconnects: res.Reconnects,
		IdleOpened: res.IdleOpened, IdleHeld: res.IdleHeld}
	if res.SendLag != nil && res.SendLag.TotalCount() > 0 {
		out.SendLagP99 = float64(res.SendLag.ValueAtQuantile(99))
	}
	return out
}
