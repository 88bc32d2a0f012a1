package servers_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"loopbench/app"
	"loopbench/servers/model"
)

// row is one configuration of one model that the suite runs against.
type row struct {
	name   string              // the subtest name
	model  string              // the name in the model table
	config func(*model.Config) // the variant's flags
	leakOK []goleak.Option     // goroutines the model knowingly leaves behind
}

func plain(*model.Config)        {}
func cpuOffload(c *model.Config) { c.CPUOffload = true }
func loops2(c *model.Config)     { c.Loops = 2 }

// rows is every model and variant. Adding a model is adding a row; models
// still being written (Serve returns errors.ErrUnsupported) and models that
// cannot run here (node missing) are skipped with the reason.
var rows = []row{
	{name: "threaded", model: "threaded", config: plain},
	{name: "fasthttp", model: "fasthttp", config: plain},
	{name: "eventloop", model: "eventloop", config: plain},
	{name: "eventloop-cpu-offload", model: "eventloop", config: cpuOffload},
	{name: "eventloop-loops-2", model: "eventloop", config: loops2},
	{name: "gnet", model: "gnet", config: plain},
	{name: "gnet-cpu-offload", model: "gnet", config: cpuOffload},
	{name: "gnet-loops-2", model: "gnet", config: loops2},
	{name: "evio", model: "evio", config: plain},
	{name: "evio-cpu-offload", model: "evio", config: cpuOffload},
	{name: "evio-loops-2", model: "evio", config: loops2},
	{name: "node", model: "node", config: plain},
	{name: "node-cpu-offload", model: "node", config: cpuOffload},
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

// cases are run in order against every row.
var cases = []struct {
	name string
	run  func(t *testing.T, s *subject)
}{
	{name: "routes", run: testRoutes},
	{name: "head", run: testHead},
	{name: "keep-alive", run: testKeepAlive},
	{name: "pipelined-16", run: testPipelined},
	{name: "trickled", run: testTrickled},
	{name: "http-1.0", run: testHTTP10},
	{name: "connection-close", run: testConnectionClose},
	{name: "bad-input", run: testBadInput},
	{name: "body-in-sync", run: testBodyInSync},
	{name: "reset-mid-request", run: testReset},
	{name: "1000-connections", run: testManyConnections},
	{name: "sleeps-overlap", run: testSleepsOverlap},
	{name: "upstreams-overlap", run: testUpstreamsOverlap},
}

// TestConformance runs every case against every row, each row with its own
// server, backend and data directory, and checks the graceful stop.
func TestConformance(t *testing.T) {
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			s := start(t, r)
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) { c.run(t, s) })
			}
			s.stop(t)
		})
	}
}

const (
	typeText = "text/plain; charset=utf-8"
	typeJSON = "application/json"
	typeFile = "application/octet-stream"
)

// routeCases are the routes with the exact bodies every model must send.
var routeCases = []struct {
	target, ctype string
	body          []byte
}{
	{target: "/plaintext", ctype: typeText, body: app.PlaintextBody()},
	{target: "/json", ctype: typeJSON, body: app.JSONBody()},
	{target: "/sleep?ms=0", ctype: typeText, body: []byte("slept 0 ms")},
	{target: "/sleep?ms=20", ctype: typeText, body: []byte("slept 20 ms")},
	{target: "/upstream?ms=0", ctype: typeText, body: []byte("upstream 0 ms")},
	{target: "/upstream?ms=20", ctype: typeText, body: []byte("upstream 20 ms")},
	{target: "/file?name=small.bin", ctype: typeFile, body: app.DataContent(1 << 10)},
	{target: "/file?name=medium.bin", ctype: typeFile, body: app.DataContent(64 << 10)},
	{target: "/file?name=large.bin", ctype: typeFile, body: app.DataContent(1 << 20)},
	{target: "/cpu?iter=1", ctype: typeText, body: app.CPU(1)},
	{target: "/cpu?iter=1000", ctype: typeText, body: app.CPU(1000)},
}

// testRoutes checks every route's status, body and headers on one
// keep-alive connection.
func testRoutes(t *testing.T, s *subject) {
	c := dial(t, s.addr)
	for _, rc := range routeCases {
		r := c.get(t, rc.target)
		if r.status != 200 || string(r.body) != string(rc.body) {
			t.Errorf("GET %s = %v, want 200 %.40q", rc.target, r, rc.body)
		}
		checkHeaders(t, "GET "+rc.target, r, rc.ctype, len(rc.body))
	}
}

// checkHeaders checks the headers every answer carries.
func checkHeaders(t *testing.T, what string, r *response, ctype string, length int) {
	t.Helper()
	if got := r.header.Get("Content-Type"); got != ctype {
		t.Errorf("%s: Content-Type %q, want %q", what, got, ctype)
	}
	if got, want := r.header.Get("Content-Length"), fmt.Sprint(length); got != want {
		t.Errorf("%s: Content-Length %q, want %q", what, got, want)
	}
	if got := r.header.Get("Server"); got != "loopbench" {
		t.Errorf("%s: Server %q, want loopbench", what, got)
	}
	date, err := http.ParseTime(r.header.Get("Date"))
	if err != nil || time.Since(date).Abs() > time.Minute {
		t.Errorf("%s: Date %q is not the current time in HTTP format (%v)", what, r.header.Get("Date"), err)
	}
}

// testHead checks that HEAD gets GET's headers and no body: the next
// answer on the connection must parse.
func testHead(t *testing.T, s *subject) {
	c := dial(t, s.addr)
	for _, rc := range []struct {
		target, ctype string
		length        int
	}{
		{target: "/plaintext", ctype: typeText, length: len(app.PlaintextBody())},
		{target: "/sleep?ms=5", ctype: typeText, length: len("slept 5 ms")},
		{target: "/file?name=medium.bin", ctype: typeFile, length: 64 << 10},
	} {
		c.send(t, "HEAD "+rc.target+" HTTP/1.1\r\nHost: loopbench\r\n\r\n")
		r := c.mustRead(t, "HEAD")
		if r.status != 200 {
			t.Errorf("HEAD %s: status %d, want 200", rc.target, r.status)
		}
		checkHeaders(t, "HEAD "+rc.target, r, rc.ctype, rc.length)
	}
	c.expect200(t, "/json", string(app.JSONBody()))
}

func testKeepAlive(t *testing.T, s *subject) {
	c := dial(t, s.addr)
	for range 5 {
		c.expect200(t, "/plaintext", string(app.PlaintextBody()))
		c.expect200(t, "/sleep?ms=1", "slept 1 ms")
	}
}

// testPipelined sends 16 requests in one write, deferred ones among them
// with the longest sleeps first, and checks the answers come in order.
func testPipelined(t *testing.T, s *subject) {
	c := dial(t, s.addr)
	var req strings.Builder
	want := make([]string, 16)
	for i := range 16 {
		var target string
		switch i % 4 {
		case 0:
			target, want[i] = "/plaintext", string(app.PlaintextBody())
		case 1:
			target, want[i] = "/json", string(app.JSONBody())
		case 2:
			target, want[i] = fmt.Sprintf("/sleep?ms=%d", 32-2*i), fmt.Sprintf("slept %d ms", 32-2*i)
		case 3:
			target, want[i] = fmt.Sprintf("/cpu?iter=%d", i), string(app.CPU(i))
		}
		fmt.Fprintf(&req, "GET %s HTTP/1.1\r\nHost: loopbench\r\n\r\n", target)
	}
	c.send(t, req.String())
	for i := range 16 {
		if r := c.mustRead(t, "GET"); r.status != 200 || string(r.body) != want[i] {
			t.Errorf("answer %d = %v, want 200 %q", i, r, want[i])
		}
	}
}

// testTrickled sends a request one byte per write.
func testTrickled(t *testing.T, s *subject) {
	c := dial(t, s.addr)
	c.c.SetNoDelay(true)
	for _, b := range []byte("GET /json HTTP/1.1\r\nHost: loopbench\r\n\r\n") {
		c.send(t, string(b))
		time.Sleep(time.Millisecond)
	}
	if r := c.mustRead(t, "GET"); r.status != 200 || string(r.body) != string(app.JSONBody()) {
		t.Errorf("trickled request answered %v", r)
	}
}

// testHTTP10 checks that HTTP/1.0 closes after the answer unless it asks
// for keep-alive.
func testHTTP10(t *testing.T, s *subject) {
	c := dial(t, s.addr)
	c.send(t, "GET /plaintext HTTP/1.0\r\n\r\n")
	if r := c.mustRead(t, "GET"); r.status != 200 || string(r.body) != string(app.PlaintextBody()) || !r.close {
		t.Errorf("HTTP/1.0 request answered %v, close %v; want 200 and close", r, r.close)
	}
	c.expectClosed(t)

	k := dial(t, s.addr)
	for range 2 {
		k.send(t, "GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
		r := k.mustRead(t, "GET")
		if r.status != 200 || !strings.EqualFold(r.header.Get("Connection"), "keep-alive") {
			t.Errorf("HTTP/1.0 keep-alive answered %v with Connection %q", r, r.header.Get("Connection"))
		}
	}
}

func testConnectionClose(t *testing.T, s *subject) {
	c := dial(t, s.addr)
	c.send(t, "GET /json HTTP/1.1\r\nHost: loopbench\r\nConnection: close\r\n\r\n")
	r := c.mustRead(t, "GET")
	if r.status != 200 || !r.close {
		t.Errorf("Connection: close answered %v without Connection: close", r)
	}
	c.expectClosed(t)
}

// testBodyInSync sends a request with a body the route refuses, then a
// request on the same connection: the server must either close or answer
// the second request, never read the body as a request.
func testBodyInSync(t *testing.T, s *subject) {
	c := dial(t, s.addr)
	c.send(t, "POST /plaintext HTTP/1.1\r\nHost: loopbench\r\nContent-Length: 28\r\n\r\nGET /json HTTP/1.1\r\nX: y\r\n\r\n")
	c.send(t, "GET /plaintext HTTP/1.1\r\nHost: loopbench\r\n\r\n")
	if r := c.mustRead(t, "POST"); r.status != 405 {
		t.Errorf("POST with a body answered %v, want 405", r)
	}
	r, err := c.read("GET")
	if err == nil && (r.status != 200 || string(r.body) != string(app.PlaintextBody())) {
		t.Errorf("the request after the body was answered %v: the stream desynchronised", r)
	}
}

// testReset resets connections mid-request and mid-wait, then checks the
// server still answers.
func testReset(t *testing.T, s *subject) {
	for _, partial := range []string{
		"GET /plain",                                // in the request line
		"GET /plaintext HTTP/1.1\r\nHost: loop",     // in the headers
		"GET /sleep?ms=50 HTTP/1.1\r\n\r\n",         // while the answer waits on a timer
		"GET /upstream?ms=50 HTTP/1.1\r\n\r\n",      // while it waits on the backend
		"GET /file?name=large.bin HTTP/1.1\r\n\r\n", // while a large answer is written
	} {
		c := dial(t, s.addr)
		c.send(t, partial)
		time.Sleep(5 * time.Millisecond)
		c.reset()
	}
	time.Sleep(100 * time.Millisecond)
	stillServes(t, s)
}

// testManyConnections opens 1,000 connections, then has each make 10
// requests, all connections at once.
func testManyConnections(t *testing.T, s *subject) {
	const conns, requests = 1000, 10
	cs := make([]*client, conns)
	for i := range cs {
		cs[i] = dial(t, s.addr)
	}
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for _, c := range cs {
		wg.Go(func() {
			for range requests {
				if err := exchange(c, "/plaintext", app.PlaintextBody()); err != nil {
					errs <- err
					return
				}
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
		t.Errorf("%d of %d connections failed", failed, conns)
	}
}

// exchange makes one request and checks the answer, without testing.T,
// so that many goroutines can use it.
func exchange(c *client, target string, body []byte) error {
	if _, err := fmt.Fprintf(c.c, "GET %s HTTP/1.1\r\nHost: loopbench\r\n\r\n", target); err != nil {
		return err
	}
	r, err := c.read("GET")
	if err != nil {
		return err
	}
	if r.status != 200 || string(r.body) != string(body) {
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

// overlap makes 200 concurrent requests for a 200 ms wait and checks that
// they finish well before 200 serial waits would (40 s).
func overlap(t *testing.T, s *subject, target, body string) {
	const n = 200
	cs := make([]*client, n)
	for i := range cs {
		cs[i] = dial(t, s.addr)
	}
	begin := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for _, c := range cs {
		wg.Go(func() {
			if err := exchange(c, target, []byte(body)); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(begin)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("%d concurrent GET %s took %v", n, target, elapsed.Round(time.Millisecond))
	if elapsed > 10*time.Second {
		t.Errorf("%d concurrent GET %s took %v: the waits do not overlap (serial: 40 s)", n, target, elapsed)
	}
}
