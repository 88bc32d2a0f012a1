package evio_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"testing"

	"loopbench/servers/evio"
	st "loopbench/servers/internal/servertest"
	"loopbench/servers/model"
)

// suite runs the shared checks against evio.
var suite = st.Suite{
	New:      func() model.Model { return evio.New() },
	Variants: st.Variants(),
}

func TestRoutes(t *testing.T)                   { suite.Routes(t) }
func TestPipelinedOrder(t *testing.T)           { suite.PipelinedOrder(t) }
func TestTrickled(t *testing.T)                 { suite.Trickled(t) }
func TestPipelineBeyondQueueBound(t *testing.T) { suite.PipelineBeyondQueueBound(t) }
func TestClose(t *testing.T)                    { suite.Close(t) }
func TestShutdown(t *testing.T)                 { suite.Shutdown(t) }
func TestListenError(t *testing.T)              { suite.ListenError(t) }

// TestStopWhenListeningEverywhere stops a server listening on every address:
// the control connection that stops evio then goes to the loopback address.
func TestStopWhenListeningEverywhere(t *testing.T) {
	cfg := st.Config(t)
	_, port, _ := net.SplitHostPort(cfg.Addr)
	cfg.Addr = "0.0.0.0:" + port
	stop := st.Start(t, evio.New(), cfg)
	c := st.Dial(t, "127.0.0.1:"+port)
	io.WriteString(c, st.Get("/plaintext"))
	if got, err := st.ReadResponse(bufio.NewReader(c), false); err != nil || st.Normalize(got) != st.Expected(t, st.Get("/plaintext")) {
		t.Fatalf("got %q, %v", got, err)
	}
	if err := stop(); !errors.Is(err, model.ErrServerClosed) {
		t.Fatalf("Serve returned %v, want model.ErrServerClosed", err)
	}
}
