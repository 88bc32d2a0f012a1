package gnet_test

import (
	"bufio"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"loopbench/servers/gnet"
	st "loopbench/servers/internal/servertest"
	"loopbench/servers/model"
)

// suite runs the shared checks against gnet, also with a goroutine pool of
// two for deferred work.
var suite = st.Suite{
	New:      func() model.Model { return gnet.New() },
	Variants: st.Variants(st.Variant{Name: "pool-2", Edit: func(c *model.Config) { c.Pool = 2 }}),
}

func TestRoutes(t *testing.T)                   { suite.Routes(t) }
func TestPipelinedOrder(t *testing.T)           { suite.PipelinedOrder(t) }
func TestTrickled(t *testing.T)                 { suite.Trickled(t) }
func TestPipelineBeyondQueueBound(t *testing.T) { suite.PipelineBeyondQueueBound(t) }
func TestClose(t *testing.T)                    { suite.Close(t) }
func TestShutdown(t *testing.T)                 { suite.Shutdown(t) }
func TestListenError(t *testing.T)              { suite.ListenError(t) }

// TestSlowReader pipelines more answers than gnet may hold unsent for a
// connection before the client reads any; the requests sent after that wait
// and are answered, in order, once the client reads.
func TestSlowReader(t *testing.T) {
	cfg := st.Config(t)
	st.Start(t, gnet.New(), cfg)
	c := st.Dial(t, cfg.Addr)
	first := strings.Repeat(st.Get("/file?name=large.bin"), 6)
	then := st.Get("/plaintext") + st.Get("/sleep?ms=1") + st.Get("/json")
	io.WriteString(c, first)
	time.Sleep(200 * time.Millisecond)
	io.WriteString(c, then)
	time.Sleep(50 * time.Millisecond)
	r := bufio.NewReader(c)
	for i, raw := range append(slices.Repeat([]string{st.Get("/file?name=large.bin")}, 6), st.Get("/plaintext"), st.Get("/sleep?ms=1"), st.Get("/json")) {
		got, err := st.ReadResponse(r, false)
		if err != nil || st.Normalize(got) != st.Expected(t, raw) {
			t.Fatalf("answer %d: %.100q, %v", i, got, err)
		}
	}
}
