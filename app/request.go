// Package app is the shared application every server model serves: an
// incremental HTTP/1.1 request parser, the routes, and the response writer.
//
// It is pure: no sockets, no goroutines. The application decides what a request
// needs; the model decides how to wait for it. For every request, Handle either
// appends a finished response or returns one deferred operation (a timer, an
// upstream call, a file read, a CPU job) that the model completes its own way
// and then renders with Finish.
package app

import (
	"bytes"
)

// Limits on what a client may send.
const (
	// MaxHeaderBytes bounds the request line and header block together (431 beyond).
	MaxHeaderBytes = 8 << 10
	// MaxBodyBytes is the largest request body the parser waits for and skips;
	// a request announcing more is answered and the connection closed.
	MaxBodyBytes = 64 << 10
)

// Method is the request method, as far as the application cares.
type Method uint8

// Methods the routes tell apart; every other method is MethodOther (405).
const (
	MethodOther Method = iota
	MethodGet
	MethodHead
)

// Request is one parsed request. Its byte slices alias the buffer given to
// Parse and are valid only until that buffer is reused.
type Request struct {
	Method Method
	// Path is the target before '?', Query what follows it (without '?').
	Path, Query []byte
	// Minor is the HTTP minor version: 0 or 1.
	Minor int
	// KeepAlive says whether the connection may carry another request after this one.
	KeepAlive bool
	// ContentLength is the announced body length (-1: none).
	ContentLength int
	// BodyUnread is set when the body was not consumed (over MaxBodyBytes,
	// a chunked one over 8 KiB, one sent after 100-continue is expected,
	// or framing HTTP/1.0 does not have): the response must close the
	// connection so the stream cannot desynchronise.
	BodyUnread bool
}

// Error is a request the server must refuse at the protocol level. The answer
// carries Status and closes the connection.
type Error struct {
	Status int
	Reason string
}

func (e *Error) Error() string { return e.Reason }

// The protocol errors Parse returns. They are values so that the hot path
// allocates nothing, and so callers can compare them. The sections are
// RFC 9112's unless said otherwise.
var (
	ErrMalformedRequestLine = &Error{400, "malformed request line"}                                   // §3
	ErrMalformedHeader      = &Error{400, "malformed header line"}                                    // §5
	ErrBareLF               = &Error{400, "line not terminated by CRLF"}                              // §2.2 (recognising a bare LF is a MAY)
	ErrObsFold              = &Error{400, "obsolete header line folding"}                             // §5.2
	ErrNUL                  = &Error{400, "NUL byte in request"}                                      // RFC 9110 §5.5
	ErrBadContentLength     = &Error{400, "invalid Content-Length"}                                   // §6.3
	ErrDuplicateLength      = &Error{400, "differing duplicate Content-Length"}                       // §6.3
	ErrLengthAndEncoding    = &Error{400, "Content-Length with Transfer-Encoding"}                    // §6.1
	ErrBadEncoding          = &Error{400, "Transfer-Encoding without chunked last, or chunked twice"} // §6.3, §7
	ErrEncodingUnknown      = &Error{501, "transfer coding not implemented"}                          // §6.1
	ErrBadChunk             = &Error{400, "malformed chunked body"}                                   // §7.1
	ErrBadTarget            = &Error{400, "request target in no form the method allows"}              // §3.2
	ErrNoHost               = &Error{400, "HTTP/1.1 request without Host"}                            // §3.2
	ErrBadHost              = &Error{400, "more than one Host, or an invalid one"}                    // §3.2
	ErrVersion              = &Error{505, "HTTP version not supported"}                               // RFC 9110 §15.6.6
	ErrTargetTooLong        = &Error{414, "request target too long"}                                  // §3
	ErrHeaderTooLarge       = &Error{431, "request header block too large"}                           // RFC 9110 §5.4
	// ErrHeadTimeout is not Parse's: it is the answer of a model whose
	// --head-timeout ran out before a request head arrived.
	ErrHeadTimeout = &Error{408, "request head timeout"}
)

var crlfcrlf = []byte("\r\n\r\n")

// Parse parses one request from the start of buf, which holds whatever bytes
// have arrived so far. It returns the number of bytes the request occupies
// (empty lines before it, head and body) once it is complete, 0 and a nil
// error when more bytes are needed, or a *Error when the request must be
// refused. It keeps no state between calls: the caller keeps unconsumed
// bytes and calls again with more.
//
// A request whose every byte has arrived is accepted however the bytes were
// split, with one exception RFC 9110 §10.1.1 makes: a request that expects
// 100-continue is answered as soon as its head has arrived, without waiting
// for its body (and its connection closed after the answer).
func Parse(buf []byte, r *Request) (int, error) {
	skip := emptyLines(buf)
	end := bytes.Index(buf[skip:], crlfcrlf)
	if end < 0 {
		return 0, incomplete(buf, skip)
	}
	end += skip
	head := buf[skip : end+2] // every line, each ending in CRLF
	if end+4 > MaxHeaderBytes {
		return 0, tooLarge(buf[skip:])
	}
	*r = Request{ContentLength: -1}
	line, rest := cutLine(head)
	if err := parseRequestLine(line, r); err != nil {
		return 0, err
	}
	var h headerState
	if err := parseHeaders(rest, r, &h); err != nil {
		return 0, err
	}
	return body(buf, end+4, r, &h)
}

// emptyLines counts the bytes of the empty lines (CRLF) at the start of
// buf, which a server SHOULD ignore before a request line (RFC 9112 §2.2):
// a client may send one after a body.
func emptyLines(buf []byte) int {
	n := 0
	for len(buf) >= n+2 && buf[n] == '\r' && buf[n+1] == '\n' {
		n += 2
	}
	return n
}

// incomplete decides what a buffer without a full header block means: wait
// for more, or refuse it now because it can never become a valid request.
// skip is the length of the empty lines before the request line.
func incomplete(buf []byte, skip int) error {
	if bytes.IndexByte(buf, 0) >= 0 {
		return ErrNUL
	}
	if hasBareLF(buf) {
		return ErrBareLF
	}
	if i := bytes.IndexByte(buf[skip:], '\n'); i >= 0 {
		var r Request
		if err := parseRequestLine(buf[skip:skip+i], &r); err != nil {
			return err
		}
	}
	if len(buf) >= MaxHeaderBytes {
		return tooLarge(buf[skip:])
	}
	return nil
}

// hasBareLF reports whether any line of an unfinished head ends in LF
// without CR: such a head can never complete, so waiting for more bytes would
// only hold the connection until the size limit.
func hasBareLF(buf []byte) bool {
	for i, c := range buf {
		if c == '\n' && (i == 0 || buf[i-1] != '\r') {
			return true
		}
	}
	return false
}

// tooLarge tells a long request target (414) from a long header block (431).
func tooLarge(buf []byte) error {
	if i := bytes.IndexByte(buf, '\n'); i < 0 || i >= MaxHeaderBytes {
		return ErrTargetTooLong
	}
	return ErrHeaderTooLarge
}

// cutLine splits off the first CRLF-terminated line of b.
func cutLine(b []byte) (line, rest []byte) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return b, nil
	}
	return b[:i], b[i+1:]
}

func parseRequestLine(line []byte, r *Request) error {
	if len(line) == 0 || line[len(line)-1] != '\r' {
		return ErrBareLF
	}
	line = line[:len(line)-1]
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 || !isToken(line[:sp]) {
		return ErrMalformedRequestLine
	}
	method := line[:sp]
	r.Method = methodOf(method)
	line = line[sp+1:]
	sp = bytes.IndexByte(line, ' ')
	if sp <= 0 {
		return ErrMalformedRequestLine
	}
	target, version := line[:sp], line[sp+1:]
	if err := parseVersion(version, r); err != nil {
		return err
	}
	return parseTarget(method, target, r)
}

func methodOf(m []byte) Method {
	switch string(m) {
	case "GET":
		return MethodGet
	case "HEAD":
		return MethodHead
	}
	return MethodOther
}

// parseVersion reads HTTP/1.x. A minor version above 1 is read as 1: a
// server SHOULD process a higher minor version as the highest it
// implements (RFC 9110 §2.5).
func parseVersion(v []byte, r *Request) error {
	if len(v) != 8 || string(v[:5]) != "HTTP/" || v[6] != '.' || !isDigit(v[5]) || !isDigit(v[7]) {
		return ErrMalformedRequestLine
	}
	if v[5] != '1' {
		return ErrVersion
	}
	r.Minor = min(int(v[7]-'0'), 1)
	r.KeepAlive = r.Minor == 1
	return nil
}

func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// equalFold compares b with the lower-case ASCII string s, ignoring case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isToken reports whether b is a non-empty RFC 9110 token.
func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !tokenChars[c] {
			return false
		}
	}
	return true
}

var tokenChars = charTable("!#$%&'*+-.^_`|~")

// charTable is a table of the bytes allowed somewhere: the ASCII letters
// and digits, and the bytes of extra.
func charTable(extra string) (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for _, c := range extra {
		t[c] = true
	}
	return t
}
