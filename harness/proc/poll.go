package proc

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrEnded is Poll's error when what it waited on ended first.
var ErrEnded = errors.New("ended before answering")

// PollEvery is how often Poll tries.
const PollEvery = 50 * time.Millisecond

// Poll calls try every PollEvery until it succeeds, done is closed (the
// process, or whatever carries it, has ended: ErrEnded), ctx ends or the
// timeout passes, with try's last error.
func Poll(ctx context.Context, done <-chan struct{}, timeout time.Duration, try func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := try()
		if err == nil {
			return nil
		}
		select {
		case <-done:
			return ErrEnded
		case <-ctx.Done():
			return fmt.Errorf("was not waited for any longer (%w): %v", ctx.Err(), err)
		case <-time.After(PollEvery):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("did not answer within %v: %v", timeout, err)
		}
	}
}
