// Package eventloop is the homemade event loop: libuv's design written out in
// Go, on epoll (or, with --io-uring, io_uring) through golang.org/x/sys/unix,
// with no net package on the data path and no goroutine per connection.
//
// A server runs one or more loops (--loops N, each with its own SO_REUSEPORT
// listener) and one shared thread pool. Each loop runs on one goroutine,
// serially on one OS thread at a time like libuv's loop thread, though not
// locked to one (see yield in loop_linux.go). Like libuv's uv_run, every
// iteration of a loop goes through the same phases, in this order:
//
//  1. The loop's cached time is updated, once per iteration, so every
//     callback of the iteration sees the same "now".
//  2. Due timers run: /sleep answers, upstream timeouts, the accept backoff,
//     connection deadlines (head and idle timeouts, see deadline_linux.go),
//     the end of lingering closes and the stop deadline. (The loop-lag
//     monitor's timer is a timerfd polled in phase 4, so that a loop with no
//     timers due sleeps without a timeout.)
//  3. Pending callbacks run: I/O work the previous iteration deferred, such as
//     a connection that may read again after its answers drained, or pool
//     completions beyond the per-iteration bound.
//  4. The loop polls for I/O: epoll_wait, or on io_uring one
//     io_uring_enter that submits every request the iteration queued and
//     collects what completed. The timeout is the time to the next timer,
//     or 0 when pending, check or close work is waiting, so the loop never
//     sleeps on work it already has. Handles run their I/O callbacks here:
//     accept, read-parse-answer-write (on io_uring: receive-parse-answer and
//     a queued send), upstream replies, /file reads done on the ring, and
//     the eventfd through which the pool hands back finished work.
//  5. Check callbacks run: connections whose deferred answers completed in
//     this iteration are flushed, with one write for all of them.
//  6. Close callbacks run: handles closed during the iteration release their
//     file descriptors, only now, so a descriptor number cannot be reused
//     while events for it may still be in the poll results.
//
// After the close callbacks, at most every 2 ms, the loop yields to Go's
// scheduler: a step libuv has no need of, since its loop is a plain thread
// (see yield in loop_linux.go for why Go's loop needs it).
//
// Handles live long: the listener, connections, backend connections, timers.
// Requests are short: a work request on the pool, a write the kernel did not
// take at once. The application (package app) decides what a request needs;
// this package decides how to wait for it: /sleep is a timer, /upstream a
// non-blocking backend connection on the same epoll, /file a work request on
// the pool (as libuv does file-system work), /cpu inline on the loop (as
// crypto.pbkdf2Sync blocks Node's loop) or on the pool with CPUOffload (as
// crypto.pbkdf2 does), /fifo a work request whose worker blocks in
// write(2) on the backend's FIFO until the backend drains it (as node's
// fs.write holds a libuv worker), so --pool bounds the waits in progress.
//
// # Two backends: epoll and io_uring
//
// What differs between them is behind one small interface, ioBackend
// (io_linux.go), as libuv keeps uv__io_poll per platform: how phase 4 waits,
// and how a handle asks for I/O. Everything else, the phases, the timers,
// the connections' parsing, ordering, bounds and deadlines, lingering
// closes, the EMFILE refusal, the pool and the application, is shared.
//
// On epoll (epoll_linux.go and *_epoll_linux.go) the kernel says a
// descriptor is ready and the callback makes the call: a read and a write
// per request, an accept4 per connection. On io_uring (ring_linux.go, the
// ring itself; uring_linux.go and *_uring_linux.go) the loop queues
// requests and the kernel performs them; one io_uring_enter per iteration
// submits them all and runs their completions:
//   - a multishot accept per listener (a poll instead while the process
//     is out of descriptors: an io_uring accept would fail at once, again
//     and again), and a multishot receive per connection into a ring of
//     provided buffers (2 KiB each): a connection holds no buffer while it
//     waits. A receive the kernel ends (ENOBUFS when the buffers ran out, a
//     cancellation) is armed again once wanted; a connection that holds
//     64 KiB of requests it cannot serve yet (the unsent bound holds its
//     answers back) has its receive cancelled, so the rest wait in the
//     kernel as on epoll;
//   - one send in flight per connection, from a buffer that stays put
//     until its completion; a short send goes again from where it stopped;
//   - the backend's connect, request line and reply receive;
//   - /file opened (openat2 beneath the data directory, into a fixed-file
//     slot) and read on the ring instead of the pool, as libuv does since
//     1.45, into a buffer of the file's size (a statx tells it the first
//     time); the pool keeps the CPU work (/cpu with --cpu-offload) and
//     /fifo's blocking writes. The file's buffer is allocated, and its
//     pages faulted in, on the loop's thread, where the pool's workers did
//     that on theirs: many large answers at once (torture's slow-reader)
//     cost the loop more than on epoll;
//   - the eventfd's read and the lag monitor's absolute timeout.
//
// The ring has a single issuer, the loop's thread, and runs completions
// only when that thread enters the kernel (SINGLE_ISSUER, DEFER_TASKRUN),
// so the io_uring loop's goroutine is locked to its thread, and yields
// less often (lockedYieldEvery). Where io_uring is unavailable (an old
// kernel, kernel.io_uring_disabled, a seccomp filter), the server logs one
// line naming the cause and the fix and serves with epoll; the stats file
// records the backend that served. LOOPBENCH_USE_IO_URING=1 asks for
// io_uring as --io-uring does, for harnesses that start the server
// themselves. scripts/iouring-vs-epoll.sh measures the two backends and
// gnet by server CPU per request, paired, and `loopbench syscalls` counts
// each model's system calls per request.
//
// Ideas read and not taken on io_uring, not measured: send with
// MSG_ZEROCOPY (send-zc), which pins pages and posts a second completion
// per send, and which the kernel's documentation finds worth it only for
// writes above about 10 KB, where answers here are a few hundred bytes
// (only /file's are larger); SQPOLL, a kernel thread spinning on the
// submission queue, which would take the server's one CPU from the loop.
//
// # CPU per request, against gnet
//
// scripts/eventloop-vs-gnet.sh measures it: both models interleaved, six
// pairs per level, server CPU from each server's own cgroup. Changes made
// for it, each with its reason in the code:
//   - The loop yields to the scheduler every 2 ms and is not locked to its
//     thread (loop_linux.go, yield). A goroutine that never yields looks to
//     Go's sysmon like one running too long: on every tick it was signalled
//     or had its processor taken away mid-syscall, with a thread handoff.
//   - The lag monitor's timer is a periodic timerfd on the epoll
//     (lag_linux.go), so a loop with no timer due sleeps in epoll_wait without
//     a timeout instead of arming and cancelling a kernel timer every sleep.
//   - timeout() counts from the cached loop time, not a fresh clock read.
//
// Ideas read and not taken, so nobody tries them blind:
//   - A smaller epoll event buffer (gnet starts at 128): the kernel's work
//     scales with ready events, not with the buffer's size.
//   - Edge-triggered connections: gnet's are level-triggered too.
//   - Raw syscalls (unix.RawSyscall) for the non-blocking read and write:
//     they would hide the loop from the scheduler, which the yield relies on.
//   - Raising GOMAXPROCS only at the first pool job: not measured; the pool's
//     parked workers cost nothing while idle.
package eventloop
