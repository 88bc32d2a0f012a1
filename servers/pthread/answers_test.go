package pthread

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"loopbench/app"
	"loopbench/servers/internal/testkit"
	"loopbench/servers/model"
)

// appRoutes are the paths the shared application routes (app/route.go).
var appRoutes = []string{"/plaintext", "/json", "/sleep", "/upstream", "/file", "/cpu"}

// expected is what the server must send for an input, and what sending it
// involves.
type expected struct {
	answers []byte        // app's answers, byte for byte but the Date
	send    int           // how much of the input to send: up to the request whose answer closes (all read by then if the server lingers), else all
	closes  bool          // the answers end with a close (else the server waits for more)
	sleeps  time.Duration // the /sleep waits among the requests
}

// expect computes, with the shared application itself, the server's
// answers to the requests in raw, pipelined, read all at once: app's
// bytes for every request up to one whose answer closes the connection or
// one left incomplete, a GET or HEAD of a route the server does not serve
// answered as an unknown path (404).
func expect(raw []byte) expected { return expectReading(raw, len(raw)+1, len(raw)+1) }

// The server's input buffer: its first size, doubled as a request
// outgrows it up to its largest (server.c's INITIAL_BUFFER and
// MAX_REQUEST).
const (
	firstRead = 4 << 10
	maxBuffer = app.MaxHeaderBytes + app.MaxBodyBytes + firstRead
)

// expectReading is expect for a server that reads raw into a buffer of
// size first, grown as server.c grows it: app's answer to bytes that
// cannot become a request depends on how many have arrived (a NUL before
// the end of an oversized head is 400 when seen early, 431 when the whole
// head is there), so the answers depend on the reads too.
func expectReading(raw []byte, first, limit int) expected {
	var e expected
	read, capacity := 0, first
	for {
		if read-e.send == capacity {
			if capacity >= limit {
				return e
			}
			capacity = min(2*capacity, limit)
		}
		n := min(capacity-(read-e.send), len(raw)-read)
		if n == 0 {
			// The client sends no more: the server has read it all, waits
			// for the rest of an unfinished request, and closes when the
			// client does.
			e.send = read
			return e
		}
		read += n
		if done := e.answer(raw[:read]); done {
			return e
		}
	}
}

// answer adds the answers to the complete requests in buf[e.send:] and
// reports whether the connection closes after them.
func (e *expected) answer(buf []byte) (closes bool) {
	for {
		var r app.Request
		n, err := app.Parse(buf[e.send:], &r)
		if err != nil {
			// The server reads and drops the rest (a lingering close).
			e.answers, e.send, e.closes = app.AppendError(e.answers, err), len(buf), true
			return true
		}
		if n == 0 {
			return false
		}
		e.send += n
		if p := string(r.Path); r.Method != app.MethodOther && slices.Contains(appRoutes, p) && !slices.Contains(Routes, p) {
			r.Path = []byte("/not-served")
		}
		out, a := app.Handle(e.answers, &r)
		if a.Op == app.OpSleep {
			e.sleeps += time.Duration(a.Millis) * time.Millisecond
			out = app.Finish(out, &a, nil, nil)
		}
		e.answers = out
		if !a.KeepAlive {
			if r.BodyUnread {
				// The server lingers, reading and dropping the body
				// and what follows it, as after a refusal.
				e.send = len(buf)
			}
			e.closes = true
			return true
		}
	}
}

var dateLine = regexp.MustCompile(`\r\nDate: [^\r]*\r\n`)

// sameAnswers compares answers byte for byte, each Date header aside,
// which must be the current time in HTTP's format, its weekday right.
func sameAnswers(got, want []byte) error {
	for _, d := range dateLine.FindAll(got, -1) {
		text := string(bytes.TrimSpace(d[len("\r\nDate: "):]))
		date, err := time.Parse(time.RFC1123, text)
		if err != nil || time.Since(date).Abs() > time.Minute || date.Format(time.RFC1123) != text {
			return fmt.Errorf("Date %q is not the current time in HTTP's format (%v)", text, err)
		}
	}
	g := dateLine.ReplaceAll(got, []byte("\r\nDate: X\r\n"))
	w := dateLine.ReplaceAll(want, []byte("\r\nDate: X\r\n"))
	if bytes.Equal(g, w) {
		return nil
	}
	i := 0
	for i < len(g) && i < len(w) && g[i] == w[i] {
		i++
	}
	from := max(i-40, 0)
	return fmt.Errorf("answered %d bytes, want %d; they differ at byte %d: %q, want %q",
		len(g), len(w), i, g[from:min(i+40, len(g))], w[from:min(i+40, len(w))])
}

// exchangeAll sends in on a fresh connection, ends the client's side of
// it, and reads everything the server sends until it closes.
func exchangeAll(addr string, in []byte) ([]byte, error) {
	c, err := net.DialTimeout("tcp", addr, testkit.IOTimeout)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(testkit.IOTimeout))
	wrote := make(chan error, 1)
	go func() {
		_, err := c.Write(in)
		c.(*net.TCPConn).CloseWrite()
		wrote <- err
	}()
	got, err := io.ReadAll(c)
	if errors.Is(err, syscall.ECONNRESET) {
		err = fmt.Errorf("reset after %d bytes: %w", len(got), err)
	}
	if werr := <-wrote; err == nil && werr != nil && !errors.Is(werr, syscall.EPIPE) && !errors.Is(werr, syscall.ECONNRESET) {
		err = werr
	}
	return got, err
}

// checkInput sends raw, up to the request whose answer closes the
// connection, and wants the shared application's answers as they are when
// the bytes arrive all at once or as the server reads them.
func checkInput(addr string, raw []byte) error {
	raw = raw[:expect(raw).send]
	got, err := exchangeAll(addr, raw)
	if err != nil {
		return fmt.Errorf("%.80q: %v", raw, err)
	}
	err = sameAnswers(got, expectReading(raw, firstRead, maxBuffer).answers)
	if err != nil && sameAnswers(got, expect(raw).answers) != nil {
		return fmt.Errorf("%.80q: %v", raw, err)
	}
	return nil
}

// host is the Host line HTTP/1.1 requires (RFC 9112 §3.2).
const host = "Host: loopbench\r\n"

// post is a POST of /plaintext (405) with the header lines h and body b.
func post(h, b string) string { return "POST /plaintext HTTP/1.1\r\n" + host + h + "\r\n" + b }

// chunked is post with a chunked body b.
func chunked(b string) string { return post("Transfer-Encoding: chunked\r\n", b) }

// headOf is a GET of /plaintext whose head is size bytes long.
func headOf(size int) string {
	const lines = "GET /plaintext HTTP/1.1\r\n" + host + "X: \r\n\r\n"
	return "GET /plaintext HTTP/1.1\r\n" + host + "X: " + strings.Repeat("a", size-len(lines)) + "\r\n\r\n"
}

// inputs are requests with the answers the shared application gives, and
// the bad inputs of the conformance suite.
var inputs = []struct{ name, raw string }{
	{"plaintext", testkit.Get("/plaintext")},
	{"query-on-plaintext", testkit.Get("/plaintext?x=1")},
	{"head-plaintext", "HEAD /plaintext HTTP/1.1\r\n" + host + "\r\n"},
	{"sleep-0", testkit.Get("/sleep?ms=0")},
	{"sleep-5", testkit.Get("/sleep?ms=5")},
	{"head-sleep", "HEAD /sleep?ms=5 HTTP/1.1\r\n" + host + "\r\n"},
	{"sleep-repeated-ms", testkit.Get("/sleep?ms=3&ms=x")},
	{"sleep-after-another-parameter", testkit.Get("/sleep?x=1&ms=2")},
	{"sleep-ten-digits", testkit.Get("/sleep?ms=0000000001")},
	{"sleep-over", testkit.Get("/sleep?ms=60001")},
	{"sleep-negative", testkit.Get("/sleep?ms=-1")},
	{"sleep-missing", testkit.Get("/sleep")},
	{"sleep-no-value", testkit.Get("/sleep?ms")},
	{"sleep-empty", testkit.Get("/sleep?ms=")},
	{"sleep-not-a-number", testkit.Get("/sleep?ms=1e3")},
	// Routes of the shared application the server does not serve: 404.
	{"json", testkit.Get("/json")},
	{"upstream", testkit.Get("/upstream?ms=1")},
	{"file", testkit.Get("/file?name=small.bin")},
	{"cpu", "HEAD /cpu?iter=1 HTTP/1.1\r\n" + host + "\r\n"},
	{"unknown-path", testkit.Get("/nope")},
	{"encoded-path", testkit.Get("/plain%74ext")},
	{"trailing-slash", testkit.Get("/plaintext/")},
	{"method-post", post("Content-Length: 0\r\n", "")},
	{"method-post-with-body", post("Content-Length: 3\r\n", "abc")},
	{"method-delete-json", "DELETE /json HTTP/1.1\r\n" + host + "\r\n"},
	{"lowercase-get", "get /plaintext HTTP/1.1\r\n" + host + "\r\n"},
	{"get-with-body", "GET /plaintext HTTP/1.1\r\n" + host + "Content-Length: 5\r\n\r\nhello"},
	{"http-1.0", "GET /plaintext HTTP/1.0\r\n\r\n"},
	{"http-1.0-keep-alive", "GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"},
	{"http-1.0-keep-alive-and-close", "GET /plaintext HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n"},
	{"connection-close", "GET /plaintext HTTP/1.1\r\n" + host + "Connection: Close\r\n\r\n"},
	{"connection-close-among-options", "GET /sleep?ms=1 HTTP/1.1\r\nConnection: upgrade ,\tclose\r\n" + host + "\r\n"},
	// Host: one, valid, required in HTTP/1.1 (RFC 9112 §3.2).
	{"no-host", "GET /plaintext HTTP/1.1\r\n\r\n"},
	{"two-hosts", "GET /plaintext HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"},
	{"invalid-host", "GET /plaintext HTTP/1.1\r\nHost: loop/bench\r\n\r\n"},
	{"empty-host", "GET /plaintext HTTP/1.1\r\nHost:\r\n\r\n"},
	{"host-ip-literal-and-port", "GET /plaintext HTTP/1.1\r\nhOST: [::1]:8080\r\n\r\n"},
	{"http-1.0-two-hosts", "GET /plaintext HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"},
	// Target forms (RFC 9112 §3.2).
	{"absolute-target", "GET http://loopbench/plaintext HTTP/1.1\r\n" + host + "\r\n"},
	{"absolute-target-https-upper-case", "GET HTTPS://loopbench:8080/sleep?ms=1 HTTP/1.1\r\n" + host + "\r\n"},
	{"absolute-target-without-path", "GET http://loopbench HTTP/1.1\r\n" + host + "\r\n"},
	{"absolute-target-query-without-path", "GET http://loopbench?ms=1 HTTP/1.1\r\n" + host + "\r\n"},
	{"absolute-target-fragment", "GET http://loopbench#x HTTP/1.1\r\n" + host + "\r\n"},
	{"absolute-target-userinfo", "GET http://u@loopbench/plaintext HTTP/1.1\r\n" + host + "\r\n"},
	{"absolute-target-no-authority", "GET http:///plaintext HTTP/1.1\r\n" + host + "\r\n"},
	{"absolute-target-other-scheme", "GET ftp://loopbench/plaintext HTTP/1.1\r\n" + host + "\r\n"},
	{"asterisk-options", "OPTIONS * HTTP/1.1\r\n" + host + "\r\n"},
	{"asterisk-get", "GET * HTTP/1.1\r\n" + host + "\r\n"},
	{"authority-connect", "CONNECT loopbench:443 HTTP/1.1\r\n" + host + "\r\n"},
	{"authority-get", "GET loopbench:443 HTTP/1.1\r\n" + host + "\r\n"},
	// Empty lines before a request line are skipped (RFC 9112 §2.2).
	{"empty-lines-before", "\r\n\r\n" + testkit.Get("/plaintext")},
	{"empty-line-after-body", post("Content-Length: 3\r\n", "abc") + "\r\n" + testkit.Get("/plaintext")},
	{"only-empty-lines", "\r\n\r\n\r\n"},
	// Bad input: the status, then close.
	{"garbage", "GARBAGE\r\n\r\n"},
	{"empty-line", "\r\n\r\n"},
	{"no-version", "GET /plaintext\r\n\r\n"},
	{"bare-lf", "GET /plaintext HTTP/1.1\nHost: loopbench\n\n"},
	{"bare-lf-in-headers", "GET /plaintext HTTP/1.1\r\n" + host + "A: b\n\r\n"},
	{"header-without-colon", "GET /plaintext HTTP/1.1\r\n" + host + "NoColon\r\n\r\n"},
	{"header-empty-name", "GET /plaintext HTTP/1.1\r\n" + host + ": x\r\n\r\n"},
	{"header-space-before-colon", "GET /plaintext HTTP/1.1\r\nHost : x\r\n\r\n"},
	{"header-control-byte", "GET /plaintext HTTP/1.1\r\n" + host + "X: a\x01b\r\n\r\n"},
	{"header-block-over-8KiB", "GET /plaintext HTTP/1.1\r\n" + host + "X-Big: " + strings.Repeat("a", 9000) + "\r\n\r\n"},
	{"header-block-of-8KiB", headOf(app.MaxHeaderBytes)},
	{"header-block-8KiB-and-1", headOf(app.MaxHeaderBytes + 1)},
	// The empty lines count towards the limit: seen whole, once the
	// buffer has grown for a body, the head is too large with them.
	{"empty-lines-then-8KiB-head", "\r\n" + headOf(app.MaxHeaderBytes)},
	{"empty-lines-then-8KiB-head-after-a-body", post("Content-Length: 65536\r\n", strings.Repeat("b", 65536)) + "\r\n" + headOf(app.MaxHeaderBytes)},
	{"target-over-8KiB", "GET /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\n" + host + "\r\n"},
	{"empty-lines-then-target-over-8KiB", "\r\nGET /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\n" + host + "\r\n"},
	{"version-2.0", "GET /plaintext HTTP/2.0\r\n" + host + "\r\n"},
	{"version-1.2", "GET /plaintext HTTP/1.2\r\n" + host + "\r\n"},
	{"version-1.9-with-close", "GET /plaintext HTTP/1.9\r\n" + host + "Connection: close\r\n\r\n"},
	{"version-1.2-without-host", "GET /plaintext HTTP/1.2\r\n\r\n"},
	{"version-garbage", "GET /plaintext HTTP/x.y\r\n" + host + "\r\n"},
	{"length-and-encoding", "GET /plaintext HTTP/1.1\r\n" + host + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
	{"same-lengths", "GET /plaintext HTTP/1.1\r\n" + host + "Content-Length: 2\r\nContent-Length: 2\r\n\r\nxx"},
	{"differing-lengths", "GET /plaintext HTTP/1.1\r\n" + host + "Content-Length: 1\r\nContent-Length: 2\r\n\r\nxx"},
	{"invalid-length", "GET /plaintext HTTP/1.1\r\n" + host + "Content-Length: abc\r\n\r\n"},
	{"length-of-13-digits", "GET /plaintext HTTP/1.1\r\n" + host + "Content-Length: 1000000000000\r\n\r\n"},
	{"obs-fold", "GET /plaintext HTTP/1.1\r\n" + host + "X-A: a\r\n b\r\n\r\n"},
	{"nul-in-header", "GET /plaintext HTTP/1.1\r\n" + host + "X-A: a\x00b\r\n\r\n"},
	{"nul-in-target", "GET /plain\x00text HTTP/1.1\r\n" + host + "\r\n"},
	{"high-bytes-in-target", "GET /plain\xfftext HTTP/1.1\r\n" + host + "\r\n"},
	{"body-over-64KiB", post("Content-Length: 70000\r\n", strings.Repeat("b", 70000))},
	{"body-of-64KiB", post("Content-Length: 65536\r\n", strings.Repeat("b", 65536)) + testkit.Get("/plaintext")},
	// Transfer-Encoding: chunked last, once, and no other coding (RFC 9112
	// §6.1, §6.3, §7); HTTP/1.0 has none.
	{"encoding-not-chunked", post("Transfer-Encoding: gzip\r\n", "xx")},
	{"encoding-chunked-twice", post("Transfer-Encoding: chunked, chunked\r\n", "0\r\n\r\n")},
	{"encoding-chunked-then-gzip", post("Transfer-Encoding: chunked, gzip\r\n", "0\r\n\r\n")},
	{"encoding-gzip-then-chunked", post("Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n")},
	{"encoding-over-two-lines", post("Transfer-Encoding: gzip\r\nTransfer-Encoding: CHUNKED\r\n", "0\r\n\r\n")},
	{"encoding-chunked-with-parameter", post("Transfer-Encoding: chunked;q=1\r\n", "0\r\n\r\n")},
	{"encoding-empty-elements", post("Transfer-Encoding: , chunked ,\r\n", "0\r\n\r\n") + testkit.Get("/plaintext")},
	{"encoding-empty", post("Transfer-Encoding:\r\n", "0\r\n\r\n")},
	{"encoding-in-http-1.0", "GET /plaintext HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
	{"encoding-in-http-1.0-bad-chunk", "GET /plaintext HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"},
	// Chunked bodies (RFC 9112 §7.1), read up to 8 KiB.
	{"chunked-body", chunked("3\r\nabc\r\n0\r\n\r\n")},
	{"chunked-body-then-pipelined", "GET /plaintext HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nA\r\n0123456789\r\n0\r\n\r\n" + testkit.Get("/sleep?ms=1")},
	{"chunked-extension-and-trailer", chunked("3 ;x=\"y\"\r\nabc\r\n0;z\r\nT: v\r\n\r\n") + testkit.Get("/plaintext")},
	{"chunked-size-not-hex", chunked("x\r\nabc\r\n0\r\n\r\n")},
	{"chunked-size-then-garbage", chunked("3x\r\nabc\r\n0\r\n\r\n")},
	{"chunked-size-of-9-digits", chunked("000000003\r\nabc\r\n0\r\n\r\n")},
	{"chunked-nul-in-extension", chunked("3;\x00\r\nabc\r\n0\r\n\r\n")},
	{"chunked-data-without-crlf", chunked("3\r\nabcd\r\n0\r\n\r\n")},
	{"chunked-data-then-lf", chunked("3\r\nabcd\n0\r\n\r\n")},
	{"chunked-data-without-its-lf-yet", chunked("3\r\nabc\r")},
	{"chunked-bare-lf", chunked("3\nabc\r\n0\r\n\r\n")},
	{"chunked-bad-trailer", chunked("0\r\nno colon\r\n\r\n")},
	{"chunked-body-over-8KiB", chunked("2400\r\n" + strings.Repeat("c", 9216) + "\r\n0\r\n\r\n")},
	{"chunked-trailers-over-8KiB", chunked("0\r\n" + strings.Repeat("T: "+strings.Repeat("t", 60)+"\r\n", 140) + "\r\n")},
	{"chunked-line-over-8KiB", chunked("1;" + strings.Repeat("e", 9000) + "\r\nx\r\n0\r\n\r\n")},
	{"chunked-line-over-8KiB-unfinished", chunked("1;" + strings.Repeat("e", 9000))},
	{"chunked-incomplete", chunked("3\r\nab")},
	// Expect: 100-continue is answered without waiting for the body
	// (RFC 9110 §10.1.1); a body that came with the head is read.
	{"expect-continue-without-body", post("Content-Length: 5\r\nExpect: 100-Continue\r\n", "")},
	{"expect-continue-with-body", post("Expect: 100-continue\r\nContent-Length: 5\r\n", "hello") + testkit.Get("/plaintext")},
	{"expect-continue-chunked", post("Expect: 100-continue\r\nTransfer-Encoding: chunked\r\n", "3\r\nab")},
	{"expect-other", post("Content-Length: 5\r\nExpect: 200-ok\r\n", "")},
	{"expect-continue-then-other", post("Content-Length: 5\r\nExpect: 100-continue\r\nExpect: 200-ok\r\n", "")},
	// Incomplete: no answer, and the server closes when the client does.
	{"incomplete-head", "GET /plaintext HTTP/1.1\r\nHost: loop"},
	{"incomplete-body", post("Content-Length: 10\r\n", "abc")},
	// Pipelined, a refusal among them: the answers before it, then its own.
	{"pipelined-then-refused", testkit.Get("/plaintext") + testkit.Get("/sleep?ms=1") + "GARBAGE\r\n\r\n" + testkit.Get("/plaintext")},
	{"pipelined-then-close", testkit.Get("/plaintext") + "GET /plaintext HTTP/1.0\r\n\r\n"},
}

// TestAnswers sends each input on its own connection and wants the shared
// application's answers byte for byte, the Date aside.
func TestAnswers(t *testing.T) {
	srv := start(t, model.Config{})
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			t.Parallel()
			if err := checkInput(srv.Addr, []byte(in.raw)); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestPipelined16 sends 16 requests in one write, sleeps with the longest
// first among them, and wants the answers in order, in one stream.
func TestPipelined16(t *testing.T) {
	srv := start(t, model.Config{})
	var raw strings.Builder
	for i := range 16 {
		if i%2 == 0 {
			raw.WriteString(testkit.Get("/plaintext"))
		} else {
			raw.WriteString(testkit.Get(fmt.Sprintf("/sleep?ms=%d", 32-2*i)))
		}
	}
	if err := checkInput(srv.Addr, []byte(raw.String())); err != nil {
		t.Error(err)
	}
}

// TestKeepAlive makes requests one after another on one connection.
func TestKeepAlive(t *testing.T) {
	srv := start(t, model.Config{})
	c := testkit.Dial(t, srv.Addr)
	for i := range 20 {
		target := "/plaintext"
		if i%4 == 3 {
			target = "/sleep?ms=1"
		}
		want := testkit.Want(t, testkit.Get(target), "")
		if r := c.Get(t, target); r.Status != 200 || !bytes.Equal(r.Body, want.Body) || r.Close {
			t.Fatalf("request %d, GET %s: %v, close %v", i, target, r, r.Close)
		}
	}
}
