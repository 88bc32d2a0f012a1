package evio

// Differences lists where this model behaves unlike the others. Its answers
// are the shared application's, byte for byte; these are evio's limits and
// how the model works around them.
var Differences = []string{
	"evio has no Stop: the model stops it by closing a control connection to its own listener, one extra connection (two descriptors) for the server's lifetime",
	"evio's Wake replaces a connection's unsent output instead of appending to it; while evio still holds unsent bytes, finished deferred answers wait (looked at again on the next loop pass, then after 1 ms backing off to 100 ms), which the model learns by reading evio v1.0.8's unexported conn.out through reflection",
	"evio leaves Nagle's algorithm on for accepted connections and has no option for TCP_NODELAY; the model sets it on each socket, whose descriptor it reads from evio's unexported conn.fd (without it, an answer written while an earlier one is unacknowledged waits ~40 ms for the client's delayed ACK)",
	"when accept fails with anything but EAGAIN (EMFILE or ENFILE at the descriptor limit, ECONNABORTED) evio's loop ends and the server stops; Serve returns an error (evio v1.0.8, evio_unix.go: loopAccept returns accept's error, which ends loopRun's poll.Wait and signals the shutdown)",
	"when evio stops it closes its listener's descriptor twice (evio_unix.go, (*listener).close: syscall.Close(ln.fd), then ln.f.Close() on the *os.File holding the same number), so a descriptor another goroutine of the process opened in between is closed under it; harmless in `loopbench serve`, whose process then exits, it made the conformance suite's 1000-connections case fail with EBADF, and the suite now stops evio instances alone",
	"--pool is ignored: each deferred operation runs on its own goroutine",
	"an idle evio loop still wakes every 100 ms (its epoll_wait timeout)",
}

// Bounds says how the model bounds what a hostile client can take, and what
// evio does not let it bound (see model.Config and `loopbench torture`).
var Bounds = []string{
	"head and idle timeouts: evio has none; the model keeps them with a ticker of its own (evio's Tick leaks its goroutine after a stop), which looks every quarter of --head-timeout (at most every second) and wakes the connections past their deadline to answer 408 or close, so a deadline may pass by that much; the idle timeout counts from the last bytes the client sent (evio does not say when it takes output), so a client reading a large answer more slowly than --idle-timeout is cut off",
	"unsent output: evio keeps reading a connection whose answers wait; the model closes one holding over 1 MiB of unparsed requests (evio's output buffer is its own: --max-unsent is not used)",
	"out of descriptors: cannot be bounded in the adapter: evio's loop ends when accept fails with EMFILE or ENFILE (evio v1.0.8, evio_unix.go: loopAccept returns every accept error but EAGAIN, which ends loopRun). The reserved-descriptor trick that eventloop and threaded use (close a spare descriptor, accept and close the excess connection, take the spare again) must run where accept fails, and evio calls the adapter (Opened) only after an accept has succeeded: there is no hook between the failed accept and the loop's end. Opened cannot free a descriptor ahead of the next accept either: evio accepts one connection per listener event, in whatever order epoll reports it beside the Opened of the connection before, so the last free descriptor can go to an accept before Opened has run",
}
