package servers_test

import (
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"loopbench/app"
	"loopbench/servers/internal/testkit"
)

// closings are requests whose answer closes the connection. Each is
// pipelined behind the requests ahead of it and followed by one more
// request, which must go unanswered.
var closings = []struct {
	name    string
	ahead   []string // requests pipelined ahead, answered in full first
	request string   // the request whose answer closes the connection
}{
	// An immediate answer.
	{name: "immediate", request: closeGet("/plaintext")},
	// A deferred answer: the close waits for the timer.
	{name: "deferred", request: closeGet("/sleep?ms=20")},
	// HTTP/1.0 without keep-alive.
	{name: "http-1.0", request: "GET /json HTTP/1.0\r\n\r\n"},
	// An answer larger than the socket buffers.
	{name: "large-file", request: closeGet("/file?name=large.bin")},
	// Behind 8 MiB of answers that the client is slow to read: the close
	// waits until every byte has left (gnet's own close would drop them).
	{name: "behind-8MiB-of-answers", ahead: slices.Repeat([]string{testkit.Get("/file?name=large.bin")}, 8), request: closeGet("/json")},
	// A request the parser refuses: 400, then close.
	{name: "refused", request: "GARBAGE\r\n\r\n"},
	// A header block over app.MaxHeaderBytes: 431, then close.
	{name: "header-block-too-large", request: "GET / HTTP/1.1\r\nX: " + strings.Repeat("a", app.MaxHeaderBytes) + "\r\n\r\n"},
	// A refusal behind a deferred answer and an immediate one comes after
	// both, once.
	{name: "refused-behind-deferred", ahead: []string{testkit.Get("/sleep?ms=50"), testkit.Get("/json")}, request: "GARBAGE\r\n\r\n"},
}

// closeGet is a GET of target that asks to close the connection.
func closeGet(target string) string {
	return "GET " + target + " HTTP/1.1\r\nHost: loopbench\r\nConnection: close\r\n\r\n"
}

// testCloseAfterAnswer checks, for each closing in parallel, that the
// connection closes after an answer that says so, only after the whole answer has left, and answers nothing
// more.
func testCloseAfterAnswer(t *testing.T, s *subject) {
	for _, cl := range closings {
		t.Run(cl.name, func(t *testing.T) {
			skipKnownBug(t, s)
			skipUnservedRequests(t, s, append(slices.Clone(cl.ahead), cl.request)...)
			t.Parallel()
			c := testkit.Dial(t, s.addr)
			c.Send(t, strings.Join(cl.ahead, "")+cl.request+testkit.Get("/plaintext"))
			if len(cl.ahead) > 0 {
				time.Sleep(50 * time.Millisecond) // a slow reader: the server fills the socket buffers
			}
			expectAnswers(t, c, cl.ahead, s.dataDir)
			got, want := c.MustRead(t, testkit.Method(cl.request)), testkit.Want(t, cl.request, s.dataDir)
			if want.Status < 400 {
				checkSame(t, got, want)
			} else if got.Status != want.Status || !got.Close {
				// A refusal's body is the parser's own (fasthttp's differs).
				t.Errorf("answered %v, close %v; want %d and close", got, got.Close, want.Status)
			}
			// A server that closes with the last request unread makes the
			// kernel reset the connection: a reset is a close here too.
			n, err := io.Copy(io.Discard, c.R)
			if n > 0 || err != nil && !testkit.Closed(err) {
				t.Errorf("after the closing answer: %d more bytes, %v; want the connection closed", n, err)
			}
		})
	}
}
