// Package eventloop is the homemade event loop: libuv's design written out in
// Go, on epoll through golang.org/x/sys/unix, with no net package on the data
// path and no goroutine per connection.
//
// A server runs one or more loops (--loops N, each with its own SO_REUSEPORT
// listener) and one shared thread pool. Each loop runs on one goroutine locked
// to one OS thread. Like libuv's uv_run, every iteration of a loop goes
// through the same phases, in this order:
//
//  1. The loop's cached time is updated, once per iteration, so every
//     callback of the iteration sees the same "now".
//  2. Due timers run: /sleep answers, upstream timeouts, the accept backoff,
//     the end of lingering closes, the stop deadline and the loop-lag monitor.
//  3. Pending callbacks run: I/O work the previous iteration deferred, such as
//     a connection that may read again after its answers drained, or pool
//     completions beyond the per-iteration bound.
//  4. The loop polls for I/O (epoll_wait). The timeout is the time to the
//     next timer, or 0 when pending, check or close work is waiting, so the
//     loop never sleeps on work it already has. Ready handles run their I/O
//     callbacks here: accept, read-parse-answer-write, upstream replies and
//     the eventfd through which the pool hands back finished work.
//  5. Check callbacks run: connections whose deferred answers completed in
//     this iteration are flushed, with one write for all of them.
//  6. Close callbacks run: handles closed during the iteration release their
//     file descriptors, only now, so a descriptor number cannot be reused
//     while events for it may still be in the poll results.
//
// Handles live long: the listener, connections, backend connections, timers.
// Requests are short: a work request on the pool, a write the kernel did not
// take at once. The application (package app) decides what a request needs;
// this package decides how to wait for it: /sleep is a timer, /upstream a
// non-blocking backend connection on the same epoll, /file a work request on
// the pool (as libuv does file-system work), /cpu inline on the loop (as
// crypto.pbkdf2Sync blocks Node's loop) or on the pool with CPUOffload (as
// crypto.pbkdf2 does).
package eventloop
