package fasthttp

import (
	"testing"
	"time"

	"loopbench/servers/internal/testkit"
	"loopbench/servers/model"
)

// TestStopInterruptsSleep checks that a stopping server ends a long sleep
// within its grace period instead of waiting for it.
func TestStopInterruptsSleep(t *testing.T) {
	cfg := model.Config{Addr: testkit.FreeAddr(t)}
	srv := testkit.Start(t, New(), cfg)
	testkit.Dial(t, cfg.Addr).Send(t, testkit.Get("/sleep?ms=60000"))
	time.Sleep(50 * time.Millisecond)
	begin := time.Now()
	srv.Stop(t)
	if d := time.Since(begin); d > Grace+5*time.Second {
		t.Errorf("stop took %v with a 60 s sleep in flight, want about %v", d, Grace)
	}
}
