package remote

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"time"

	"loopbench/harness/proc"
)

// clockRounds is how many times Clock asks for the host's time; the round
// with the shortest trip is kept.
const clockRounds = 5

// Clock measures host's clock against this one's over the transport: it
// runs `bin describe --clock` there, which answers each line it reads with
// its clock, and returns the host's clock minus this one's, within ±bound
// (half the shortest round trip). The trip is timed over the established
// transport, so ssh's connection set-up does not widen the bound.
func (t Transport) Clock(ctx context.Context, host, bin string) (offset, bound time.Duration, err error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	argv := []string{bin, "describe", "--clock"}
	cmd := t.Command(ctx, host, argv...)
	errs := &proc.Tail{Max: 4 << 10}
	cmd.Stderr = errs
	in, err := cmd.StdinPipe()
	if err != nil {
		return 0, 0, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, 0, t.errorf(host, argv, err, "")
	}
	defer cmd.Wait()
	defer in.Close()
	sc := bufio.NewScanner(out)
	bound = time.Hour
	for range clockRounds {
		t1 := time.Now()
		if _, err := io.WriteString(in, "\n"); err != nil {
			break
		}
		if !sc.Scan() {
			break
		}
		t2 := time.Now()
		remote, perr := time.Parse(time.RFC3339Nano, sc.Text())
		if perr != nil {
			return 0, 0, fmt.Errorf("loopbench describe --clock on %s answered %q: %w", host, sc.Text(), perr)
		}
		if rtt := t2.Sub(t1); rtt/2 < bound {
			bound = rtt / 2
			offset = remote.Sub(t1.Add(rtt / 2))
		}
	}
	if bound == time.Hour {
		in.Close()
		return 0, 0, t.errorf(host, argv, fmt.Errorf("%w (%v)", ErrEnded, cmd.Wait()), errs.String())
	}
	return offset, bound, nil
}

// ServeClock is the remote side of Clock: each line read from r is answered
// with this host's clock.
func ServeClock(r io.Reader, w io.Writer) error {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if _, err := fmt.Fprintln(w, time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
			return err
		}
	}
	return sc.Err()
}
