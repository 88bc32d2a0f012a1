package gnet

// Differences lists where this model behaves unlike the others. Its answers
// are the shared application's, byte for byte; these are gnet's limits and
// how the model works around them.
var Differences = []string{
	"--pool N lets at most N deferred operations run at once, /sleep included (a sleep holds a pool worker); the rest wait in arrival order. Without --pool each gets its own worker from gnet's default pool (up to 262,144)",
	"a connection that must close after its answer stays open until gnet's outbound buffer has drained, looked at again after 2 ms, backing off to 100 ms: gnet's own close drops unsent bytes",
	"gnet keeps reading a connection whatever it holds unsent for it: past 1 MiB unsent the model answers nothing more until it drains (looked at again after 2 ms, backing off to 100 ms), and the requests wait in gnet's inbound buffer (see Bounds)",
	"when accept fails with EMFILE or ENFILE (the descriptor limit) gnet's engine stops instead of backing off; Serve returns an error (gnet v2.9.7, acceptor_unix.go: (*eventloop).accept0 and accept return errors.ErrAcceptSocket for any accept error but EAGAIN, EINTR, ECONNRESET and ECONNABORTED, and reactor_default.go's rotate and orbit then call engine.shutdown)",
	"--loops N > 1 gives each loop its own SO_REUSEPORT listener; with one loop, or a port of 0, gnet's main reactor accepts and hands connections to the loops",
}

// Bounds says how the model bounds what a hostile client can take, and what
// gnet does not let it bound (see model.Config and `loopbench torture`).
var Bounds = []string{
	"head and idle timeouts: gnet has none; the model keeps them with gnet's ticker, which looks every quarter of --head-timeout (at most every second) and closes connections past their deadline (408 for a head), so a deadline may pass by that much; the idle timeout counts from the last bytes the client sent, or took while over 1 MiB was unsent, so a client reading a large answer more slowly than --idle-timeout is cut off",
	"unsent output: past 1 MiB unsent (gnet's buffer, not --max-unsent) the model answers nothing more; gnet keeps reading regardless, so past 1 MiB of requests waiting in its inbound buffer, or --idle-timeout without the client taking a byte, the model closes the connection",
	"out of descriptors: cannot be bounded in the adapter: gnet's engine stops when accept fails with EMFILE or ENFILE (gnet v2.9.7, acceptor_unix.go: accept0 drains the listen queue in a loop of its own and returns errors.ErrAcceptSocket on EMFILE, which stops the reactor). The reserved-descriptor trick that eventloop and threaded use must run where accept fails; gnet calls the adapter (OnOpen) only after an accept has succeeded and the connection is registered, so there is no hook between the failed accept and the engine's shutdown. gnet's Engine.Register would let the model accept by itself and enroll each connection, but that moves accepting off gnet's reactor onto a goroutine and a dup per connection: no longer gnet's model",
}
