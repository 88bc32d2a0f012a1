package evio

import (
	"net"
	"testing"
	"time"

	"loopbench/servers/internal/testkit"

	"github.com/tidwall/evio"
)

// TestUnsentSeesEvioOutput checks, on a real evio connection, the
// unexported fields the model reads: out must hold the unsent output (if an
// evio upgrade renamed it, unsent would return 0 and a Wake could again
// overwrite unsent answers) and fd the socket.
func TestUnsentSeesEvioOutput(t *testing.T) {
	addr := testkit.FreeAddr(t)
	seen := make(chan int, 4)
	fds := make(chan int, 1)
	opened := make(chan evio.Conn, 1)
	big := make([]byte, 8<<20)
	events := evio.Events{
		Opened: func(c evio.Conn) ([]byte, evio.Options, evio.Action) {
			opened <- c
			fds <- socket(c)
			return big, evio.Options{}, evio.None
		},
		Data: func(c evio.Conn, in []byte) ([]byte, evio.Action) {
			seen <- unsent(c)
			return nil, evio.None
		},
		Closed: func(evio.Conn, error) evio.Action { return evio.Shutdown },
	}
	done := make(chan error, 1)
	go func() { done <- evio.Serve(events, "tcp://"+addr) }()
	var c net.Conn
	var err error
	for range 200 {
		if c, err = net.Dial("tcp", addr); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	ec := <-opened
	if fd := <-fds; fd <= 2 {
		t.Errorf("socket = %d on a real evio connection, want its descriptor", fd)
	}
	time.Sleep(100 * time.Millisecond) // evio writes what the socket takes of 8 MiB
	ec.Wake()                          // the client reads nothing, so only a Wake calls Data
	select {
	case n := <-seen:
		if n <= 0 || n > len(big) {
			t.Errorf("unsent = %d with an unread 8 MiB answer, want 1..%d", n, len(big))
		}
	case <-time.After(testkit.IOTimeout):
		t.Fatal("evio never called Data")
	}
	c.Close() // evio stops once the connection's output is gone
	select {
	case <-done:
	case <-time.After(testkit.IOTimeout):
		t.Fatal("evio did not stop")
	}
}
