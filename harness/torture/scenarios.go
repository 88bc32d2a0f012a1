package torture

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"loopbench/harness/slowhttp"
)

// Scenario is one hostile client or fault. Run attacks the server at
// env.Addr for a bounded time and returns an error when the server broke
// the scenario's own bound; survival in general (the probe, descriptors
// coming back, a fresh connection answered) is judged around it.
type Scenario struct {
	Name, Description string
	Run               func(ctx context.Context, env *Env) error
	// Bounded: the server's memory may grow by at most memoryBound, or by
	// what PerClient says for each of the scenario's clients.
	Bounded bool
	// PerClient is the memory a scenario's client may cost the server,
	// beyond memoryBound in all, where a client legitimately holds some
	// (0: none).
	PerClient int64
	// Clients is how many clients the scenario opens at scale 1.
	Clients int
}

// memoryLimit is how much the server's memory may grow during the attack.
func (s Scenario) memoryLimit(e *Env) int64 {
	return memoryBound + int64(e.count(s.Clients))*s.PerClient
}

// Env is what a scenario gets: the server's address and bounds, the scale
// of counts and durations, and a place for notes.
type Env struct {
	// Model is the model under attack, as the table names it.
	Model       string
	Addr        string
	HeadTimeout time.Duration
	Scale       float64
	server      *server
	mu          sync.Mutex
	notes       []string
	timeline    []slowhttp.Sample
}

// count scales a documented count, at least 1.
func (e *Env) count(n int) int { return max(1, int(float64(n)*e.Scale)) }

// dur scales a documented duration, at least 100 ms.
func (e *Env) dur(d time.Duration) time.Duration {
	return max(100*time.Millisecond, time.Duration(float64(d)*e.Scale))
}

// Notef records a measurement beside the verdict.
func (e *Env) Notef(format string, a ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.notes = append(e.notes, fmt.Sprintf(format, a...))
}

// memoryBound is how much a server's memory may grow during an attack that
// must leave it bounded.
const memoryBound = 256 << 20

// scenarios is every scenario, in the order a run takes them.
var scenarios = []Scenario{
	// A slowloris connection costs threaded a thread until the head
	// timeout: its stacks, the kernel's and Go's per-thread and scheduler
	// slot structures, about 100 KiB measured. That is the design's price,
	// bounded per connection: 128 KiB each.
	{Name: "slowloris", Description: "2,000 connections trickle a header byte a second; all must be closed within the head timeout plus a margin",
		Run: slowloris, Bounded: true, PerClient: 128 << 10, Clients: slowlorisConns},
	{Name: "non-reading-pipeliner", Description: "4 clients pipeline requests as fast as they can and never read; memory must stay bounded",
		Run: nonReadingPipeliner, Bounded: true},
	// A slow reader holds its whole answer in the server (every model
	// renders answers whole), the kernel's send buffer for it (up to 4 MiB
	// under Linux's default tcp_wmem; about 1 MiB measured), and the garbage
	// collector's headroom over that answer: 4 MiB each.
	{Name: "slow-reader", Description: "100 clients fetch the 1 MiB /file and read it a few bytes a second; memory must stay bounded (4 MiB a client)",
		Run: slowReader, Bounded: true, PerClient: 4 << 20, Clients: slowReaders},
	{Name: "churn", Description: "thousands of connect-and-close a second for 4 s; descriptors must come back", Run: churn},
	{Name: "resets", Description: "resets mid-request and mid-response for 4 s", Run: resets},
	{Name: "fd-exhaustion", Description: "RLIMIT_NOFILE lowered to 40 above the baseline, then 200 clients: serve what is held, refuse the rest without spinning, recover",
		Run: fdExhaustion},
	{Name: "garbage", Description: "random bytes and every malformed request of the conformance suite, on thousands of connections for 4 s",
		Run: garbage, Bounded: true},
	{Name: "huge-body", Description: "requests declaring a body of 10 GB; each must be answered or closed within 5 s, unread",
		Run: hugeBody, Bounded: true},
	// The checks of others' tools (checks.go): slowhttptest's attacks, and
	// harness/httpcheck's fragmentation and differential checks.
	slowHTTPScenario(slowhttp.Attacks[0]),
	slowHTTPScenario(slowhttp.Attacks[1]),
	slowHTTPScenario(slowhttp.Attacks[2]),
	slowHTTPScenario(slowhttp.Attacks[3]),
	{Name: "fragmentation", Description: "every route's request in 1-byte writes, random segments and split inside each CRLF, and 16 pipelined requests split at random points: answers byte-identical to the unfragmented ones",
		Run: fragmentation},
	{Name: "differential", Description: "the generated corpus of valid, odd and malformed requests: each answer's status class and connection handling as Go's net/http (and node) give them, or a difference justified with its RFC section",
		Run: differential},
}

// Names returns every scenario's name, in run order.
func Names() []string {
	names := make([]string, len(scenarios))
	for i, s := range scenarios {
		names[i] = s.Name
	}
	return names
}

// Lookup finds a scenario by name; the error lists the names.
func Lookup(name string) (Scenario, error) {
	for _, s := range scenarios {
		if s.Name == name {
			return s, nil
		}
	}
	return Scenario{}, fmt.Errorf("unknown scenario %q; choose from: %s", name, strings.Join(Names(), ", "))
}

// All returns every scenario.
func All() []Scenario { return scenarios }

// workers runs n copies of f until d has passed, ctx is cancelled or f
// has run limit times in all, and returns how often it ran.
func workers(ctx context.Context, n int, d time.Duration, limit int64, f func(i int64)) int64 {
	var ran atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(deadline) {
				i := ran.Add(1)
				if i > limit {
					return
				}
				f(i)
			}
		})
	}
	wg.Wait()
	return min(ran.Load(), limit)
}
