package servers_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"loopbench/servers"
)

// outcome is how a model answers a bad input: one of statuses (0 for
// "closes without an answer"), and whether the connection must close after.
type outcome struct {
	statuses []int
	closes   bool
	why      string // for a difference: why this model answers this way
}

// badInputs are the bad inputs of issue 2 with the answers app gives. Each
// is followed by a check that the server still answers a fresh connection.
var badInputs = []struct {
	name, request string
	want          outcome
}{
	// Protocol errors: the status, then the connection closes.
	{name: "garbage-request-line", request: "GARBAGE\r\n\r\n", want: outcome{statuses: []int{400}, closes: true}},
	{name: "no-version", request: "GET /plaintext\r\n\r\n", want: outcome{statuses: []int{400}, closes: true}},
	{name: "bare-lf", request: "GET /plaintext HTTP/1.1\nHost: loopbench\n\n", want: outcome{statuses: []int{400}, closes: true}},
	{name: "header-without-colon", request: "GET /plaintext HTTP/1.1\r\nHost: loopbench\r\nNoColon\r\n\r\n", want: outcome{statuses: []int{400}, closes: true}},
	{name: "header-block-over-8KiB", request: "GET /plaintext HTTP/1.1\r\nHost: loopbench\r\nX-Big: " + strings.Repeat("a", 9000) + "\r\n\r\n", want: outcome{statuses: []int{431}, closes: true}},
	{name: "target-over-8KiB", request: "GET /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\nHost: loopbench\r\n\r\n", want: outcome{statuses: []int{414, 431}, closes: true}},
	{name: "version-2.0", request: "GET /plaintext HTTP/2.0\r\n\r\n", want: outcome{statuses: []int{505, 400}, closes: true}},
	{name: "version-garbage", request: "GET /plaintext HTTP/x.y\r\n\r\n", want: outcome{statuses: []int{400}, closes: true}},
	{name: "absolute-target", request: "GET http://loopbench/plaintext HTTP/1.1\r\nHost: loopbench\r\n\r\n", want: outcome{statuses: []int{400}, closes: true}},
	{name: "length-and-encoding", request: "GET /plaintext HTTP/1.1\r\nHost: loopbench\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", want: outcome{statuses: []int{400}, closes: true}},
	{name: "differing-lengths", request: "GET /plaintext HTTP/1.1\r\nHost: loopbench\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx", want: outcome{statuses: []int{400}, closes: true}},
	{name: "invalid-length", request: "GET /plaintext HTTP/1.1\r\nHost: loopbench\r\nContent-Length: abc\r\n\r\n", want: outcome{statuses: []int{400}, closes: true}},
	{name: "obs-fold", request: "GET /plaintext HTTP/1.1\r\nHost: loopbench\r\nX-A: a\r\n b\r\n\r\n", want: outcome{statuses: []int{400}, closes: true}},
	{name: "nul-in-header", request: "GET /plaintext HTTP/1.1\r\nHost: loopbench\r\nX-A: a\x00b\r\n\r\n", want: outcome{statuses: []int{400}, closes: true}},
	{name: "nul-in-target", request: "GET /plain\x00text HTTP/1.1\r\nHost: loopbench\r\n\r\n", want: outcome{statuses: []int{400}, closes: true}},
	// HTTP/1.1 requires Host, but app does not check it: it answers.
	{name: "no-host", request: "GET /plaintext HTTP/1.1\r\n\r\n", want: outcome{statuses: []int{200}}},
	// Route-level refusals: the status; the connection may stay open.
	{name: "unknown-path", request: "GET /nope HTTP/1.1\r\nHost: loopbench\r\n\r\n", want: outcome{statuses: []int{404}}},
	{name: "method-post", request: "POST /plaintext HTTP/1.1\r\nHost: loopbench\r\nContent-Length: 0\r\n\r\n", want: outcome{statuses: []int{405}}},
	{name: "body-over-64KiB", request: "POST /plaintext HTTP/1.1\r\nHost: loopbench\r\nContent-Length: 70000\r\n\r\n" + strings.Repeat("b", 70000), want: outcome{statuses: []int{405}, closes: true}},
	{name: "chunked-body", request: "POST /plaintext HTTP/1.1\r\nHost: loopbench\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", want: outcome{statuses: []int{405}, closes: true}},
	{name: "method-delete", request: "DELETE /json HTTP/1.1\r\nHost: loopbench\r\n\r\n", want: outcome{statuses: []int{405}}},
	{name: "sleep-ms-over", request: "GET /sleep?ms=60001 HTTP/1.1\r\nHost: loopbench\r\n\r\n", want: outcome{statuses: []int{400}}},
	{name: "sleep-ms-negative", request: "GET /sleep?ms=-1 HTTP/1.1\r\nHost: loopbench\r\n\r\n", want: outcome{statuses: []int{400}}},
	{name: "sleep-ms-missing", request: "GET /sleep HTTP/1.1\r\nHost: loopbench\r\n\r\n", want: outcome{statuses: []int{400}}},
	{name: "sleep-ms-not-a-number", request: "GET /sleep?ms=1e3 HTTP/1.1\r\nHost: loopbench\r\n\r\n", want: outcome{statuses: []int{400}}},
	{name: "upstream-ms-over", request: "GET /upstream?ms=60001 HTTP/1.1\r\nHost: loopbench\r\n\r\n", want: outcome{statuses: []int{400}}},
	{name: "cpu-iter-zero", request: "GET /cpu?iter=0 HTTP/1.1\r\nHost: loopbench\r\n\r\n", want: outcome{statuses: []int{400}}},
	{name: "cpu-iter-over", request: "GET /cpu?iter=10000001 HTTP/1.1\r\nHost: loopbench\r\n\r\n", want: outcome{statuses: []int{400}}},
	{name: "file-no-name", request: "GET /file HTTP/1.1\r\nHost: loopbench\r\n\r\n", want: outcome{statuses: []int{400}}},
	{name: "file-missing", request: "GET /file?name=none.bin HTTP/1.1\r\nHost: loopbench\r\n\r\n", want: outcome{statuses: []int{404}}},
	{name: "file-dotdot", request: "GET /file?name=../go.mod HTTP/1.1\r\nHost: loopbench\r\n\r\n", want: outcome{statuses: []int{404}}},
	{name: "file-encoded-dotdot", request: "GET /file?name=%2e%2e%2fgo.mod HTTP/1.1\r\nHost: loopbench\r\n\r\n", want: outcome{statuses: []int{404}}},
	{name: "file-absolute", request: "GET /file?name=%2Fetc%2Fpasswd HTTP/1.1\r\nHost: loopbench\r\n\r\n", want: outcome{statuses: []int{404}}},
	{name: "file-dot", request: "GET /file?name=. HTTP/1.1\r\nHost: loopbench\r\n\r\n", want: outcome{statuses: []int{404}}},
}

// differences are the bad inputs a model knowingly answers its own way,
// by model name (every variant of the model), then case name. Each must
// also be listed in the model's Entry.Differences.
var differences = map[string]map[string]outcome{
	"fasthttp": {
		"bare-lf":             {statuses: []int{0}, why: "fasthttp never answers a head whose lines end in a bare LF: it waits for more bytes"},
		"version-2.0":         {statuses: []int{200}, closes: true, why: "fasthttp serves every version but 1.1 as HTTP/1.0 (answer, then close), not 505"},
		"absolute-target":     {statuses: []int{404}, why: "fasthttp accepts an absolute-form target; app then sees a path not starting with / (404, kept alive)"},
		"length-and-encoding": {statuses: []int{200}, why: "fasthttp lets Transfer-Encoding: chunked win over Content-Length and reads the body"},
		"obs-fold":            {statuses: []int{200}, why: "fasthttp unfolds an obs-fold continuation line instead of refusing it"},
		"body-over-64KiB":     {statuses: []int{400}, closes: true, why: "fasthttp refuses a body over MaxRequestBodySize (64 KiB, as app) as a parse error: 400, not the route's 405"},
		"chunked-body":        {statuses: []int{405}, why: "fasthttp reads a chunked body and keeps the connection; app answers and closes"},
		"no-host":             {statuses: []int{400}, closes: true, why: "fasthttp refuses an HTTP/1.1 request without Host (RFC 9112); app does not check Host"},
	},
	"node": {
		"no-version": {statuses: []int{505}, closes: true, why: "llhttp takes a request line without a version as HTTP/0.9 and refuses it with 505"},
	},
}

// expectation returns the outcome a row must show for a bad input.
func expectation(model, name string, standard outcome) outcome {
	if o, ok := differences[model][name]; ok {
		return o
	}
	return standard
}

// testBadInput sends every bad input on its own connection and checks the
// answer, that the connection closes where it must, and that the server
// still answers.
func testBadInput(t *testing.T, s *subject) {
	for _, bi := range badInputs {
		t.Run(bi.name, func(t *testing.T) {
			want := expectation(s.row.model, bi.name, bi.want)
			c := dial(t, s.addr)
			if slices.Contains(want.statuses, 0) { // no answer: the server closes or waits
				c.c.SetReadDeadline(time.Now().Add(2 * time.Second))
			}
			c.send(t, bi.request)
			r, err := c.read(firstWord(bi.request))
			switch {
			case err != nil && slices.Contains(want.statuses, 0):
			case err != nil:
				t.Errorf("no answer: %v; want one of %v", err, want.statuses)
			case !slices.Contains(want.statuses, r.status):
				t.Errorf("answered %v, want one of %v", r, want.statuses)
			case want.closes:
				c.expectClosed(t)
			}
			stillServes(t, s)
		})
	}
}

func firstWord(s string) string {
	w, _, _ := strings.Cut(s, " ")
	return w
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
			t.Errorf("%s answers %d bad inputs its own way here, but its Entry.Differences is empty", model, len(cases))
		}
		for name, o := range cases {
			if o.why == "" {
				t.Errorf("%s/%s: an expected difference needs its why", model, name)
			}
		}
	}
}
