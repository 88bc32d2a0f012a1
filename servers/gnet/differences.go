package gnet

// Differences lists where this model behaves unlike the others. Its answers
// are the shared application's, byte for byte; these are gnet's limits and
// how the model works around them.
var Differences = []string{
	"--pool N lets at most N deferred operations run at once, /sleep included (a sleep holds a pool worker); the rest wait in arrival order. Without --pool each gets its own worker from gnet's default pool (up to 262,144)",
	"a connection that must close after its answer stays open until gnet's outbound buffer has drained, looked at again after 2 ms, backing off to 100 ms: gnet's own close drops unsent bytes",
	"gnet keeps reading a connection whatever it holds unsent for it: past 1 MiB unsent the model answers nothing more until it drains (looked at again after 2 ms, backing off to 100 ms), and the requests wait, unbounded, in gnet's inbound buffer",
	"when accept fails with EMFILE or ENFILE (the descriptor limit) gnet's engine stops instead of backing off; Serve returns an error",
	"--loops N > 1 gives each loop its own SO_REUSEPORT listener; with one loop, or a port of 0, gnet's main reactor accepts and hands connections to the loops",
}
