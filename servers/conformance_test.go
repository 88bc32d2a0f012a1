package servers_test

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"loopbench/app"
	"loopbench/servers"
	"loopbench/servers/internal/testkit"
	"loopbench/servers/model"
)

// row is one configuration of one model that the suite runs against.
type row struct {
	name   string              // the subtest name
	model  string              // the name in the model table
	config func(*model.Config) // the variant's flags
	leakOK []goleak.Option     // goroutines the model knowingly leaves behind
	cases  []string            // the cases that concern the row's variant (servers.Variant.Cases); nil: every case
}

// concerns reports whether the case named c is run against r.
func (r row) concerns(c string) bool { return r.cases == nil || slices.Contains(r.cases, c) }

func plain(*model.Config) {}

// rows is every model of the table in its default configuration and in
// each variant it declares, so adding a model to the table adds its rows.
// Models that cannot run here (node missing) are skipped with the reason.
var rows = tableRows()

func tableRows() []row {
	var rs []row
	for _, e := range servers.All() {
		if rowsWanted(e, "") {
			rs = append(rs, row{name: e.Name, model: e.Name, config: plain})
		}
		for _, v := range e.Variants {
			if rowsWanted(e, v.Name) {
				rs = append(rs, row{name: e.Name + "-" + v.Name, model: e.Name, config: v.Edit, cases: v.Cases})
			}
		}
	}
	return rs
}

// rowsEnv chooses the rows by where their model runs, so that `make test`
// runs each row once, in the pass that can check it: "in-process" (the
// rows served by this test process whose code is ours: every such model's
// default and each variant of the homemade loop, which the race detector
// watches in the -race pass), "external" (the models served by another
// program, node and the C pthread server, which the race detector cannot
// see into, and the libraries' variants, whose loops are the libraries'
// own: the pass without it, about five times faster), or every row (unset
// or "all").
const rowsEnv = "LOOPBENCH_CONFORMANCE_ROWS"

// rowsWanted reports whether e's row of variant (empty: its default) runs
// under rowsEnv.
func rowsWanted(e servers.Entry, variant string) bool {
	_, external := e.New().(model.Execer)
	raced := !external && (variant == "" || slices.Contains(e.Roles, servers.RoleHomemade))
	switch os.Getenv(rowsEnv) {
	case "in-process":
		return raced
	case "external":
		return !raced
	}
	return true
}

// libraryGoroutines are goroutines that libraries start once per process or
// that end on their own shortly after a stop, so they may be seen by any row
// that runs after the library's.
var libraryGoroutines = []goleak.Option{
	// fasthttp's Date header updater runs for the life of the process.
	goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1"),
	// fasthttp's worker pool cleaner sees the stop only after its sleep (up to 10 s).
	goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*workerPool).Start.func2"),
}

// suiteCase is one check of the suite, run against a row's subject.
type suiteCase struct {
	name string
	run  func(t *testing.T, s *subject)
	// beside: the case may run beside the other beside cases, as it counts
	// no descriptors and measures no time closely. Most wait on timers,
	// sockets or a child process, so running them two at a time (go test's
	// -parallel, GOMAXPROCS by default) keeps the suite short.
	beside bool
	// another: the case serves and stops another instance of the model
	// in this process (see closesTwice).
	another bool
	// routes are the paths the case needs: a model that serves only some
	// routes (Entry.Routes) skips it unless it serves them all. Cases
	// driven by a table of requests skip row by row instead (skipUnserved).
	routes []string
}

// cases are run against every row: in order, then the beside ones beside
// each other.
var cases = []suiteCase{
	{name: "routes", run: testRoutes},
	{name: "keep-alive", run: testKeepAlive},
	{name: "pipelined-16", run: testPipelined},
	{name: "trickled", run: testTrickled, routes: []string{"/json", "/sleep"}},
	{name: "bad-input", run: testBadInput},
	{name: "body-in-sync", run: testBodyInSync},
	{name: "reset-mid-request", run: testReset},
	{name: "listen-error", run: testListenError},
	{name: "pipeline-beyond-queue-bound", run: testPipelineBeyondQueueBound, beside: true},
	{name: "slow-reader", run: testSlowReader, beside: true, routes: []string{"/file", "/plaintext", "/sleep", "/json"}},
	{name: "close-after-answer", run: testCloseAfterAnswer, beside: true},
	{name: "1000-connections", run: testManyConnections, beside: true},
	{name: "sleeps-overlap", run: testSleepsOverlap, beside: true},
	{name: "upstreams-overlap", run: testUpstreamsOverlap, beside: true, routes: []string{"/upstream"}},
	{name: "fifo-waits", run: testFIFOWaits, beside: true, routes: []string{"/fifo"}},
	{name: "backend-failures", run: testBackendFailures, beside: true, another: true, routes: []string{"/upstream", "/plaintext"}},
	{name: "backend-reuse", run: testBackendReuse, beside: true, another: true, routes: []string{"/upstream"}},
	{name: "accept-error", run: testAcceptError, beside: true},
	{name: "bounds", run: testBounds, beside: true, another: true},
}

// TestConformance runs every case against every row, each row with its own
// server, backend and data directory, and checks the graceful stop once
// every case has ended.
func TestConformance(t *testing.T) {
	if v := os.Getenv(rowsEnv); v != "" && v != "all" && v != "in-process" && v != "external" {
		t.Fatalf("%s=%q: want all, in-process or external", rowsEnv, v)
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			s := start(t, r)
			t.Cleanup(func() { s.stop(t) })
			for _, c := range cases {
				if !r.concerns(c.name) {
					continue // the variant changes nothing this case exercises
				}
				t.Run(c.name, func(t *testing.T) {
					skipKnownBug(t, s)
					skipUnserved(t, s, c.routes...)
					if c.beside && !(c.another && closesTwice[r.model] != "") {
						t.Parallel()
					}
					c.run(t, s)
				})
			}
		})
	}
}

// TestVariantCasesNamed checks that every case a variant declares as its
// concern (servers.Variant.Cases) is a case of the suite, so a misspelt
// or renamed one cannot quietly leave the variant untested.
func TestVariantCasesNamed(t *testing.T) {
	for _, e := range servers.All() {
		for _, v := range e.Variants {
			for _, name := range v.Cases {
				if !slices.ContainsFunc(cases, func(c suiteCase) bool { return c.name == name }) {
					t.Errorf("%s's variant %s names case %q, which the suite does not have", e.Name, v.Name, name)
				}
			}
			if v.Cases != nil && len(v.Cases) == 0 {
				t.Errorf("%s's variant %s declares no case at all: the suite would only start and stop it", e.Name, v.Name)
			}
		}
	}
}

// closesTwice names the models whose library closes a descriptor twice
// when it stops, with where: between the two closes another goroutine of
// this process may be given the same descriptor number, and the second
// close then closes its socket (the EBADF the 1000-connections case met
// with evio, whose bounds and backend cases stop instances beside it). For
// these models the cases that stop another instance run alone, before the
// cases that run beside each other, so no descriptor is opened in this
// process while an instance stops. (`loopbench serve` runs one model per
// process, which exits after the stop.)
var closesTwice = map[string]string{
	"evio": "github.com/tidwall/evio v1.0.8, evio_unix.go, (*listener).close: syscall.Close(ln.fd), then ln.f.Close() on the *os.File that holds the same descriptor",
}

// knownBugs are checks that a model of ours is known to fail, by model name
// (every variant), then case or case/subcase name, with the bug. Unlike a
// difference, a bug is not meant to stay: the check is skipped, saying why,
// until the bug is fixed and its entry deleted. It is empty: the two bugs
// the suite found in eventloop (a connection stalled behind 64 KiB of ready
// answers, a descriptor leaked by a failed start) are fixed.
var knownBugs = map[string]map[string]string{}

// skipKnownBug skips t if its row's model is known to fail it.
func skipKnownBug(t *testing.T, s *subject) {
	t.Helper()
	name, _ := strings.CutPrefix(t.Name(), "TestConformance/"+s.row.name+"/")
	if bug, ok := knownBugs[s.row.model][name]; ok {
		t.Skipf("known bug of %s: %s", s.row.model, bug)
	}
}

// appRoutes are the paths the shared application routes (app/route.go);
// any other path is answered 404 by every model.
var appRoutes = []string{"/plaintext", "/json", "/sleep", "/upstream", "/file", "/cpu", "/fifo"}

// skipUnserved skips t, saying why, when the row's model does not serve
// one of paths (see Entry.Routes).
func skipUnserved(t *testing.T, s *subject, paths ...string) {
	t.Helper()
	var lacks []string
	for _, p := range paths {
		if !s.entry.Serves(p) {
			lacks = append(lacks, p)
		}
	}
	if len(lacks) > 0 {
		t.Skipf("needs %s, which %s does not serve (it serves %s)", strings.Join(lacks, ", "), s.row.model, strings.Join(s.entry.Routes, ", "))
	}
}

// unserved returns the routes the requests, one or several pipelined,
// need and the row's model does not serve: a GET or HEAD of a path of
// appRoutes. A refused or incomplete request, or another method, needs
// none (every model answers it alike).
func (s *subject) unserved(raws ...string) []string {
	var lacks []string
	for _, raw := range raws {
		for b := []byte(raw); len(b) > 0; {
			var r app.Request
			n, err := app.Parse(b, &r)
			if err != nil || n == 0 {
				break
			}
			b = b[n:]
			p := string(r.Path)
			if r.Method != app.MethodOther && slices.Contains(appRoutes, p) && !s.entry.Serves(p) && !slices.Contains(lacks, p) {
				lacks = append(lacks, p)
			}
		}
	}
	return lacks
}

// skipUnservedRequests skips t when the requests need a route the row's
// model does not serve.
func skipUnservedRequests(t *testing.T, s *subject, raws ...string) {
	t.Helper()
	skipUnserved(t, s, s.unserved(raws...)...)
}

func testKeepAlive(t *testing.T, s *subject) {
	c := testkit.Dial(t, s.addr)
	for range 5 {
		expect200(t, c, "/plaintext", app.PlaintextBody())
		expect200(t, c, "/sleep?ms=1", []byte("slept 1 ms"))
	}
}

func expect200(t testing.TB, c *testkit.Client, target string, body []byte) {
	t.Helper()
	if r := c.Get(t, target); r.Status != 200 || !bytes.Equal(r.Body, body) {
		t.Errorf("GET %s = %v, want 200 %.40q", target, r, body)
	}
}

// testPipelined sends 16 requests in one write, deferred ones of every kind
// among them with the longest waits first, and checks the answers come in
// order. A model that serves only some routes gets requests for those.
func testPipelined(t *testing.T, s *subject) {
	reqs := make([]string, 16)
	for i := range reqs {
		targets := slices.DeleteFunc([]string{
			"/plaintext",
			"/json",
			fmt.Sprintf("/sleep?ms=%d", 32-2*i),
			fmt.Sprintf("/cpu?iter=%d", i),
			fmt.Sprintf("/upstream?ms=%d", 16-i),
			"/file?name=medium.bin",
			fmt.Sprintf("/fifo?ms=%d", 16-i),
		}, func(target string) bool { return len(s.unserved(testkit.Get(target))) > 0 })
		reqs[i] = testkit.Get(targets[i%len(targets)])
	}
	c := testkit.Dial(t, s.addr)
	c.Send(t, strings.Join(reqs, ""))
	expectAnswers(t, c, reqs, s.dataDir)
}

// testPipelineBeyondQueueBound pipelines more deferred requests than a
// connection may have waiting (gnet and evio queue 256 answers, eventloop
// 32), so reading stops and resumes as answers leave.
func testPipelineBeyondQueueBound(t *testing.T, s *subject) {
	reqs := make([]string, 700)
	for i := range reqs {
		reqs[i] = testkit.Get("/sleep?ms=1")
		if i%3 == 0 {
			reqs[i] = testkit.Get("/plaintext")
		}
	}
	c := testkit.Dial(t, s.addr)
	c.Send(t, strings.Join(reqs, ""))
	expectAnswers(t, c, reqs, s.dataDir)
}

// expectAnswers reads the answers to reqs, pipelined on c, and wants each
// to be the shared application's, in order. It stops at the first that is
// not: every later answer would be out of step.
func expectAnswers(t *testing.T, c *testkit.Client, reqs []string, dir string) {
	t.Helper()
	for i, raw := range reqs {
		want := testkit.Want(t, raw, dir)
		r, err := c.Read(testkit.Method(raw))
		if err != nil || r.Status != want.Status || !bytes.Equal(r.Body, want.Body) {
			t.Fatalf("answer %d of %d (%.40q) = %v, %v; want %v", i, len(reqs), raw, r, err, want)
		}
	}
}

// testTrickled sends two requests one byte per write, the second deferred.
func testTrickled(t *testing.T, s *subject) {
	c := testkit.Dial(t, s.addr)
	c.Conn.SetNoDelay(true)
	reqs := []string{testkit.Get("/json"), testkit.Get("/sleep?ms=1")}
	for _, b := range []byte(strings.Join(reqs, "")) {
		c.Send(t, string(b))
		time.Sleep(time.Millisecond)
	}
	expectAnswers(t, c, reqs, s.dataDir)
}

// testSlowReader pipelines 6 MiB of answers before the client reads any
// (more than gnet may hold unsent for a connection, more than the socket
// buffers), then more requests; all are answered in order once it reads.
func testSlowReader(t *testing.T, s *subject) {
	c := testkit.Dial(t, s.addr)
	large := strings.Repeat(testkit.Get("/file?name=large.bin"), 6)
	then := testkit.Get("/plaintext") + testkit.Get("/sleep?ms=1") + testkit.Get("/json")
	c.Send(t, large)
	time.Sleep(50 * time.Millisecond) // the server fills the socket buffers and holds the rest
	c.Send(t, then)
	time.Sleep(10 * time.Millisecond)
	reqs := append(strings.SplitAfter(large, "\r\n\r\n")[:6], strings.SplitAfter(then, "\r\n\r\n")[:3]...)
	expectAnswers(t, c, reqs, s.dataDir)
}

// testBodyInSync sends a request with a body the route refuses, then a
// request on the same connection: the server must either close or answer
// the second request, never read the body as a request.
func testBodyInSync(t *testing.T, s *subject) {
	c := testkit.Dial(t, s.addr)
	c.Send(t, "POST /plaintext HTTP/1.1\r\nHost: loopbench\r\nContent-Length: 28\r\n\r\nGET /json HTTP/1.1\r\nX: y\r\n\r\n")
	c.Send(t, testkit.Get("/plaintext"))
	if r := c.MustRead(t, "POST"); r.Status != 405 {
		t.Errorf("POST with a body answered %v, want 405", r)
	}
	r, err := c.Read("GET")
	if err == nil && (r.Status != 200 || !bytes.Equal(r.Body, app.PlaintextBody())) {
		t.Errorf("the request after the body was answered %v: the stream desynchronised", r)
	}
}

// testReset resets connections mid-request and mid-wait, then checks the
// server still answers.
func testReset(t *testing.T, s *subject) {
	for _, partial := range []string{
		"GET /plain",                            // in the request line
		"GET /plaintext HTTP/1.1\r\nHost: loop", // in the headers
		"GET /plaintext HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc", // in a body announced but never sent
		testkit.Get("/sleep?ms=50"),                                // while the answer waits on a timer
		testkit.Get("/upstream?ms=50"),                             // while it waits on the backend
		testkit.Get("/file?name=large.bin"),                        // while a large answer is written
	} {
		c := testkit.Dial(t, s.addr)
		c.Send(t, partial)
		time.Sleep(5 * time.Millisecond)
		c.Reset()
	}
	time.Sleep(100 * time.Millisecond)
	stillServes(t, s)
}

// testManyConnections opens 1,000 connections, then has each make 10
// requests, all connections at once.
func testManyConnections(t *testing.T, s *subject) {
	const conns, requests = 1000, 10
	cs := make([]*testkit.Client, conns)
	for i := range cs {
		cs[i] = testkit.Dial(t, s.addr)
	}
	concurrently(t, cs, func(c *testkit.Client) error {
		for range requests {
			if err := exchange(c, "/plaintext", app.PlaintextBody()); err != nil {
				return err
			}
		}
		return nil
	})
}

// concurrently runs do for every client at once and reports how many
// failed, with the first failure.
func concurrently(t *testing.T, cs []*testkit.Client, do func(*testkit.Client) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(cs))
	for _, c := range cs {
		wg.Go(func() {
			if err := do(c); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if failed++; failed == 1 {
			t.Errorf("first failure: %v", err)
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d connections failed", failed, len(cs))
	}
}

// exchange makes one request and checks the answer, without testing.T,
// so that many goroutines can use it.
func exchange(c *testkit.Client, target string, body []byte) error {
	r, err := c.Exchange(testkit.Get(target))
	if err != nil {
		return err
	}
	if r.Status != 200 || !bytes.Equal(r.Body, body) {
		return fmt.Errorf("GET %s answered %v", target, r)
	}
	return nil
}

// testSleepsOverlap makes 200 concurrent /sleep?ms=200 requests: waits that
// overlap finish in about 200 ms; serial ones would take 40 s.
func testSleepsOverlap(t *testing.T, s *subject) {
	overlap(t, s, "/sleep?ms=200", "slept 200 ms")
}

// testUpstreamsOverlap does the same with backend calls of 200 ms.
func testUpstreamsOverlap(t *testing.T, s *subject) {
	overlap(t, s, "/upstream?ms=200", "upstream 200 ms")
}

// testFIFOWaits makes 24 concurrent /fifo?ms=20 requests, each on its own
// connection, more than any pool the suite runs but the largest has
// threads: every one answered, on however many threads the model waits (a
// pool of one takes 0.5 s, a thread per connection 20 ms), and in turn
// with others on the same slots, which are handed out again as waits end.
func testFIFOWaits(t *testing.T, s *subject) {
	const n = 24
	took, err := testkit.Concurrent(s.addr, "/fifo?ms=20", "fifo 20 ms", n)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d concurrent GET /fifo?ms=20 answered after %v to %v", n, took[0].Round(time.Millisecond), took[n-1].Round(time.Millisecond))
	if took[0] < 20*time.Millisecond {
		t.Errorf("a wait of 20 ms was answered after %v", took[0])
	}
}

// overlap makes 200 concurrent requests for a 200 ms wait and checks that
// they finish well before 200 serial waits would (40 s).
func overlap(t *testing.T, s *subject, target, body string) {
	const n = 200
	cs := make([]*testkit.Client, n)
	for i := range cs {
		cs[i] = testkit.Dial(t, s.addr)
	}
	begin := time.Now()
	concurrently(t, cs, func(c *testkit.Client) error { return exchange(c, target, []byte(body)) })
	elapsed := time.Since(begin)
	t.Logf("%d concurrent GET %s took %v", n, target, elapsed.Round(time.Millisecond))
	if elapsed > 10*time.Second {
		t.Errorf("%d concurrent GET %s took %v: the waits do not overlap (serial: 40 s)", n, target, elapsed)
	}
}
