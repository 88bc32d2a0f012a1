package evio

// Differences lists where this model behaves unlike the others. Its answers
// are the shared application's, byte for byte; these are evio's limits and
// how the model works around them.
var Differences = []string{
	"evio has no Stop: the model stops it by closing a control connection to its own listener, one extra connection (two descriptors) for the server's lifetime",
	"evio's Wake replaces a connection's unsent output instead of appending to it; while evio still holds unsent bytes, finished deferred answers wait (looked at again on the next loop pass, then after 1 ms backing off to 100 ms), which the model learns by reading evio v1.0.8's unexported conn.out through reflection",
	"evio leaves Nagle's algorithm on for accepted connections and has no option for TCP_NODELAY; the model sets it on each socket, whose descriptor it reads from evio's unexported conn.fd (without it, an answer written while an earlier one is unacknowledged waits ~40 ms for the client's delayed ACK)",
	"when accept fails with anything but EAGAIN (EMFILE or ENFILE at the descriptor limit, ECONNABORTED) evio's loop ends and the server stops; Serve returns an error",
	"--pool is ignored: each deferred operation runs on its own goroutine",
	"an idle evio loop still wakes every 100 ms (its epoll_wait timeout)",
}
