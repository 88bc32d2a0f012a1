package servers_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"loopbench/app"
	"loopbench/servers/internal/testkit"
)

// routes are requests every model must answer exactly as the shared
// application does (testkit.Want), each on a fresh connection.
var routes = []struct {
	name, request string
}{
	// The fixed routes; a query on them is ignored.
	{name: "plaintext", request: testkit.Get("/plaintext")},
	{name: "json", request: testkit.Get("/json")},
	{name: "query-on-a-fixed-route", request: testkit.Get("/plaintext?x=1")},
	// Timers; the first of repeated parameters wins, leading zeros are digits.
	{name: "sleep-0", request: testkit.Get("/sleep?ms=0")},
	{name: "sleep-20", request: testkit.Get("/sleep?ms=20")},
	{name: "sleep-repeated-ms", request: testkit.Get("/sleep?ms=3&ms=x")},
	{name: "sleep-ten-digits", request: testkit.Get("/sleep?ms=0000000001")},
	// Backend calls.
	{name: "upstream-0", request: testkit.Get("/upstream?ms=0")},
	{name: "upstream-20", request: testkit.Get("/upstream?ms=20")},
	// Files, larger than the socket buffers too, named by a parameter that
	// may be percent-encoded and may come after others.
	{name: "file-small", request: testkit.Get("/file?name=small.bin")},
	{name: "file-medium", request: testkit.Get("/file?name=medium.bin")},
	{name: "file-large", request: testkit.Get("/file?name=large.bin")},
	{name: "file-encoded-name", request: testkit.Get("/file?x=1&name=sm%61ll.bin")},
	// Waits on the backend's FIFO, a blocking write on a pool's thread.
	{name: "fifo-0", request: testkit.Get("/fifo?ms=0")},
	{name: "fifo-20", request: testkit.Get("/fifo?ms=20")},
	{name: "fifo-leading-zeros", request: testkit.Get("/fifo?ms=005")},
	// CPU work.
	{name: "cpu-1", request: testkit.Get("/cpu?iter=1")},
	{name: "cpu-1000", request: testkit.Get("/cpu?iter=1000")},
	// Parameters missing, malformed or out of range: 400, kept alive.
	{name: "sleep-ms-over", request: testkit.Get("/sleep?ms=60001")},
	{name: "sleep-ms-negative", request: testkit.Get("/sleep?ms=-1")},
	{name: "sleep-ms-missing", request: testkit.Get("/sleep")},
	{name: "sleep-ms-empty", request: testkit.Get("/sleep?ms=")},
	{name: "sleep-ms-not-a-number", request: testkit.Get("/sleep?ms=1e3")},
	{name: "upstream-ms-over", request: testkit.Get("/upstream?ms=60001")},
	{name: "upstream-ms-missing", request: testkit.Get("/upstream")},
	{name: "fifo-ms-over", request: testkit.Get("/fifo?ms=60001")},
	{name: "fifo-ms-negative", request: testkit.Get("/fifo?ms=-1")},
	{name: "fifo-ms-missing", request: testkit.Get("/fifo")},
	{name: "fifo-ms-not-a-number", request: testkit.Get("/fifo?ms=2x")},
	{name: "cpu-iter-zero", request: testkit.Get("/cpu?iter=0")},
	{name: "cpu-iter-over", request: testkit.Get("/cpu?iter=10000001")},
	{name: "file-no-name", request: testkit.Get("/file")},
	{name: "file-misspelt-parameter", request: testkit.Get("/file?nam=small.bin")},
	{name: "file-truncated-escape", request: testkit.Get("/file?name=small%2")},
	{name: "file-name-too-long", request: testkit.Get("/file?name=" + strings.Repeat("a", 256))},
	// Names that are not a file of the data directory: 404, whatever the
	// encoding, never a file outside it.
	{name: "file-missing", request: testkit.Get("/file?name=none.bin")},
	{name: "file-dotdot", request: testkit.Get("/file?name=../go.mod")},
	{name: "file-encoded-dotdot", request: testkit.Get("/file?name=%2e%2e%2fgo.mod")},
	{name: "file-traversal", request: testkit.Get("/file?name=..%2F..%2Fetc%2Fpasswd")},
	{name: "file-absolute", request: testkit.Get("/file?name=%2Fetc%2Fpasswd")},
	{name: "file-dot", request: testkit.Get("/file?name=.")},
	{name: "file-separator", request: testkit.Get("/file?name=a/b")},
	{name: "file-plus-is-not-a-space", request: testkit.Get("/file?name=a+b")},
	// Paths are matched exactly, not decoded: 404.
	{name: "unknown-path", request: testkit.Get("/nope")},
	{name: "encoded-path", request: testkit.Get("/plain%74ext")},
	{name: "trailing-slash", request: testkit.Get("/plaintext/")},
	// HEAD gets GET's headers and no body, whatever the route waits on.
	{name: "head-plaintext", request: "HEAD /plaintext HTTP/1.1\r\nHost: loopbench\r\n\r\n"},
	{name: "head-json", request: "HEAD /json HTTP/1.1\r\nHost: loopbench\r\n\r\n"},
	{name: "head-sleep", request: "HEAD /sleep?ms=5 HTTP/1.1\r\nHost: loopbench\r\n\r\n"},
	{name: "head-cpu", request: "HEAD /cpu?iter=10 HTTP/1.1\r\nHost: loopbench\r\n\r\n"},
	{name: "head-fifo", request: "HEAD /fifo?ms=5 HTTP/1.1\r\nHost: loopbench\r\n\r\n"},
	{name: "head-file", request: "HEAD /file?name=medium.bin HTTP/1.1\r\nHost: loopbench\r\n\r\n"},
	{name: "head-file-missing", request: "HEAD /file?name=none.bin HTTP/1.1\r\nHost: loopbench\r\n\r\n"},
	// Other methods are refused with 405, a body read and skipped.
	{name: "method-post", request: "POST /plaintext HTTP/1.1\r\nHost: loopbench\r\nContent-Length: 0\r\n\r\n"},
	{name: "method-post-with-body", request: "POST /plaintext HTTP/1.1\r\nHost: loopbench\r\nContent-Length: 3\r\n\r\nabc"},
	{name: "method-delete", request: "DELETE /json HTTP/1.1\r\nHost: loopbench\r\n\r\n"},
	{name: "method-delete-unknown-path", request: "DELETE /nope HTTP/1.1\r\nHost: loopbench\r\n\r\n"},
	// HTTP/1.0 closes unless it asks for keep-alive; HTTP/1.1 closes when it asks.
	{name: "http-1.0", request: "GET /plaintext HTTP/1.0\r\n\r\n"},
	{name: "http-1.0-keep-alive", request: "GET /json HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"},
	{name: "connection-close", request: "GET /json HTTP/1.1\r\nHost: loopbench\r\nConnection: close\r\n\r\n"},
}

// testRoutes sends every route on its own connection, in parallel, and
// compares the answer with the shared application's. Then the connection must be closed
// if the answer said so, or else answer a next request: a HEAD answer with
// a body, or a body left unread, would put it out of step.
func testRoutes(t *testing.T, s *subject) {
	for _, rt := range routes {
		t.Run(rt.name, func(t *testing.T) {
			skipUnservedRequests(t, s, rt.request)
			t.Parallel()
			want := testkit.Want(t, rt.request, s.dataDir)
			c := testkit.Dial(t, s.addr)
			c.Send(t, rt.request)
			checkSame(t, c.MustRead(t, testkit.Method(rt.request)), want)
			if want.Close {
				c.ExpectClosed(t)
				return
			}
			if r := c.Get(t, "/plaintext"); r.Status != 200 || !bytes.Equal(r.Body, app.PlaintextBody()) {
				t.Errorf("the next request on the connection was answered %v: out of step", r)
			}
		})
	}
}

// checkSame compares what a client can rely on: the status, the body, the
// headers app writes (Connection only where app's answer keeps an HTTP/1.0
// connection alive: node says keep-alive on every answer), a current Date,
// and whether the connection closes.
func checkSame(t *testing.T, got, want *testkit.Response) {
	t.Helper()
	if got.Status != want.Status || !bytes.Equal(got.Body, want.Body) {
		t.Errorf("answered %d %s, want %d %s", got.Status, testkit.Clip(got.Body), want.Status, testkit.Clip(want.Body))
	}
	for _, h := range []string{"Content-Type", "Content-Length", "Server"} {
		if g, w := got.Header.Get(h), want.Header.Get(h); g != w {
			t.Errorf("%s: %q, want %q", h, g, w)
		}
	}
	if w := want.Header.Get("Connection"); w != "" && !strings.EqualFold(got.Header.Get("Connection"), w) {
		t.Errorf("Connection: %q, want %q", got.Header.Get("Connection"), w)
	}
	if date, err := http.ParseTime(got.Header.Get("Date")); err != nil || time.Since(date).Abs() > time.Minute {
		t.Errorf("Date %q is not the current time in HTTP format (%v)", got.Header.Get("Date"), err)
	}
	if got.Close != want.Close {
		t.Errorf("the answer closes the connection: %v, want %v", got.Close, want.Close)
	}
}
