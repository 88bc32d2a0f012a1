package servers_test

import (
	"bufio"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"loopbench/servers/internal/testkit"
	"loopbench/servers/model"
)

// The bounds the bounds case serves with: short, so the case is quick, and
// far enough apart that an idle close cannot pass for a head timeout.
const (
	boundsHead = 400 * time.Millisecond
	boundsIdle = 1200 * time.Millisecond
	// boundsSlack is how late a model may close: gnet, evio and node look
	// at their connections every quarter of the head timeout, and a loaded
	// test machine runs late.
	boundsSlack = 1500 * time.Millisecond
)

// bounds are the rows of the bounds case: what a client does, and when the
// server must close the connection (within [atLeast, atMost] of the
// client's first byte, or of its connect when it sends none; the client
// then only writes, and the case reads), or that it must keep serving it
// (atMost 0; the client reads its answers itself).
var bounds = []struct {
	name    string
	client  func(c net.Conn) error // the client's part; an error means the server closed early
	atLeast time.Duration
	atMost  time.Duration
	want408 bool // a head timeout: 408 where a model can write it, or a close
}{
	// An incomplete head, then nothing: the slowloris client of issue 14.
	{name: "incomplete-head", client: sendThenWait("GET /plaintext HTTP/1.1\r\nHost: loopbench\r\nX-A: "),
		atMost: boundsHead + boundsSlack, want408: true},
	// A head trickled a byte every 50 ms: trickling does not extend the bound.
	{name: "trickled-head", client: trickleHead(50 * time.Millisecond),
		atMost: boundsHead + boundsSlack, want408: true},
	// One request, then an idle keep-alive connection: closed after the idle
	// timeout, not the (shorter) head timeout.
	{name: "idle-after-request", client: requestThenWait, atLeast: boundsHead + 200*time.Millisecond,
		atMost: boundsIdle + boundsSlack},
	// A connection that never sends a byte is bounded too.
	{name: "no-bytes", client: func(net.Conn) error { return nil }, atMost: boundsIdle + boundsSlack},
	// Requests every 300 ms for twice the idle timeout: each resets it.
	{name: "active-keeps-alive", client: requestEvery(300*time.Millisecond, 2*boundsIdle)},
	// A head that takes half the head timeout is served.
	{name: "slow-head-within-bound", client: slowHead(boundsHead / 2)},
}

// testBounds serves the row's model with short head and idle timeouts and
// checks that hostile or idle connections are closed in time, and that a
// busy or merely slow one is not.
func testBounds(t *testing.T, s *subject) {
	srv := s.serveAnother(t, func(c *model.Config) { c.HeadTimeout, c.IdleTimeout = boundsHead, boundsIdle })
	for _, b := range bounds {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			want := expectation(s.row.model, "bounds/"+b.name, outcome{})
			c := testkit.Dial(t, srv.Addr)
			begin := time.Now()
			if b.atMost == 0 {
				if err := b.client(c.Conn); err != nil {
					t.Fatalf("closed after %v: %v", time.Since(begin).Round(time.Millisecond), err)
				}
				return
			}
			go b.client(c.Conn) // it ends when the test closes the connection
			c.Conn.SetReadDeadline(begin.Add(b.atMost))
			got, err := readUntilClosed(c)
			took := time.Since(begin)
			switch {
			case err != nil:
				t.Errorf("still open after %v: %v", b.atMost, err)
			case took < b.atLeast:
				t.Errorf("closed after %v, before %v", took.Round(time.Millisecond), b.atLeast)
			case b.want408 && len(got) > 0 && !strings.HasPrefix(string(got), "HTTP/1.1 408") && !answers(got, want.statuses):
				t.Errorf("answered %.40q, want 408 or a plain close", got)
			case b.want408 && len(got) == 0:
				t.Logf("closed without a 408 after %v", took.Round(time.Millisecond))
			}
		})
	}
}

func sendThenWait(raw string) func(net.Conn) error {
	return func(c net.Conn) error {
		_, err := io.WriteString(c, raw)
		return err
	}
}

func trickleHead(gap time.Duration) func(net.Conn) error {
	return func(c net.Conn) error {
		for _, b := range []byte("GET /plaintext HTTP/1.1\r\nHost: loopbench\r\nX-A: " + strings.Repeat("a", 100)) {
			if _, err := c.Write([]byte{b}); err != nil {
				return nil // the server closed it: the read that follows says when
			}
			time.Sleep(gap)
		}
		return nil
	}
}

// requestThenWait sends one request; the case reads its answer.
func requestThenWait(c net.Conn) error {
	_, err := io.WriteString(c, testkit.Get("/plaintext"))
	return err
}

func requestEvery(gap, total time.Duration) func(net.Conn) error {
	return func(c net.Conn) error {
		br := bufio.NewReader(c)
		for end := time.Now().Add(total); time.Now().Before(end); time.Sleep(gap) {
			if _, err := io.WriteString(c, testkit.Get("/plaintext")); err != nil {
				return err
			}
			if _, err := testkit.ReadResponse(br, "GET"); err != nil {
				return err
			}
		}
		return nil
	}
}

func slowHead(over time.Duration) func(net.Conn) error {
	return func(c net.Conn) error {
		raw := testkit.Get("/plaintext")
		half := len(raw) / 2
		if _, err := io.WriteString(c, raw[:half]); err != nil {
			return err
		}
		time.Sleep(over)
		_, err := exchangeRaw(c, raw[half:])
		return err
	}
}

// exchangeRaw sends raw and reads one answer with a fresh reader: the
// connection carries nothing else, so no byte is lost to buffering.
func exchangeRaw(c net.Conn, raw string) (*testkit.Response, error) {
	if _, err := io.WriteString(c, raw); err != nil {
		return nil, err
	}
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	defer c.SetReadDeadline(time.Time{})
	return testkit.ReadResponse(bufio.NewReader(c), "GET")
}

// answers reports whether an answer's status is one of statuses.
func answers(got []byte, statuses []int) bool {
	for _, st := range statuses {
		if strings.HasPrefix(string(got), "HTTP/1.1 "+strconv.Itoa(st)+" ") {
			return true
		}
	}
	return false
}

// readUntilClosed reads what the server sends after the client's own
// requests were answered, until it closes the connection: what it sent
// last (a 408, or nothing) and nil, or the error of a read that did not
// end in a close.
func readUntilClosed(c *testkit.Client) ([]byte, error) {
	var last []byte
	buf := make([]byte, 4096)
	for {
		n, err := c.R.Read(buf)
		if n > 0 {
			last = append(last[:0], buf[:n]...)
		}
		if testkit.Closed(err) {
			return last, nil
		}
		if err != nil {
			return last, err
		}
	}
}

// boundNamed reports whether a row of the bounds case has the name.
func boundNamed(name string) bool {
	for _, b := range bounds {
		if b.name == name {
			return true
		}
	}
	return false
}
