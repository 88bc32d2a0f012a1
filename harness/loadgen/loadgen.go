package loadgen

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"sync/atomic"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// The modes of a run.
const (
	ModeClosed = "closed"
	ModeOpen   = "open"
	ModeReplay = "replay"
	ModeIdle   = "idle"
	// ModeBurst dials every connection at once, each sending one request
	// (the accept burst: burst.go).
	ModeBurst = "burst"
)

// The engines of a closed loop (Config.Engine).
const (
	// EngineAuto is the epoll engine where there is one (Linux), else goroutines.
	EngineAuto = ""
	// EngineEpoll multiplexes connections over epoll, one loop per GOMAXPROCS.
	EngineEpoll = "epoll"
	// EngineGoroutines serves each connection in a goroutine on Go's netpoller.
	EngineGoroutines = "goroutines"
)

// Defaults for the zero values of Config.
const (
	DefaultConnectRate = 5000
	DefaultTimeout     = 5 * time.Second
)

// Route is one entry of the mix: a request target and its weight.
type Route struct {
	Target string
	Weight float64
}

// TraceEntry is one request of a replayed trace: when (offset from the start
// of the measured interval) and which route (index into Mix).
type TraceEntry struct {
	At    time.Duration
	Route int
}

// Config describes one load run. The zero values of ConnectRate, Timeout and
// Pipeline take their defaults.
type Config struct {
	Addr string // host:port
	Mix  []Route
	Mode string // ModeClosed, ModeOpen, ModeReplay, ModeIdle or ModeBurst
	// Connections is the number of concurrent connections of a closed loop,
	// or the pool of connections that carries open, replay and probe requests.
	Connections int
	// Pipeline is the number of requests kept in flight per connection in a
	// closed loop (1: none).
	Pipeline int
	// Rate is the open loop's requests per second (and the idle probe's, if set).
	Rate float64
	// Trace is the replay's schedule.
	Trace []TraceEntry
	// IdleConnections are opened and held without requests in idle mode.
	IdleConnections int
	// ConnectRate bounds new connections per second (DefaultConnectRate).
	ConnectRate float64
	// Warmup runs load that is not measured; Duration is the measured interval.
	Warmup, Duration time.Duration
	// Stagger spreads a closed loop's connections over time when admission
	// ends: connection i of n sends its next request i/n of Stagger later,
	// instead of all at once. Requests that take a fixed time (a 1 s wait)
	// would otherwise be sent, answered and sent again in lockstep, in
	// waves a window cuts anywhere; spread over one wait, they arrive at
	// an even rate. The warm-up must be at least Stagger, so that every
	// connection has started before the window opens. 0: no spreading.
	Stagger time.Duration
	// Timeout bounds each request (DefaultTimeout); it counts as "timeout".
	Timeout time.Duration
	// Seed makes the choice of routes deterministic.
	Seed int64
	// OnMeasure is called when warm-up ends and measurement begins.
	OnMeasure func()
	// OnMeasureEnd is called when the measured interval ends (before an open
	// loop's drain and the check of idle connections), if OnMeasure was.
	OnMeasureEnd func()
	// Answered, if set, is incremented for every correct answer during measurement.
	Answered *atomic.Int64
	// Engine chooses how a closed loop waits (EngineAuto, EngineEpoll,
	// EngineGoroutines); open loops always use goroutines.
	Engine string
}

// RouteResult is the measurement of one route of the mix.
type RouteResult struct {
	Target   string
	Requests int64
	Hist     *hdr.Histogram
}

// Result is what a run measured.
type Result struct {
	Duration time.Duration // the measured interval
	Requests int64         // correct answers (status and body checked)
	All      *hdr.Histogram
	Routes   []RouteResult
	Status   map[int]int64
	Errors   map[string]int64 // connect, timeout, reset, closed, status, body, protocol, other
	// Offered is the number of requests scheduled in the measured interval
	// (open and replay; 0 for a closed loop).
	Offered int64
	// Queued counts open-loop requests that waited for a free connection;
	// their latency includes the wait.
	Queued int64
	// SendLag is how late an open loop sent its requests after their
	// scheduled times (µs): waiting for a free connection (that wait is in
	// the latency, which counts from the scheduled time), or a timer that
	// woke an idle connection late (that lateness is the client's, and is
	// not).
	SendLag *hdr.Histogram
	// Completed counts an open loop's requests that completed (correctly
	// or not) within the window, whenever they were scheduled;
	// CompletedOK the correct ones. Their rate is what the server kept up
	// with, whatever was offered.
	Completed, CompletedOK int64
	// Quarters are an open loop's requests by the quarter of the window
	// they were scheduled in: how many, and their latency and send lag.
	Quarters [4]QuarterResult
	// Establishment is how the run's connections were established.
	Establishment Establishment
	// Reconnects counts connections the client had to open again after the
	// server closed them or an error broke them.
	Reconnects int64
	// IdleOpened is the number of idle connections opened; IdleHeld those
	// still open at the end (-1 where the platform cannot tell).
	IdleOpened, IdleHeld int
	// NotReady counts a closed loop's connections that had not completed a
	// request when the window opened, and in idle mode the idle connections
	// whose one request went unanswered; Admission is how long the loop (or
	// the idle connections) waited, before the warm-up, for every
	// connection's first answer (up to a Timeout, and no less than a second).
	NotReady  int64
	Admission time.Duration
	// Unfinished counts a closed loop's requests still in flight when the
	// window closed: sent, never answered within it, counted apart.
	Unfinished int64
	// InFlight is a closed loop's mean number of requests in flight over
	// the window: the time every request spent in flight within it (those
	// unfinished at its end included), divided by its length. With every
	// connection held it is Connections × Pipeline.
	InFlight float64
}

// ErrNoConnection is returned when no connection to the server succeeded.
var ErrNoConnection = errors.New("loadgen: cannot connect")

// Run drives the server at cfg.Addr and measures it. It returns after
// Warmup+Duration (plus up to Timeout to drain an open loop, and the time to
// open idle connections), or early with what it measured when ctx is
// cancelled. It fails only for an invalid configuration or when no
// connection could be made; the result is returned with that error too.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	r, err := newRun(cfg)
	if err != nil {
		return nil, err
	}
	return r.execute(ctx)
}

// validate checks cfg and fills its defaults.
func validate(cfg *Config) error {
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return fmt.Errorf("loadgen: address %q: want host:port, e.g. 127.0.0.1:8080", cfg.Addr)
	}
	if len(cfg.Mix) == 0 {
		return errors.New("loadgen: the mix is empty: give at least one route, e.g. /plaintext")
	}
	for _, m := range cfg.Mix {
		if !(m.Weight > 0) || math.IsInf(m.Weight, 0) {
			return fmt.Errorf("loadgen: route %s: weight %v must be a positive number", m.Target, m.Weight)
		}
	}
	setDefaults(cfg)
	if cfg.Duration <= 0 || cfg.Warmup < 0 || cfg.Timeout < 0 || !(cfg.ConnectRate > 0) {
		return fmt.Errorf("loadgen: duration %v, warm-up %v, timeout %v, connect rate %v: each must be positive (warm-up may be 0)",
			cfg.Duration, cfg.Warmup, cfg.Timeout, cfg.ConnectRate)
	}
	if cfg.Connections < 1 {
		return fmt.Errorf("loadgen: connections %d: want at least 1", cfg.Connections)
	}
	return validateMode(cfg)
}

func setDefaults(cfg *Config) {
	if cfg.ConnectRate == 0 {
		cfg.ConnectRate = DefaultConnectRate
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Pipeline == 0 {
		cfg.Pipeline = 1
	}
	if cfg.Mode == ModeBurst && cfg.Duration == 0 {
		cfg.Duration = cfg.Timeout // a burst lasts until it is answered, or its timeout
	}
	if cfg.Mode == ModeReplay && cfg.Duration == 0 && len(cfg.Trace) > 0 {
		cfg.Duration = cfg.Trace[len(cfg.Trace)-1].At + time.Millisecond
	}
}

func validateMode(cfg *Config) error {
	if cfg.Pipeline < 1 || (cfg.Pipeline > 1 && cfg.Mode != ModeClosed) {
		return fmt.Errorf("loadgen: pipeline %d: only a closed loop pipelines; want 1 to 1024 there and 1 elsewhere", cfg.Pipeline)
	}
	if cfg.Pipeline > 1024 {
		return fmt.Errorf("loadgen: pipeline %d: want at most 1024", cfg.Pipeline)
	}
	if err := validateEngine(cfg); err != nil {
		return err
	}
	if cfg.Stagger < 0 || (cfg.Stagger > 0 && cfg.Mode != ModeClosed) || cfg.Stagger > cfg.Warmup {
		return fmt.Errorf("loadgen: stagger %v: only a closed loop staggers its connections, over at most its warm-up (%v); want 0 elsewhere, and a warm-up at least as long",
			cfg.Stagger, cfg.Warmup)
	}
	switch cfg.Mode {
	case ModeClosed:
		return nil
	case ModeOpen:
		if !(cfg.Rate > 0) || math.IsInf(cfg.Rate, 0) {
			return fmt.Errorf("loadgen: open loop rate %v: want a positive number of requests per second", cfg.Rate)
		}
		return nil
	case ModeReplay:
		return validateTrace(cfg)
	case ModeBurst:
		if cfg.Engine == EngineEpoll {
			return fmt.Errorf("loadgen: engine %q drives closed loops only; leave the engine empty for mode %s", cfg.Engine, cfg.Mode)
		}
		return nil
	case ModeIdle:
		if cfg.IdleConnections < 1 || cfg.Rate < 0 {
			return fmt.Errorf("loadgen: idle connections %d, probe rate %v: want at least 1 idle connection and a rate of 0 (closed probe) or more", cfg.IdleConnections, cfg.Rate)
		}
		return nil
	}
	return fmt.Errorf("loadgen: mode %q: want %s, %s, %s, %s or %s", cfg.Mode, ModeClosed, ModeOpen, ModeReplay, ModeIdle, ModeBurst)
}

func validateEngine(cfg *Config) error {
	switch cfg.Engine {
	case EngineAuto, EngineGoroutines:
		return nil
	case EngineEpoll:
		if !epollSupported {
			return fmt.Errorf("loadgen: engine %q: this platform has no epoll; use %q", cfg.Engine, EngineGoroutines)
		}
		if cfg.Mode != ModeClosed && !(cfg.Mode == ModeIdle && cfg.Rate == 0) {
			return fmt.Errorf("loadgen: engine %q drives closed loops only; leave the engine empty for mode %s", cfg.Engine, cfg.Mode)
		}
		return nil
	}
	return fmt.Errorf("loadgen: engine %q: want %q, %q or empty (automatic)", cfg.Engine, EngineEpoll, EngineGoroutines)
}

func validateTrace(cfg *Config) error {
	if len(cfg.Trace) == 0 {
		return errors.New("loadgen: replay: the trace is empty")
	}
	var last time.Duration
	for i, e := range cfg.Trace {
		if e.Route < 0 || e.Route >= len(cfg.Mix) {
			return fmt.Errorf("loadgen: replay: trace entry %d: route %d is not in the mix of %d routes", i, e.Route, len(cfg.Mix))
		}
		if e.At < last {
			return fmt.Errorf("loadgen: replay: trace entry %d: offset %v is before the previous %v; sort the trace", i, e.At, last)
		}
		last = e.At
	}
	return nil
}
