package node

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"loopbench/servers/internal/testkit"
	"loopbench/servers/model"
)

// head returns a GET /plaintext whose head (request line, one padding
// header, blank line) is exactly size bytes.
func head(size int) string {
	const pre, post = "GET /plaintext HTTP/1.1\r\nHost: x\r\nX: ", "\r\n\r\n"
	return pre + strings.Repeat("a", size-len(pre)-len(post)) + post
}

// longTarget returns a GET of a path long enough to make the request line size bytes.
func longTarget(size int) string {
	return "GET /" + strings.Repeat("a", size-len("GET / HTTP/1.1\r\n")) + " HTTP/1.1\r\nHost: x\r\n\r\n"
}

// badInputCases pair the shared application's status for each request with
// node's. Where they differ, the row says why; servers/node.Differences
// lists the same. Node answers 0 only if it closed without a word.
var badInputCases = []struct {
	name   string
	req    string
	shared int // the status app/ answers
	node   int // the status node answers
	// nodeOpen: node's answer leaves the connection open (checked for 200s;
	// every refused request must close it).
	nodeOpen bool
}{
	{name: "malformed request line", req: "GET\r\n\r\n", shared: 400, node: 400},
	// llhttp knows only registered methods, all upper case.
	{name: "lowercase method", req: "get /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", shared: 405, node: 400},
	{name: "unknown method", req: "FOO /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", shared: 405, node: 400},
	{name: "version letters", req: "GET /plaintext HTTP/1.x\r\n\r\n", shared: 400, node: 400},
	{name: "version two digits", req: "GET /plaintext HTTP/11.1\r\n\r\n", shared: 400, node: 400},
	{name: "not HTTP", req: "GET /plaintext HTTX/1.1\r\n\r\n", shared: 400, node: 400},
	{name: "HTTP/0.9", req: "GET /plaintext HTTP/0.9\r\n\r\n", shared: 505, node: 505},
	{name: "HTTP/3.1", req: "GET /plaintext HTTP/3.1\r\n\r\n", shared: 505, node: 505},
	// llhttp reads a request line without a version as HTTP/0.9.
	{name: "no version", req: "GET /plaintext\r\n\r\n", shared: 400, node: 505},
	{name: "bare LF after request line", req: "GET /plaintext HTTP/1.1\nHost: x\n\n", shared: 400, node: 400},
	{name: "bare LF after header", req: "GET /plaintext HTTP/1.1\r\nHost: x\nX: y\r\n\r\n", shared: 400, node: 400},
	{name: "obs-fold", req: "GET /plaintext HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n", shared: 400, node: 400},
	{name: "NUL in header", req: "GET /plaintext HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n", shared: 400, node: 400},
	{name: "NUL in target", req: "GET /plain\x00text HTTP/1.1\r\nHost: x\r\n\r\n", shared: 400, node: 400},
	{name: "control byte in header", req: "GET /plaintext HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n", shared: 400, node: 400},
	{name: "space before colon", req: "GET /plaintext HTTP/1.1\r\nHost : x\r\n\r\n", shared: 400, node: 400},
	{name: "header without colon", req: "GET /plaintext HTTP/1.1\r\nHost\r\n\r\n", shared: 400, node: 400},
	{name: "empty header name", req: "GET /plaintext HTTP/1.1\r\nHost: x\r\n: x\r\n\r\n", shared: 400, node: 400},
	{name: "space in target", req: "GET /plain text HTTP/1.1\r\nHost: x\r\n\r\n", shared: 400, node: 400},
	{name: "tab in target", req: "GET /plain\ttext HTTP/1.1\r\nHost: x\r\n\r\n", shared: 400, node: 400},
	{name: "DEL in target", req: "GET /plain\x7ftext HTTP/1.1\r\nHost: x\r\n\r\n", shared: 400, node: 400},
	// llhttp refuses bytes over 0x7F in the target; the shared parser routes them (404).
	{name: "high byte in target", req: "GET /plain\xfftext HTTP/1.1\r\nHost: x\r\n\r\n", shared: 404, node: 400},
	// llhttp tolerates extra spaces; the shared parser does not.
	{name: "two spaces after method", req: "GET  /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", shared: 400, node: 200, nodeOpen: true},
	// Both skip an empty line before the request line (RFC 9112 §2.2).
	{name: "empty line before request", req: "\r\nGET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", shared: 200, node: 200, nodeOpen: true},
	{name: "Content-Length with Transfer-Encoding", req: "GET /plaintext HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", shared: 400, node: 400},
	{name: "differing Content-Length", req: "GET /plaintext HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", shared: 400, node: 400},
	// llhttp refuses any duplicate.
	{name: "identical Content-Length", req: "GET /plaintext HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na", shared: 200, node: 400},
	{name: "Content-Length not a number", req: "GET /plaintext HTTP/1.1\r\nHost: x\r\nContent-Length: x\r\n\r\n", shared: 400, node: 400},
	{name: "negative Content-Length", req: "GET /plaintext HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", shared: 400, node: 400},
	// The shared parser caps the digits at 12; Node takes it, answers and closes.
	{name: "Content-Length of 14 digits", req: "GET /plaintext HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999\r\n\r\n", shared: 400, node: 200},
	// Both require chunked to be the last coding of a request (RFC 9112 §6.3).
	{name: "chunked not last", req: "GET /plaintext HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", shared: 400, node: 400},
	{name: "header block over 8 KiB", req: head(9000), shared: 431, node: 431},
	// Node's limit counts the target, header names and values only.
	{name: "head of 8200 bytes", req: head(8200), shared: 431, node: 200, nodeOpen: true},
	// Node does not tell a long target from a long header block.
	{name: "target over 8 KiB", req: longTarget(9000), shared: 414, node: 431},
	// In the shared parser close wins; Node's HTTP/1.0 keep-alive check does not look further.
	{name: "HTTP/1.0 keep-alive, close", req: "GET /plaintext HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", shared: 200, node: 200, nodeOpen: true},
}

func TestBadInput(t *testing.T) {
	srv := start(t, model.Config{})
	for _, tc := range badInputCases {
		t.Run(tc.name, func(t *testing.T) {
			if w := testkit.Want(t, tc.req, ""); w.Status != tc.shared {
				t.Errorf("the shared application answers %d, the table says %d", w.Status, tc.shared)
			}
			status, open := outcome(t, srv.Addr, tc.req)
			if status != tc.node {
				t.Errorf("node answered %d, want %d", status, tc.node)
			}
			if status >= 400 && open {
				t.Errorf("node left the connection open after refusing the request")
			}
			if status == 200 && open != tc.nodeOpen {
				t.Errorf("node left the connection open: %v, want %v", open, tc.nodeOpen)
			}
			if r, err := get(srv.Addr, "/plaintext"); err != nil || r.Status != 200 {
				t.Fatalf("node stopped serving: %v %v", r, err)
			}
		})
	}
}

// outcome sends req and reports node's status (0 if it closed without an
// answer) and whether the connection stayed open after the answer.
func outcome(t *testing.T, addr, req string) (status int, open bool) {
	t.Helper()
	c := testkit.Dial(t, addr)
	c.Send(t, req)
	r, err := c.Read(testkit.Method(req))
	if err != nil {
		return 0, false
	}
	c.Conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	_, err = c.R.ReadByte()
	return r.Status, errors.Is(err, os.ErrDeadlineExceeded)
}
