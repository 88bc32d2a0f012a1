package remote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"loopbench/harness/cgroup"
	"loopbench/harness/sample"
	"loopbench/harness/validity"
)

// Reading is one line of `loopbench sample`: the server's /proc figures,
// its cgroup's charge and the host's kernel counters at one instant of the
// host's clock.
type Reading struct {
	Time time.Time   `json:"time"`
	Proc sample.Stat `json:"proc"`
	// CtxSw is set on the readings whose Proc carries the context switches
	// (every tenth: they cost one file per thread).
	CtxSw bool `json:"ctxsw,omitempty"`
	// Group is the server's own cgroup, nil without one; Layout names it.
	Group  *cgroup.Usage `json:"cgroup,omitempty"`
	Layout string        `json:"cgroup_layout,omitempty"`
	// Kernel is nil where the host's counters could not be read.
	Kernel *validity.Counters `json:"kernel,omitempty"`
	// Gone is set on the last line when the process went away.
	Gone string `json:"gone,omitempty"`
	// Note, on the first line, says what could not be read.
	Note string `json:"note,omitempty"`

	received time.Time // on this host's clock, when the line arrived
	answered int64     // the load generator's correct answers by then
}

// ctxSwEvery is how many readings apart the context switches are read.
const ctxSwEvery = 10

// ServeSamples is the remote side of `loopbench sample`: it writes a
// Reading of pid to w every interval, until r (the transport's stdin)
// reaches its end, ctx is cancelled or the process goes away. cpus are the
// CPUs whose stolen time the kernel counters sum (every CPU when empty).
func ServeSamples(ctx context.Context, pid int, cpus []int, interval time.Duration, r io.Reader, w io.Writer) error {
	group, groupErr := cgroup.Of(pid)
	eof := make(chan struct{})
	go func() {
		io.Copy(io.Discard, r)
		close(eof)
	}()
	enc := json.NewEncoder(w)
	t := time.NewTicker(interval)
	defer t.Stop()
	for i := 0; ; i++ {
		rd := read(pid, i%ctxSwEvery == 0, group, cpus)
		if i == 0 && groupErr != nil {
			rd.Note = fmt.Sprintf("no cgroup of the server's own (%v): CPU from /proc's clock ticks, memory as RSS alone", groupErr)
		}
		if err := enc.Encode(rd); err != nil {
			return err
		}
		if rd.Gone != "" {
			return nil
		}
		select {
		case <-eof:
			return nil
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// read takes one Reading.
func read(pid int, full bool, group *cgroup.Group, cpus []int) Reading {
	rd := Reading{Time: time.Now()}
	var err error
	if full {
		rd.Proc, err = sample.Read(pid)
		rd.CtxSw = err == nil
	} else {
		rd.Proc, err = sample.ReadLight(pid)
	}
	if err != nil {
		rd.Gone = err.Error()
		return rd
	}
	if group != nil {
		if u, err := group.Read(); err == nil {
			rd.Group, rd.Layout = &u, group.Layout
		}
	}
	if k, err := validity.ReadCounters(validity.ProcPaths, cpus); err == nil {
		rd.Kernel = &k
	}
	return rd
}

// Stream is the local side of `loopbench sample`: it keeps every Reading
// the host streams back.
type Stream struct {
	proc     *Proc
	answered *atomic.Int64

	done <-chan struct{} // closed when the stream has ended, after its last reading

	mu       sync.Mutex
	readings []Reading
	arrived  chan struct{} // closed and replaced on every reading
}

// Sample starts `bin sample --pid PID` on host. answered, if not nil, is the
// load generator's count of correct answers, recorded beside each reading
// as it arrives.
func (t Transport) Sample(host, bin string, pid int, cpus string, answered *atomic.Int64) (*Stream, error) {
	argv := []string{bin, "sample", "--pid", fmt.Sprint(pid)}
	if cpus != "" {
		argv = append(argv, "--cpus", cpus)
	}
	s := &Stream{proc: &Proc{Host: host, t: t, argv: argv}, answered: answered, arrived: make(chan struct{})}
	if err := s.proc.spawn(4<<10, s.read); err != nil {
		return nil, err
	}
	s.done = s.proc.Done()
	return s, s.first()
}

// first waits for the first reading, so a sampler that cannot start fails
// the server's start rather than its point.
func (s *Stream) first() error {
	select {
	case <-s.wait():
	case <-s.Done():
	case <-time.After(remoteReadyWait):
		s.proc.kill()
	}
	s.mu.Lock()
	n, gone := len(s.readings), ""
	if n > 0 {
		gone = s.readings[0].Gone
	}
	s.mu.Unlock()
	switch {
	case n == 0:
		s.proc.kill()
		return s.proc.ended()
	case gone != "":
		s.proc.stdin.Close()
		return fmt.Errorf("loopbench sample on %s: %s", s.proc.Host, gone)
	}
	return nil
}

// read keeps one line of `loopbench sample`.
func (s *Stream) read(line []byte) {
	var rd Reading
	if json.Unmarshal(line, &rd) != nil {
		return
	}
	rd.received = time.Now()
	if s.answered != nil {
		rd.answered = s.answered.Load()
	}
	s.mu.Lock()
	s.readings = append(s.readings, rd)
	close(s.arrived)
	s.arrived = make(chan struct{})
	s.mu.Unlock()
}

// wait returns a channel closed at the next reading.
func (s *Stream) wait() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.arrived
}

// Done is closed when the stream has ended: the process went away, the
// transport dropped, or Stop.
func (s *Stream) Done() <-chan struct{} { return s.done }

// Gone returns why the process went away, or "" while it is there.
func (s *Stream) Gone() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.readings); n > 0 {
		return s.readings[n-1].Gone
	}
	return ""
}

// Ended says why the stream ended: the process went away, or the transport did.
func (s *Stream) Ended() error {
	if g := s.Gone(); g != "" {
		return fmt.Errorf("%w: %s", ErrGone, g)
	}
	return s.proc.ended()
}

// remoteReadyWait bounds how long the first reading may take to arrive.
const remoteReadyWait = 30 * time.Second

// ErrGone is wrapped by Window's error when the sampled process went away.
var ErrGone = errors.New("the server process is gone")

// Stop ends the stream: its stdin closes, `loopbench sample` returns.
func (s *Stream) Stop() {
	s.proc.stdin.Close()
	select {
	case <-s.Done():
	case <-time.After(5 * time.Second):
		s.proc.kill()
	}
}
