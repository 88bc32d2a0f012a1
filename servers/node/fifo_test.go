package node

import (
	"strconv"
	"testing"
	"time"

	"loopbench/servers/internal/testkit"
	"loopbench/servers/model"
)

// TestFIFOHoldsPoolThread checks that /fifo's wait occupies a thread of
// libuv's pool for the whole wait: with UV_THREADPOOL_SIZE=1 (--pool 1)
// two concurrent waits of W end one after the other, the second at 2W at
// the earliest (the backend starts its clock when a write begins); with 2
// threads they overlap, the second ending well before 2W (W is half a
// second, so a slow host has half a second of slack).
func TestFIFOHoldsPoolThread(t *testing.T) {
	requireNode(t)
	const wait = 500 * time.Millisecond
	target, body := "/fifo?ms="+strconv.Itoa(int(wait.Milliseconds())), "fifo "+strconv.Itoa(int(wait.Milliseconds()))+" ms"
	for _, tc := range []struct {
		pool   int
		serial bool
	}{
		{pool: 1, serial: true},  // one thread: the second write starts when the first returns
		{pool: 2, serial: false}, // two threads: both wait at once
	} {
		t.Run("pool-"+strconv.Itoa(tc.pool), func(t *testing.T) {
			dir := testkit.DataDir(t)
			srv := start(t, model.Config{DataDir: dir, Backend: testkit.StartBackendIn(t, dir).Addr, Pool: tc.pool})
			took, err := testkit.Concurrent(srv.Addr, target, body, 2)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("UV_THREADPOOL_SIZE=%d: two waits of %v answered after %v", tc.pool, wait, took)
			switch last := took[1]; {
			case tc.serial && last < 2*wait:
				t.Errorf("with one pool thread the second wait ended after %v, before 2×%v: the wait does not hold a pool thread", last, wait)
			case !tc.serial && last >= 2*wait:
				t.Errorf("with two pool threads the second wait ended after %v, not before 2×%v: the waits did not overlap", last, wait)
			}
		})
	}
}
