// Package loadgen is loopbench's load generator: a lean HTTP/1.1 client over
// raw TCP connections that drives one server with a weighted mix of routes
// and measures every answer.
//
// It has five modes:
//
//  1. closed, like wrk: each connection sends its next request when the
//     answer arrives; with Pipeline N it sends N requests in one write and
//     the next N once all are answered, as wrk does with a pipelining script.
//     It begins with admission: each connection sends its first requests
//     and, once answered, holds its next ones until every connection has
//     been answered (or Timeout, at least 1 s, has passed). The warm-up
//     follows, then the window. So the window measures a server holding
//     all its connections, not one admitting them while the first ones
//     saturate it (Node's loop accepts one connection per iteration); the
//     connections still unanswered when it opens are counted (NotReady).
//  2. open, like wrk2: requests are scheduled at a fixed rate with uniform
//     spacing (request k at k/Rate seconds) and taken in order by whichever
//     connection of the pool is free. Latency counts from the scheduled time
//     when the request had to wait for a connection, so a server stall shows
//     in the percentiles instead of silently slowing the client
//     (coordinated omission). When a connection was idle and its timer woke it
//     late, latency counts from the actual send, because that lateness is the
//     client's (Go timers wake up to about 1 ms late on an idle process); the
//     lateness itself is kept in Result.SendLag.
//  3. replay: the same, at a trace's offsets, counted from the end of the
//     warm-up; the warm-up only opens the pool.
//  4. idle: IdleConnections are opened at ConnectRate, each answered once
//     (one request of the mix's first route, so the server has accepted
//     it; unanswered ones are counted in NotReady), and then held without
//     requests while a light probe load runs (closed at Connections, or
//     open at Rate when Rate is set); the probe's warm-up starts once they
//     are open and answered.
//  5. burst: Connections clients arrive at once, each dialled at the same
//     moment with one request, and held until every one is answered or
//     Timeout passes: how a server takes thousands of arrivals.
//
// Whatever the mode, every connection's dial and first answer are recorded
// over the whole run (Result.Establishment), and an open loop records how
// it kept its schedule (its send lag and, by quarter of the window, its
// latency), so a point accounts for its whole life, not only its window.
//
// Every answer's status and body are checked against what the route must
// answer (Expect). Correct answers go into per-route HDR histograms in
// microseconds; everything else is counted by status and error class. Each
// failed request counts once in its class, except "connect", which counts
// failed dials.
//
// # Engines
//
// A closed loop runs by default on the epoll engine (Linux): one goroutine
// per GOMAXPROCS multiplexes its connections over non-blocking sockets and
// an edge-triggered epoll set, as each wrk thread does. The alternative,
// one goroutine per connection on Go's netpoller (Config.Engine
// "goroutines", and every open loop), pays a read(2) that fails with EAGAIN
// after each request, because net.Conn.Read tries to read before it waits
// (2 reads per request against 1), plus goroutine switches. Client CPU per
// request (µs) from three runs of scripts/bench-loadgen.sh against gnet on
// the 2-core host while other work loaded it (medians of 3, 3 and 5 rounds;
// req/s was too noisy to rank, which is why CPU per request decided):
//
//	shape                  epoll             goroutines        wrk
//	keep-alive, 64 conns   7.7, 9.7, 9.7     8.8, 10.5, 10.0   8.9, 9.4, 10.6
//	keep-alive, 256 conns  11.1, 10.0, 10.0  12.8, 12.2, 11.9  9.5, 10.0, 10.0
//	pipelined 16 x 256     0.86, 0.90, 1.11  1.09, 1.02, 1.10  0.99, 0.99, 1.10
//
// About 90% of the client's CPU is the kernel's loopback TCP path in
// write(2) and read(2), the same for every client.
// Skipping the EAGAIN read through syscall.RawConn does not work:
// RawConn.Read resets the descriptor's readiness first, so answers that
// arrived in between were missed and connections hung until their timeout.
//
// Both engines reuse one read buffer per connection and allocate nothing
// per request in the steady state.
package loadgen
