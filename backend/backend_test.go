package backend

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(serveChild())
	}
	goleak.VerifyTestMain(m)
}

// start runs a backend on a free port until the test ends.
func start(t *testing.T) *Server {
	t.Helper()
	s, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("Serve after cancel: %v", err)
		}
	})
	return s
}

func dial(t *testing.T, s *Server) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(30 * time.Second))
	return c
}

// TestInOrder checks replies, their order per connection whatever the
// delays, and that no reply comes before its delay has passed.
func TestInOrder(t *testing.T) {
	s := start(t)
	c := dial(t, s)
	begin := time.Now()
	if _, err := io.WriteString(c, "60\n0\n20\n7\n"); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	for _, ms := range []int{60, 0, 20, 7} {
		line, err := r.ReadString('\n')
		if want := fmt.Sprintf("upstream %d ms\n", ms); line != want || err != nil {
			t.Fatalf("reply %q, %v; want %q", line, err, want)
		}
	}
	if elapsed := time.Since(begin); elapsed < 60*time.Millisecond {
		t.Fatalf("four replies after %v; the first asked for 60 ms", elapsed)
	}
	// The connection stays open for more.
	if _, err := io.WriteString(c, "1\n"); err != nil {
		t.Fatal(err)
	}
	if line, err := r.ReadString('\n'); line != "upstream 1 ms\n" || err != nil {
		t.Fatalf("reply on the kept-alive connection %q, %v", line, err)
	}
	// The count follows the write the client has just read from.
	waitFor(t, func() bool { return s.Answered() == 5 })
}

// TestSplitRequest checks a request trickled byte by byte.
func TestSplitRequest(t *testing.T) {
	c := dial(t, start(t))
	for _, b := range []byte("00012\n") {
		if _, err := c.Write([]byte{b}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	if line, err := bufio.NewReader(c).ReadString('\n'); line != "upstream 12 ms\n" || err != nil {
		t.Fatalf("reply %q, %v", line, err)
	}
}

// TestManyInFlight keeps 20,000 requests of 50 ms in flight at once (200
// connections, 100 pipelined each): answered one after another they would
// take 1,000 s; the backend must answer them all in about 50 ms.
func TestManyInFlight(t *testing.T) {
	const conns, depth, ms = 200, 100, 50
	s := start(t)
	req := []byte(strings.Repeat(fmt.Sprintf("%d\n", ms), depth))
	want := fmt.Sprintf("upstream %d ms\n", ms)
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	begin := time.Now()
	for range conns {
		c := dial(t, s)
		wg.Go(func() { errs <- exchange(c, req, want, depth) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	elapsed := time.Since(begin)
	t.Logf("%d requests of %d ms answered in %v", conns*depth, ms, elapsed)
	if elapsed > 15*time.Second {
		t.Fatalf("%d requests of %d ms took %v; waits do not overlap", conns*depth, ms, elapsed)
	}
}

func exchange(c net.Conn, req []byte, want string, n int) error {
	if _, err := c.Write(req); err != nil {
		return err
	}
	r := bufio.NewReader(c)
	for i := range n {
		line, err := r.ReadString('\n')
		if line != want || err != nil {
			return fmt.Errorf("reply %d: %q, %v; want %q", i, line, err, want)
		}
	}
	return nil
}

// TestBadLines checks that a line breaking the protocol closes the connection.
func TestBadLines(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"not a number", "abc\n"},                   // garbage
		{"over the limit", "60001\n"},               // more than app.MaxMillis
		{"empty line", "\n"},                        // nothing
		{"CRLF", "5\r\n"},                           // HTTP habits
		{"endless line", strings.Repeat("1", 1000)}, // no newline in sight
		{"bad line after a good one", "0\nxyz\n"},   // the good reply may or may not come first
	}
	s := start(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, s)
			if _, err := io.WriteString(c, tt.in); err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(c)
			if err != nil && !errors.Is(err, net.ErrClosed) && !isReset(err) {
				t.Fatalf("read: %v", err)
			}
			if s := string(got); s != "" && s != "upstream 0 ms\n" {
				t.Fatalf("got %q before the close", s)
			}
		})
	}
}

func isReset(err error) bool { return errors.Is(err, syscall.ECONNRESET) }

// TestHalfClose checks that a client that stops sending still gets every
// reply before the backend closes.
func TestHalfClose(t *testing.T) {
	c := dial(t, start(t))
	if _, err := io.WriteString(c, "30\n1\n"); err != nil {
		t.Fatal(err)
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c)
	if string(got) != "upstream 30 ms\nupstream 1 ms\n" || err != nil {
		t.Fatalf("got %q, %v", got, err)
	}
}

// TestShutdown checks that cancelling stops the server promptly with
// requests still waiting, closes its connections and leaks nothing (goleak
// checks every test's goroutines in TestMain).
func TestShutdown(t *testing.T) {
	s, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(ctx) }()
	var clients []net.Conn
	for range 10 {
		c := dial(t, s)
		if _, err := io.WriteString(c, "60000\n"); err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	waitFor(t, func() bool { return s.received.Load() == 10 })
	begin := time.Now()
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("Serve = %v; want nil after cancel", err)
	}
	if elapsed := time.Since(begin); elapsed > 10*time.Second {
		t.Fatalf("shutdown took %v", elapsed)
	}
	for _, c := range clients {
		if got, _ := io.ReadAll(c); len(got) != 0 {
			t.Fatalf("got %q after shutdown", got)
		}
	}
	if _, err := net.Dial("tcp", s.Addr()); err == nil {
		t.Fatal("the listener still accepts after shutdown")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 20 s")
		}
	}
}

// TestListenError checks that a bad address is reported.
func TestListenError(t *testing.T) {
	if err := Serve(context.Background(), "127.0.0.1:99999"); err == nil {
		t.Fatal("Serve on port 99999 succeeded")
	}
}
