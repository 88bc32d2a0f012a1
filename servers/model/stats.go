package model

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"time"
)

// Stats is what a model with an event loop writes to Config.StatsFile on
// shutdown, as JSON. servers/node/server.js writes the same shape; the
// harness reads it with ReadStats and stores the loop lag of a point's
// measured window in its results, taken from Readings.
type Stats struct {
	// LoopLag is how late the lag monitor's timer fired over the server's
	// whole life, start-up included.
	LoopLag LoopLag `json:"loop_lag"`
	// Loops is the number of loops whose lag was merged (0: not said).
	Loops int `json:"loops,omitempty"`
	// Backend is how the loops waited for I/O, "epoll" or "io_uring" (""
	// for a model with one way only): a server asked for io_uring serves
	// with epoll where the kernel refuses io_uring.
	Backend string `json:"backend,omitempty"`
	// Readings are the lag monitor's readings with their times, every
	// loop's; nil in a file written before servers kept them.
	Readings *LagReadings `json:"lag_readings,omitempty"`
}

// LoopLag is how late an event loop's repeating timer fired, in
// milliseconds, over every loop of the server (Node's monitorEventLoopDelay).
type LoopLag struct {
	P50 float64 `json:"p50_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
}

// MaxLagReadings is the most lag readings a server keeps, over all its
// loops (each keeps its share): 500 s of one loop's readings every 10 ms,
// far more than a point's life. Past it a loop overwrites its oldest
// readings, which are start-up's, and counts them in LagReadings.Dropped.
// The bound keeps the stats file under about 600 kB (some 11 bytes a
// reading), below the 1 MiB line in which a remote server's supervisor
// sends it back.
const MaxLagReadings = 50_000

// LagReading is one reading of a lag monitor: when the loop saw its timer,
// in Unix nanoseconds on the server's clock, and how late the timer was
// then, in microseconds. The timer was due at UnixNano less the lateness.
type LagReading struct {
	UnixNano int64
	LateUs   int64
}

// LagReadings are a server's lag readings in the order they were taken,
// packed for the stats file: reading i was taken StartUnixMs+AtMs[i]
// milliseconds after the Unix epoch (on the server's clock), and its timer
// was then LateUs[i] microseconds late.
type LagReadings struct {
	// IntervalMs is how often the monitor's timer was due.
	IntervalMs  float64 `json:"interval_ms"`
	StartUnixMs int64   `json:"start_unix_ms"`
	AtMs        []int64 `json:"at_ms"`
	LateUs      []int64 `json:"late_us"`
	// Dropped counts the oldest readings not kept, past MaxLagReadings.
	Dropped int64 `json:"dropped,omitempty"`
}

// PackLagReadings packs readings taken every interval, of one loop or
// several and in any order, with the number of readings dropped.
func PackLagReadings(interval time.Duration, rs []LagReading, dropped int64) *LagReadings {
	rs = slices.Clone(rs)
	slices.SortStableFunc(rs, func(a, b LagReading) int { return cmp.Compare(a.UnixNano, b.UnixNano) })
	p := &LagReadings{IntervalMs: float64(interval) / float64(time.Millisecond), Dropped: dropped,
		AtMs: make([]int64, len(rs)), LateUs: make([]int64, len(rs))}
	if len(rs) > 0 {
		p.StartUnixMs = rs[0].UnixNano / int64(time.Millisecond)
	}
	for i, r := range rs {
		p.AtMs[i] = r.UnixNano/int64(time.Millisecond) - p.StartUnixMs
		p.LateUs[i] = r.LateUs
	}
	return p
}

// Len is the number of readings.
func (r *LagReadings) Len() int { return len(r.AtMs) }

// Reading returns reading i, its time to the millisecond.
func (r *LagReadings) Reading(i int) LagReading {
	return LagReading{UnixNano: (r.StartUnixMs + r.AtMs[i]) * int64(time.Millisecond), LateUs: r.LateUs[i]}
}

// check says what is wrong with readings a file holds, naming the field.
func (r *LagReadings) check() error {
	if len(r.AtMs) != len(r.LateUs) {
		return fmt.Errorf("lag_readings: at_ms has %d values and late_us %d; they must pair up (the file is damaged: measure the point again)", len(r.AtMs), len(r.LateUs))
	}
	if r.IntervalMs <= 0 || r.Dropped < 0 {
		return fmt.Errorf("lag_readings: interval_ms %v and dropped %d: want an interval above 0 and a count of at least 0", r.IntervalMs, r.Dropped)
	}
	for i, l := range r.LateUs {
		if l < 0 {
			return fmt.Errorf("lag_readings: late_us[%d] is %d; a lateness is at least 0", i, l)
		}
	}
	return nil
}

// WriteStats writes s to path as JSON, atomically: under a temporary name
// first, then renamed, as server.js writes it. The JSON is compact, as
// server.js's is: indented, it would give every reading lines of its own.
func WriteStats(path string, s Stats) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	tmp := fmt.Sprintf("%s.tmp%d", path, os.Getpid())
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("stats file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("stats file: %w", err)
	}
	return nil
}

// ReadStats reads a statistics file written by WriteStats or server.js. An
// empty file (a model that measures nothing wrote none) gives ok false; see
// ParseStats for the rest.
func ReadStats(path string) (s Stats, ok bool, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Stats{}, false, err
	}
	return ParseStats(b, path)
}

// ParseStats reads the content of a statistics file, which name names in
// errors. Empty content gives ok false; content without loop_lag, or with
// readings that do not pair up, is an error. A file written before servers
// kept their readings has nil Readings.
func ParseStats(b []byte, name string) (s Stats, ok bool, err error) {
	if len(b) == 0 {
		return Stats{}, false, nil
	}
	var raw struct {
		LoopLag  *LoopLag     `json:"loop_lag"`
		Loops    int          `json:"loops"`
		Backend  string       `json:"backend"`
		Readings *LagReadings `json:"lag_readings"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return Stats{}, false, fmt.Errorf("stats file %s: %w", name, err)
	}
	if raw.LoopLag == nil {
		return Stats{}, false, fmt.Errorf("stats file %s: no loop_lag object", name)
	}
	if raw.Readings != nil {
		if err := raw.Readings.check(); err != nil {
			return Stats{}, false, fmt.Errorf("stats file %s: %w", name, err)
		}
	}
	return Stats{LoopLag: *raw.LoopLag, Loops: raw.Loops, Backend: raw.Backend, Readings: raw.Readings}, true, nil
}
