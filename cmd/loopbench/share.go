package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"loopbench/harness/loadgen"
)

// shareFlags are load's --share and --start-at: this generator's part of a
// load that several generate together (`loopbench run --client-hosts`, or
// by hand, then `loopbench merge`), and when all of them begin.
type shareFlags struct {
	share   string
	startAt string
	// stopOnEOF ends the load when stdin reaches its end: a remote run's
	// dropped transport.
	stopOnEOF bool
	part      loadgen.Share // zero without --share
	at        time.Time

	mu         sync.Mutex
	start, end time.Time // the measured window, on this host's clock
}

func (s *shareFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&s.share, "share", "", "run the `i/N`-th part of the load (connections, rate and idle connections split N ways) with N-1 other generators")
	fs.BoolVar(&s.stopOnEOF, "stop-on-eof", false, "stop when stdin reaches its end (as a remote run's closed transport makes it)")
	fs.StringVar(&s.startAt, "start-at", "", "begin the warm-up at this `time` (RFC 3339, e.g. 2026-01-02T15:04:05.5Z) rather than at once, so several generators begin together")
}

// apply parses the flags and gives the configuration its share.
func (s *shareFlags) apply(c *loadgen.Config) error {
	if s.startAt != "" {
		t, err := time.Parse(time.RFC3339Nano, s.startAt)
		if err != nil {
			return usagef("load: --start-at %q: want an RFC 3339 time such as 2026-01-02T15:04:05.5Z", s.startAt)
		}
		s.at = t
	}
	if s.share == "" {
		return nil
	}
	var err error
	if s.part, err = loadgen.ParseShare(s.share); err != nil {
		return usagef("load: --share: %v", err)
	}
	s.part.Split(c)
	if c.Connections == 0 && c.Mode != "" {
		return usagef("load: --share %s leaves this generator no connection; use fewer generators than connections", s.share)
	}
	return nil
}

// untilEOF returns ctx, cancelled also when stdin ends if --stop-on-eof.
func (s *shareFlags) untilEOF(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	if s.stopOnEOF {
		go func() {
			io.Copy(io.Discard, os.Stdin)
			cancel()
		}()
	}
	return ctx, cancel
}

// waitStart sleeps until --start-at; a start already past is an error, as
// this generator would measure a window the others did not.
func (s *shareFlags) waitStart(ctx context.Context) error {
	if s.at.IsZero() {
		return nil
	}
	d := time.Until(s.at)
	if d < 0 {
		return fmt.Errorf("load: --start-at %s is %v past: this generator would start after the others", s.startAt, (-d).Round(time.Millisecond))
	}
	if !sleep(ctx, d) {
		return errors.New("load: interrupted before --start-at")
	}
	return nil
}

// window wraps the meter's callbacks so the measured window's bounds are
// kept for the JSON output.
func (s *shareFlags) window(begin, finish func()) (func(), func()) {
	return func() {
			s.mu.Lock()
			s.start = time.Now()
			s.mu.Unlock()
			begin()
		}, func() {
			s.mu.Lock()
			s.end = time.Now()
			s.mu.Unlock()
			finish()
		}
}

// record puts in the JSON output what it says of this generator: its host,
// share and measured window.
func (s *shareFlags) record(out *loadgen.Output) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out.Host, _ = os.Hostname()
	out.Share, out.WindowStart, out.WindowEnd = s.part.String(), s.start.UTC(), s.end.UTC()
}
