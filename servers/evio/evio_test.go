package evio_test

import (
	"net"
	"testing"

	"loopbench/servers/evio"
	"loopbench/servers/internal/testkit"
)

// TestStopWhenListeningEverywhere stops a server listening on every address:
// the control connection that stops evio then goes to the loopback address.
func TestStopWhenListeningEverywhere(t *testing.T) {
	cfg := testkit.Config(t)
	_, port, _ := net.SplitHostPort(cfg.Addr)
	cfg.Addr = "0.0.0.0:" + port
	srv := testkit.Start(t, evio.New(), cfg)
	if r := testkit.Dial(t, "127.0.0.1:"+port).Get(t, "/plaintext"); r.Status != 200 {
		t.Fatalf("GET /plaintext = %v", r)
	}
	srv.Stop(t)
}
