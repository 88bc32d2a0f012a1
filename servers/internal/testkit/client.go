package testkit

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"
)

// Client is one connection to a server under test, with a deadline of
// IOTimeout from its dial for every read and write.
type Client struct {
	Conn *net.TCPConn
	// R reads the answers; read through it, not Conn, once an answer has
	// been read.
	R *bufio.Reader
}

// Dial connects to addr and closes the connection when the test ends.
func Dial(t testing.TB, addr string) *Client {
	t.Helper()
	c, err := DialErr(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Conn.Close() })
	return c
}

// DialErr connects to addr without a test, for goroutines and for probes
// that may fail; the caller closes the connection.
func DialErr(addr string) (*Client, error) {
	c, err := net.DialTimeout("tcp", addr, IOTimeout)
	if err != nil {
		return nil, err
	}
	return Wrap(c.(*net.TCPConn)), nil
}

// Wrap makes a Client of a connection made otherwise, setting its deadline.
func Wrap(c *net.TCPConn) *Client {
	c.SetDeadline(time.Now().Add(IOTimeout))
	return &Client{Conn: c, R: bufio.NewReader(c)}
}

// Send writes raw, failing the test if it cannot.
func (c *Client) Send(t testing.TB, raw string) {
	t.Helper()
	if _, err := io.WriteString(c.Conn, raw); err != nil {
		t.Fatalf("writing %.40q: %v", raw, err)
	}
}

// Read reads one answer to a request with the given method.
func (c *Client) Read(method string) (*Response, error) { return ReadResponse(c.R, method) }

// MustRead reads one answer, failing the test if there is none.
func (c *Client) MustRead(t testing.TB, method string) *Response {
	t.Helper()
	r, err := c.Read(method)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	return r
}

// Get sends Get(target) and reads its answer.
func (c *Client) Get(t testing.TB, target string) *Response {
	t.Helper()
	c.Send(t, Get(target))
	return c.MustRead(t, "GET")
}

// Exchange sends raw and reads its answer, without a test, so that many
// goroutines can use it.
func (c *Client) Exchange(raw string) (*Response, error) {
	if _, err := io.WriteString(c.Conn, raw); err != nil {
		return nil, err
	}
	return c.Read(Method(raw))
}

// ExpectClosed checks that the server closes the connection: a read ends
// with end of stream or a reset, not with data or a timeout.
func (c *Client) ExpectClosed(t testing.TB) {
	t.Helper()
	c.Conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var b [1]byte
	n, err := c.R.Read(b[:])
	switch {
	case n > 0:
		t.Errorf("connection still open: unexpected byte %q", b[0])
	case Closed(err):
	default:
		t.Errorf("connection not closed by the server: %v", err)
	}
}

// Closed reports whether err from a read means the server closed the
// connection: end of stream, or a reset (a server that closes with unread
// requests makes the kernel send one).
func Closed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)
}

// Reset closes the connection with a TCP reset (SO_LINGER 0).
func (c *Client) Reset() {
	c.Conn.SetLinger(0)
	c.Conn.Close()
}

// Response is one answer as the client saw it.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// Close is whether the answer closes the connection (net/http removes
	// the Connection header it learns this from).
	Close bool
}

// ReadResponse reads one answer to a request with the given method from br.
func ReadResponse(br *bufio.Reader, method string) (*Response, error) {
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: body, Close: resp.Close}, err
}

// String is the status and the start of the body, for failure messages.
func (r *Response) String() string {
	if r == nil {
		return "no answer"
	}
	return fmt.Sprintf("%d %.40q", r.Status, r.Body)
}
