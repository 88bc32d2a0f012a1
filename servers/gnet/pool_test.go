package gnet

import (
	"sync"
	"sync/atomic"
	"testing"
)

// TestWorkersLimit submits more tasks than the limit allows at once and
// wants every task run, never more than the limit at a time.
func TestWorkersLimit(t *testing.T) {
	cases := []struct {
		name         string
		limit, tasks int
	}{
		{"no limit", 0, 50},
		{"one at a time", 1, 50},
		{"three at a time", 3, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorkers(tc.limit)
			var running, peak, ran atomic.Int64
			var gate sync.WaitGroup
			gate.Add(1)
			for range tc.tasks {
				err := w.submit(func() {
					n := running.Add(1)
					for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
					}
					gate.Wait()
					running.Add(-1)
					ran.Add(1)
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			gate.Done()
			if err := w.wait(); err != nil {
				t.Fatal(err)
			}
			if ran.Load() != int64(tc.tasks) {
				t.Errorf("%d of %d tasks ran", ran.Load(), tc.tasks)
			}
			if tc.limit > 0 && peak.Load() > int64(tc.limit) {
				t.Errorf("%d tasks ran at once, limit %d", peak.Load(), tc.limit)
			}
		})
	}
}
