// Package threaded is the classic thread-per-connection server: one real OS
// thread per connection, blocking system calls on blocking sockets, and the
// kernel deciding which thread runs.
//
// How it waits:
//
//  1. One thread blocks in accept(2) on a blocking listening socket (raw
//     file descriptors through golang.org/x/sys/unix, not net.Conn, which
//     would put every socket on Go's epoll netpoller).
//  2. Each accepted connection gets a goroutine that calls
//     runtime.LockOSThread, so it owns one OS thread from accept to close.
//     Then the thread joins the runtime's idle threads and the next
//     connection takes it, as a server's thread cache would. (Ending it
//     instead makes the runtime unlink it from the list of all threads by a
//     linear scan under the scheduler lock, once per connection.)
//  3. That thread blocks in read(2) until bytes arrive, answers every
//     complete request (pipelined ones in one write) and blocks again.
//  4. A deferred operation blocks the same thread: /sleep in ppoll(2) on an
//     eventfd with a timeout (the thread itself sleeps in the kernel, as with
//     nanosleep, and a stopping server can wake it; the price is that all
//     sleeping threads queue on that one eventfd's wait queue, whose lock
//     they share, where nanosleep shares nothing), /upstream in write and
//     read on a blocking backend socket from a pool of kept-alive
//     connections, /file in openat(2) and read(2) on a regular file (the
//     data directory held open as a descriptor, the name opened with
//     O_NOFOLLOW), /cpu inline, /fifo in write(2) on a blocking descriptor
//     of the backend's FIFO, which the backend drains after the delay
//     (servers/internal/fifo).
//
// # What remains of Go underneath, and how it is kept from the figures
//
// A goroutine needs a scheduler slot (a P) to run Go code. A thread that
// returns from a blocking call and finds no idle slot queues its goroutine
// and sleeps until a slot frees up; at the default GOMAXPROCS that queue, not
// the kernel, decides who runs, and the model collapses (issue 2 measured p99
// of seconds with 256 connections). So the model sizes GOMAXPROCS to the live
// connection threads, a quarter more and 16 slots of headroom (at least 64),
// and every returning thread finds a slot at once. The runtime's thread limit
// (debug.SetMaxThreads) is raised to Config.MaxThreads (DefaultMaxThreads,
// lowered to the kernel's threads-max, pid_max, cgroup pids.max and
// RLIMIT_NPROC). Both settings are process-wide: run one threaded server per
// process; stopping it restores GOMAXPROCS, and the thread limit too unless
// the runtime's idle threads no longer fit under the old one.
//
// What is left, and what was done about it:
//
//   - Changing GOMAXPROCS stops the world (up to tens of milliseconds per
//     change near 16,384 slots, measured on a 2-CPU development host). The governor grows it
//     by at least a quarter and shrinks it only when four times too large:
//     about 25 pauses while connections ramp up to 10,000, none in steady
//     state. Warm-up must come after the connections are open to absorb them.
//   - Each slot costs about 15 KB of process memory (its run queue, caches,
//     write barrier buffer). At 10,000 idle connections that had never been
//     answered the process held 550 to 590 MB, some 55 KB per connection,
//     of which roughly 20 KB is slots: a cost of Go, not of
//     thread-per-connection, and the figures of this model overstate the
//     design's memory by that much. (The c10k workload now answers each
//     idle connection once, so each thread has run a request on its stack,
//     and it measures more per connection than this.)
//   - Threads are the high-water mark: idle ones stay after their
//     connections end (Go never frees them), with their stacks.
//   - When thousands of connections wake at once (10,000 clients closing
//     together) every thread needs a slot and the scheduler's lock at the
//     same moment. Ending 10,000 connections that way took 6 to 8 s on a
//     heavily loaded 2-CPU host (a short profile showed the runtime handing
//     slots between threads, runtime.startlockedm), and under 1 s at a
//     quieter moment, after the connection set was sharded.
//   - The garbage collector starts a dedicated mark worker, on a thread of
//     its own, for a quarter of the slots, and its stop-the-world phases touch
//     every slot: with 1,024 slots a forced collection took about 20 ms and
//     left 256 more threads; with 16,384 slots, 1.5 s and 4,096 threads. The
//     connection path allocates nothing in steady state (buffers live with
//     the connection; TestPlaintextAllocs and TestFileAllocs check it; /cpu
//     allocates), so collections are rare; the extra threads stay (Go never
//     frees idle threads) and show in the thread count the harness samples.
//     /file used to allocate through os.Root, a few hundred bytes a
//     request: at 256 connections a collection then came every few
//     seconds, and in 3 of 8 windows of 1.5 s a fifth of the connections
//     waited unanswered through the window's end (Little's law at 0.75 to
//     0.82 of the requests in flight; those windows also show 60 more
//     threads, the collector's workers).
//   - Go ends the whole process when it exceeds the thread limit, and cannot
//     report a failed thread creation. The model counts connection threads
//     itself and refuses (closes) a connection beyond a capacity that leaves
//     room for the collector's workers and the runtime's own threads; see
//     capacityFor (15,186 connections under the default limit).
//   - Each goroutine still has its own stack besides the thread's; sysmon
//     scans every slot on each tick (runtime.retake), and a thread looking
//     for work scans them too (runtime.stealWork). In a short perf profile at
//     1,024 connections (on a loaded host, 127 samples) those two were about
//     a fifth of the server's CPU: the CPU per request of this model includes
//     that cost of Go's scheduler.
//
// # Stopping
//
// Serve shuts the listening socket (which wakes the blocked accept), then
// shuts the read side of every connection: idle ones end at once, busy ones
// after answering the request in progress. After Grace, sleeps are woken,
// backend calls failed and sockets shut both ways; a /cpu job, or a /fifo
// write (at most its delay), cannot be interrupted and is waited for. Serve returns model.ErrServerClosed once
// every connection thread has ended. With 10,000 idle connections that took
// 1.2 to 1.4 s on a heavily loaded 2-CPU host, and the process then needed
// about 2 s more to exit (the kernel ends its 10,000 threads): close to the
// 5 s that `loopbench serve` allows by default. (Waking the connections in
// batches of 256 instead was slower, 3 to 7 s.)
package threaded
