// Package loadgen is loopbench's load generator: a lean HTTP/1.1 client over
// raw TCP connections that drives one server with a weighted mix of routes
// and measures every answer.
//
// It has four modes:
//
//  1. closed, like wrk: each connection sends its next request when an answer
//     arrives; with Pipeline N it keeps N requests in flight, writing as many
//     new requests as answers each read completed, in one write.
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
//  4. idle: IdleConnections are opened at ConnectRate and held without
//     requests while a light probe load runs (closed at Connections, or open
//     at Rate when Rate is set); the probe's warm-up starts once they are open.
//
// Every answer's status and body are checked against what the route must
// answer (Expect). Correct answers go into per-route HDR histograms in
// microseconds; everything else is counted by status and error class. Each
// failed request counts once in its class, except "connect", which counts
// failed dials.
//
// One goroutine serves each connection with a reusable read buffer; the
// steady state allocates nothing per request.
package loadgen
