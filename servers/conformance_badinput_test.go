package servers_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"loopbench/servers"
	"loopbench/servers/internal/testkit"
)

// outcome is how a model answers a bad input, or meets a condition of the
// accept-error case: one of statuses (0 for "closes without an answer"),
// whether the connection must close after, or whether the server stops.
type outcome struct {
	statuses []int
	closes   bool
	stops    bool   // the server stops: Serve returns an error instead of answering
	why      string // for a difference: why this model answers this way
}

// badInput is a request a model must refuse, or answer despite a fault.
type badInput struct {
	name, request string
	want          outcome
}

// badInputs are the bad inputs of issue 2 with the answers app gives. Each
// is followed by a check that the server still answers a fresh connection.
var badInputs = []badInput{
	// Protocol errors: the status, then the connection closes.
	{name: "garbage-request-line", request: "GARBAGE\r\n\r\n", want: outcome{statuses: []int{400}, closes: true}},
	{name: "no-version", request: "GET /plaintext\r\n\r\n", want: outcome{statuses: []int{400}, closes: true}},
	{name: "bare-lf", request: "GET /plaintext HTTP/1.1\nHost: loopbench\n\n", want: outcome{statuses: []int{400}, closes: true}},
	{name: "header-without-colon", request: "GET /plaintext HTTP/1.1\r\nHost: loopbench\r\nNoColon\r\n\r\n", want: outcome{statuses: []int{400}, closes: true}},
	{name: "header-block-over-8KiB", request: "GET /plaintext HTTP/1.1\r\nHost: loopbench\r\nX-Big: " + strings.Repeat("a", 9000) + "\r\n\r\n", want: outcome{statuses: []int{431}, closes: true}},
	{name: "target-over-8KiB", request: "GET /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\nHost: loopbench\r\n\r\n", want: outcome{statuses: []int{414, 431}, closes: true}},
	{name: "version-2.0", request: "GET /plaintext HTTP/2.0\r\n\r\n", want: outcome{statuses: []int{505, 400}, closes: true}},
	{name: "version-garbage", request: "GET /plaintext HTTP/x.y\r\n\r\n", want: outcome{statuses: []int{400}, closes: true}},
	{name: "asterisk-target", request: "GET * HTTP/1.1\r\nHost: loopbench\r\n\r\n", want: outcome{statuses: []int{400}, closes: true}},
	{name: "length-and-encoding", request: "GET /plaintext HTTP/1.1\r\nHost: loopbench\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", want: outcome{statuses: []int{400}, closes: true}},
	{name: "differing-lengths", request: "GET /plaintext HTTP/1.1\r\nHost: loopbench\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx", want: outcome{statuses: []int{400}, closes: true}},
	{name: "invalid-length", request: "GET /plaintext HTTP/1.1\r\nHost: loopbench\r\nContent-Length: abc\r\n\r\n", want: outcome{statuses: []int{400}, closes: true}},
	{name: "obs-fold", request: "GET /plaintext HTTP/1.1\r\nHost: loopbench\r\nX-A: a\r\n b\r\n\r\n", want: outcome{statuses: []int{400}, closes: true}},
	{name: "nul-in-header", request: "GET /plaintext HTTP/1.1\r\nHost: loopbench\r\nX-A: a\x00b\r\n\r\n", want: outcome{statuses: []int{400}, closes: true}},
	{name: "nul-in-target", request: "GET /plain\x00text HTTP/1.1\r\nHost: loopbench\r\n\r\n", want: outcome{statuses: []int{400}, closes: true}},
	// HTTP/1.1 requires one valid Host (RFC 9112 §3.2).
	{name: "no-host", request: "GET /plaintext HTTP/1.1\r\n\r\n", want: outcome{statuses: []int{400}, closes: true}},
	{name: "two-hosts", request: "GET /plaintext HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", want: outcome{statuses: []int{400}, closes: true}},
	// Transfer-Encoding must end in chunked (RFC 9112 §6.3).
	{name: "encoding-not-chunked", request: "POST /plaintext HTTP/1.1\r\nHost: loopbench\r\nTransfer-Encoding: gzip\r\n\r\nxx", want: outcome{statuses: []int{400}, closes: true}},
	// Refusals of a body: the route's status, then the connection closes.
	{name: "body-over-64KiB", request: "POST /plaintext HTTP/1.1\r\nHost: loopbench\r\nContent-Length: 70000\r\n\r\n" + strings.Repeat("b", 70000), want: outcome{statuses: []int{405}, closes: true}},
	{name: "chunked-body-over-8KiB", request: "POST /plaintext HTTP/1.1\r\nHost: loopbench\r\nTransfer-Encoding: chunked\r\n\r\n2400\r\n" + strings.Repeat("c", 9216) + "\r\n0\r\n\r\n", want: outcome{statuses: []int{405}, closes: true}},
}

// differences are the bad inputs and cases a model knowingly meets its own
// way, by model name (every variant of the model), then bad input or case
// name. Each must also be listed in the model's Entry.Differences.
var differences = map[string]map[string]outcome{
	"fasthttp": {
		"bare-lf":                {statuses: []int{0}, why: "fasthttp never answers a head whose lines end in a bare LF: it waits for more bytes"},
		"version-2.0":            {statuses: []int{200}, closes: true, why: "fasthttp serves every version but 1.1 as HTTP/1.0 (answer, then close), not 505"},
		"asterisk-target":        {statuses: []int{400}, closes: true, why: "fasthttp refuses an asterisk-form target of GET itself (400, with its own body)"},
		"length-and-encoding":    {statuses: []int{200}, why: "fasthttp lets Transfer-Encoding: chunked win over Content-Length and reads the body"},
		"obs-fold":               {statuses: []int{200}, why: "fasthttp unfolds an obs-fold continuation line instead of refusing it"},
		"body-over-64KiB":        {statuses: []int{400}, closes: true, why: "fasthttp refuses a body over MaxRequestBodySize (64 KiB, as app) as a parse error: 400, not the route's 405"},
		"chunked-body-over-8KiB": {statuses: []int{405}, why: "fasthttp reads a chunked body up to 64 KiB and keeps the connection; app reads one up to 8 KiB and answers and closes beyond"},
		"encoding-not-chunked":   {statuses: []int{400, 405}, why: "fasthttp refuses Transfer-Encoding without chunked last with 400, and takes identity as no body"},
		"bounds/incomplete-head": {statuses: []int{400}, why: "fasthttp answers a head cut off by ReadTimeout 400, not 408: its error handler sees the timeout wrapped in a parse error"},
		"bounds/trickled-head":   {statuses: []int{400}, why: "fasthttp answers a head cut off by ReadTimeout 400, not 408: its error handler sees the timeout wrapped in a parse error"},
	},
	"gnet": {
		"accept-error": {stops: true, why: "gnet's engine stops when accept fails with EMFILE instead of backing off"},
	},
	"evio": {
		"accept-error": {stops: true, why: "evio's loop ends when accept fails with anything but EAGAIN, EMFILE included"},
	},
	"node": {
		"no-version":           {statuses: []int{505}, closes: true, why: "llhttp takes a request line without a version as HTTP/0.9 and refuses it with 505"},
		"two-hosts":            {statuses: []int{200}, why: "Node checks only that an HTTP/1.1 request has a Host, not that it has one alone"},
		"encoding-not-chunked": {statuses: []int{405}, closes: true, why: "Node answers a request whose Transfer-Encoding lacks chunked with the route's status (405) and closes, where RFC 9112 §6.3 wants 400"},
	},
}

// expectation returns the outcome a row must show for a bad input.
func expectation(model, name string, standard outcome) outcome {
	if o, ok := differences[model][name]; ok {
		return o
	}
	return standard
}

// testBadInput sends every bad input on its own connection, in parallel,
// and checks the
// answer, that the connection closes where it must, and that the server
// still answers.
func testBadInput(t *testing.T, s *subject) {
	for _, bi := range badInputs {
		t.Run(bi.name, func(t *testing.T) {
			t.Parallel()
			want := expectation(s.row.model, bi.name, bi.want)
			c := testkit.Dial(t, s.addr)
			if slices.Contains(want.statuses, 0) { // no answer: the server closes or waits
				c.Conn.SetReadDeadline(time.Now().Add(2 * time.Second))
			}
			c.Send(t, bi.request)
			r, err := c.Read(testkit.Method(bi.request))
			switch {
			case err != nil && slices.Contains(want.statuses, 0):
			case err != nil:
				t.Errorf("no answer: %v; want one of %v", err, want.statuses)
			case !slices.Contains(want.statuses, r.Status):
				t.Errorf("answered %v, want one of %v", r, want.statuses)
			case want.closes:
				c.ExpectClosed(t)
			}
			stillServes(t, s)
		})
	}
}

// TestDifferencesListed checks that a model with expected differences here
// also declares differences in the model table, which `loopbench models`
// shows, so no difference is known to the tests alone.
func TestDifferencesListed(t *testing.T) {
	for model, cases := range differences {
		e, err := servers.Lookup(model)
		if err != nil {
			t.Errorf("differences for unknown model %q: %v", model, err)
			continue
		}
		if len(cases) > 0 && len(e.Differences) == 0 {
			t.Errorf("%s meets %d bad inputs or cases its own way here, but its Entry.Differences is empty", model, len(cases))
		}
		for name, o := range cases {
			if o.why == "" {
				t.Errorf("%s/%s: an expected difference needs its why", model, name)
			}
			if !known(name) {
				t.Errorf("%s/%s: no bad input or case has that name", model, name)
			}
		}
	}
}

// TestKnownBugsNamed checks that every known bug names a case of a model.
func TestKnownBugsNamed(t *testing.T) {
	for model, bugs := range knownBugs {
		if _, err := servers.Lookup(model); err != nil {
			t.Errorf("known bugs of unknown model %q: %v", model, err)
		}
		for name := range bugs {
			if c, _, _ := strings.Cut(name, "/"); !known(c) {
				t.Errorf("%s/%s: no case has that name", model, name)
			}
		}
	}
}

// known reports whether name is a bad input's or a case's, the names the
// differences are keyed by, or a row of the bounds case ("bounds/ROW").
func known(name string) bool {
	if c, row, ok := strings.Cut(name, "/"); ok && c == "bounds" {
		return boundNamed(row)
	}
	return slices.ContainsFunc(badInputs, func(bi badInput) bool { return bi.name == name }) ||
		slices.ContainsFunc(cases, func(c suiteCase) bool { return c.name == name })
}
