package pthread

import (
	"os"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"loopbench/servers/internal/testkit"
	"loopbench/servers/model"
)

// TestOutOfDescriptors lowers the server's descriptor limit to leave room
// for one connection: the next ones are answered 503 and closed through
// the spare descriptor, the one served goes on being served, and once the
// limit is back a new connection is served again.
func TestOutOfDescriptors(t *testing.T) {
	srv := start(t, model.Config{})
	pid := serverPID(t, srv.Addr)
	settle(t, srv.Addr, pid)
	ents, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		t.Skip("cannot count the server's descriptors:", err)
	}
	var old unix.Rlimit
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, nil, &old); err != nil {
		t.Skip("prlimit:", err)
	}
	// The kernel hands out the lowest free number, and none at or above
	// the limit: one above the lowest free number leaves room for one.
	low := unix.Rlimit{Cur: uint64(lowestFree(ents) + 1), Max: old.Max}
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, &low, nil); err != nil {
		t.Skip("prlimit:", err)
	}
	// accept(2) takes its descriptor number before it waits, so the
	// number the server's waiting accept holds may be above the new limit:
	// one more connection served and closed uses it up.
	settle(t, srv.Addr, pid)
	served := testkit.Dial(t, srv.Addr)
	if r := served.Get(t, "/plaintext"); r.Status != 200 {
		t.Fatalf("GET /plaintext in the last descriptor: %v", r)
	}
	for i := range 3 {
		c := testkit.Dial(t, srv.Addr)
		c.Conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		if r, err := c.Read("GET"); err != nil || r.Status != 503 || !r.Close {
			t.Errorf("connection %d beyond the descriptors: %v, %v; want 503 and close", i+1, r, err)
		}
	}
	if r := served.Get(t, "/plaintext"); r.Status != 200 {
		t.Errorf("GET /plaintext on the connection served meanwhile: %v", r)
	}
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, &old, nil); err != nil {
		t.Fatal(os.NewSyscallError("prlimit", err))
	}
	if r := testkit.Dial(t, srv.Addr).Get(t, "/plaintext"); r.Status != 200 {
		t.Errorf("GET /plaintext once descriptors are free: %v", r)
	}
}

// lowestFree is the lowest descriptor number not among ents.
func lowestFree(ents []os.DirEntry) int {
	open := map[int]bool{}
	for _, e := range ents {
		if fd, err := strconv.Atoi(e.Name()); err == nil {
			open[fd] = true
		}
	}
	fd := 0
	for open[fd] {
		fd++
	}
	return fd
}
