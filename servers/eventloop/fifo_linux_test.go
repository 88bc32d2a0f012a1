package eventloop

import (
	"strconv"
	"testing"
	"time"

	"loopbench/servers/internal/testkit"
	"loopbench/servers/model"
)

// TestFIFOHoldsPoolWorker checks that /fifo's wait occupies a worker of the
// pool for the whole wait: with --pool 1 two concurrent waits of W end one
// after the other, the second at 2W at the earliest (the backend starts its
// clock when a write begins); with 2 workers they overlap, the second
// ending well before 2W (W is half a second, so a slow host has half a
// second of slack).
func TestFIFOHoldsPoolWorker(t *testing.T) {
	const wait = 500 * time.Millisecond
	target, body := "/fifo?ms="+strconv.Itoa(int(wait.Milliseconds())), "fifo "+strconv.Itoa(int(wait.Milliseconds()))+" ms"
	for _, tc := range []struct {
		pool   int
		serial bool
	}{
		{pool: 1, serial: true},  // one worker: the second write starts when the first returns
		{pool: 2, serial: false}, // two workers: both wait at once
	} {
		t.Run("pool-"+strconv.Itoa(tc.pool), func(t *testing.T) {
			dir := testkit.DataDir(t)
			srv := startServer(t, model.Config{DataDir: dir, Backend: testkit.StartBackendIn(t, dir).Addr, Pool: tc.pool}, nil)
			took, err := testkit.Concurrent(srv.Addr, target, body, 2)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("--pool %d: two waits of %v answered after %v", tc.pool, wait, took)
			switch last := took[1]; {
			case tc.serial && last < 2*wait:
				t.Errorf("with one worker the second wait ended after %v, before 2×%v: the wait does not hold a worker", last, wait)
			case !tc.serial && last >= 2*wait:
				t.Errorf("with two workers the second wait ended after %v, not before 2×%v: the waits did not overlap", last, wait)
			}
		})
	}
}
