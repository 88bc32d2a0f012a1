package httpcheck

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"syscall"
	"time"
)

// Outcome is how a server met one request on a fresh connection: the
// class of its answer and what became of the connection. Two servers agree
// on a request when their outcomes are equal.
type Outcome struct {
	// Class is the answer's status class ("2xx", "4xx", ...) or ClassNone.
	Class string `json:"class"`
	// Conn is what became of the connection (the Conn* constants).
	Conn string `json:"conn"`
	// Status is the exact status, 0 without an answer: shown, not compared.
	Status int `json:"status,omitempty"`
}

// ClassNone is the class of a request that got no answer.
const ClassNone = "none"

// What became of a connection after the request (Outcome.Conn).
const (
	// ConnKept: answered, and a following request on the same connection
	// was answered too.
	ConnKept = "kept"
	// ConnClosed: answered, then closed.
	ConnClosed = "closed"
	// ConnSilent: closed without an answer.
	ConnSilent = "closed-without-answer"
	// ConnWaiting: no answer, and still open when the wait ran out (the
	// server wants more bytes).
	ConnWaiting = "waiting"
	// ConnStalled: answered, but a following request was not answered in
	// time (the server still reads the first request's body, say).
	ConnStalled = "stalled"
	// ConnDesync: answered, and the next answer was not the following
	// request's: the server took part of the first request as another.
	ConnDesync = "desync"
	// ConnGarbled: bytes came back that are not an HTTP/1.1 answer.
	ConnGarbled = "garbled"
)

// String is the outcome as the reports show it, e.g. "4xx/closed".
func (o Outcome) String() string { return o.Class + "/" + o.Conn }

// Same reports whether o and p agree: the same class and the same fate of
// the connection. The exact status is not compared: a 414 and a 431 are
// both a refusal.
func (o Outcome) Same(p Outcome) bool { return o.Class == p.Class && o.Conn == p.Conn }

// followUp is the request sent once the first is answered, to learn whether
// the connection is still open and in step. Its route is one no corpus
// request smuggles, so an answer to a smuggled request cannot pass for its.
const followUp = "GET /plaintext HTTP/1.1\r\nHost: loopbench\r\n\r\n"

var plaintextBody = []byte("Hello, World!")

// Exchange sends raw on a fresh connection to addr and, once it is
// answered, the follow-up request, and returns what happened. wait bounds
// each of the two answers (and the dial).
func Exchange(addr string, raw []byte, wait time.Duration) (Outcome, error) {
	c, err := net.DialTimeout("tcp", addr, wait)
	if err != nil {
		return Outcome{}, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(wait))
	_, werr := c.Write(raw) // a server may refuse and close before taking every byte: read what it said
	br := bufio.NewReader(c)
	first, err := readFinal(br, methodOf(raw))
	if err != nil {
		return noAnswer(err, werr), nil
	}
	o := Outcome{Class: class(first.StatusCode), Status: first.StatusCode}
	c.SetDeadline(time.Now().Add(wait))
	if _, err := io.WriteString(c, followUp); err != nil {
		o.Conn = ConnClosed
		return o, nil
	}
	o.Conn = afterAnswer(br)
	return o, nil
}

// afterAnswer reads what follows the first answer: the follow-up's answer
// (kept), the end of the connection (closed), nothing (stalled) or another
// answer (desync).
func afterAnswer(br *bufio.Reader) string {
	resp, err := readFinal(br, "GET")
	switch {
	case err == nil && resp.StatusCode == 200 && bytes.Equal(resp.body, plaintextBody):
		return ConnKept
	case err == nil:
		return ConnDesync
	case closedErr(err):
		return ConnClosed
	case timeoutErr(err):
		return ConnStalled
	}
	return ConnGarbled
}

// noAnswer is the outcome of a request whose answer did not come: err is
// the read's error, werr the write's.
func noAnswer(err, werr error) Outcome {
	switch {
	case closedErr(err) || (closedErr(werr) && !timeoutErr(err)):
		return Outcome{Class: ClassNone, Conn: ConnSilent}
	case timeoutErr(err):
		return Outcome{Class: ClassNone, Conn: ConnWaiting}
	}
	return Outcome{Class: ClassNone, Conn: ConnGarbled}
}

// answer is a response read whole.
type answer struct {
	*http.Response
	body []byte
}

// readFinal reads one final answer (skipping 1xx ones) to a request with
// the given method, its body included.
func readFinal(br *bufio.Reader, method string) (answer, error) {
	for {
		resp, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			return answer{}, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return answer{}, err
		}
		if resp.StatusCode >= 200 {
			return answer{resp, body}, nil
		}
	}
}

// class is the status class of a status code.
func class(status int) string {
	if status < 100 || status > 599 {
		return "garbled"
	}
	return strconv.Itoa(status/100) + "xx"
}

// methodOf is the method of a raw request, its first word: the client
// reads a HEAD answer without a body.
func methodOf(raw []byte) string {
	if i := bytes.IndexByte(raw, ' '); i > 0 {
		return string(raw[:i])
	}
	return "GET"
}

// closedErr reports whether err means the server closed the connection: the
// end of the stream, a reset, or a write to a closed socket.
func closedErr(err error) bool {
	return err != nil && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE))
}

// timeoutErr reports whether err is a deadline that passed.
func timeoutErr(err error) bool {
	return err != nil && errors.Is(err, os.ErrDeadlineExceeded)
}
