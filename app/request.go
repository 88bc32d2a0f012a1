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
	// BodyUnread is set when the body was not consumed (too large or chunked):
	// the response must close the connection so the stream cannot desynchronise.
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
// allocates nothing, and so callers can compare them.
var (
	ErrMalformedRequestLine = &Error{400, "malformed request line"}
	ErrMalformedHeader      = &Error{400, "malformed header line"}
	ErrBareLF               = &Error{400, "line not terminated by CRLF"}
	ErrObsFold              = &Error{400, "obsolete header line folding"}
	ErrNUL                  = &Error{400, "NUL byte in request"}
	ErrBadContentLength     = &Error{400, "invalid Content-Length"}
	ErrDuplicateLength      = &Error{400, "differing duplicate Content-Length"}
	ErrLengthAndEncoding    = &Error{400, "Content-Length together with Transfer-Encoding"}
	ErrBadTarget            = &Error{400, "request target is not an absolute path"}
	ErrVersion              = &Error{505, "HTTP version not supported"}
	ErrTargetTooLong        = &Error{414, "request target too long"}
	ErrHeaderTooLarge       = &Error{431, "request header block too large"}
	// ErrHeadTimeout is not Parse's: it is the answer of a model whose
	// --head-timeout ran out before a request head arrived.
	ErrHeadTimeout = &Error{408, "request head timeout"}
)

var crlfcrlf = []byte("\r\n\r\n")

// Parse parses one request from the start of buf, which holds whatever bytes
// have arrived so far. It returns the number of bytes the request occupies
// (head and body) once it is complete, 0 and a nil error when more bytes are
// needed, or a *Error when the request must be refused. It keeps no state
// between calls: the caller keeps unconsumed bytes and calls again with more.
func Parse(buf []byte, r *Request) (int, error) {
	end := bytes.Index(buf, crlfcrlf)
	if end < 0 {
		return 0, incomplete(buf)
	}
	head := buf[:end+2] // every line, each ending in CRLF
	if end+4 > MaxHeaderBytes {
		return 0, tooLarge(head)
	}
	*r = Request{ContentLength: -1}
	line, rest := cutLine(head)
	if err := parseRequestLine(line, r); err != nil {
		return 0, err
	}
	if err := parseHeaders(rest, r); err != nil {
		return 0, err
	}
	n := end + 4
	if r.ContentLength > 0 {
		if r.ContentLength > MaxBodyBytes {
			r.BodyUnread, r.KeepAlive = true, false
			return n, nil
		}
		if len(buf)-n < r.ContentLength {
			return 0, nil
		}
		n += r.ContentLength
	}
	return n, nil
}

// incomplete decides what a buffer without a full header block means: wait
// for more, or refuse it now because it can never become a valid request.
func incomplete(buf []byte) error {
	if bytes.IndexByte(buf, 0) >= 0 {
		return ErrNUL
	}
	if hasBareLF(buf) {
		return ErrBareLF
	}
	if i := bytes.IndexByte(buf, '\n'); i >= 0 {
		var r Request
		if err := parseRequestLine(buf[:i], &r); err != nil {
			return err
		}
	}
	if len(buf) >= MaxHeaderBytes {
		return tooLarge(buf)
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
	r.Method = methodOf(line[:sp])
	line = line[sp+1:]
	sp = bytes.IndexByte(line, ' ')
	if sp <= 0 {
		return ErrMalformedRequestLine
	}
	target, version := line[:sp], line[sp+1:]
	if err := parseVersion(version, r); err != nil {
		return err
	}
	return parseTarget(target, r)
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

func parseVersion(v []byte, r *Request) error {
	if len(v) != 8 || string(v[:5]) != "HTTP/" || v[6] != '.' || !isDigit(v[5]) || !isDigit(v[7]) {
		return ErrMalformedRequestLine
	}
	if v[5] != '1' || v[7] > '1' {
		return ErrVersion
	}
	r.Minor = int(v[7] - '0')
	r.KeepAlive = r.Minor == 1
	return nil
}

func parseTarget(t []byte, r *Request) error {
	if t[0] != '/' {
		return ErrBadTarget
	}
	for _, c := range t {
		if c <= ' ' || c == 0x7f {
			return ErrMalformedRequestLine
		}
	}
	r.Path, r.Query = t, nil
	if i := bytes.IndexByte(t, '?'); i >= 0 {
		r.Path, r.Query = t[:i], t[i+1:]
	}
	return nil
}

// parseHeaders reads the CRLF-terminated header lines in b (without the final
// empty line) and applies the ones the server acts on.
func parseHeaders(b []byte, r *Request) error {
	sawEncoding, sawClose := false, false
	for len(b) > 0 {
		var line []byte
		line, b = cutLine(b)
		if len(line) == 0 || line[len(line)-1] != '\r' {
			return ErrBareLF
		}
		line = line[:len(line)-1]
		if line[0] == ' ' || line[0] == '\t' {
			return ErrObsFold
		}
		name, value, err := splitHeader(line)
		if err != nil {
			return err
		}
		switch {
		case equalFold(name, "content-length"):
			if err := setLength(r, value); err != nil {
				return err
			}
		case equalFold(name, "transfer-encoding"):
			sawEncoding = true
		case equalFold(name, "connection"):
			sawClose = applyConnection(r, value) || sawClose
		}
	}
	if sawClose {
		r.KeepAlive = false
	}
	if sawEncoding {
		if r.ContentLength >= 0 {
			return ErrLengthAndEncoding
		}
		r.BodyUnread, r.KeepAlive = true, false
	}
	return nil
}

func splitHeader(line []byte) (name, value []byte, err error) {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 || !isToken(line[:colon]) {
		return nil, nil, ErrMalformedHeader
	}
	value = trimOWS(line[colon+1:])
	for _, c := range value {
		if c == 0 {
			return nil, nil, ErrNUL
		}
		if (c < ' ' && c != '\t') || c == 0x7f {
			return nil, nil, ErrMalformedHeader
		}
	}
	return line[:colon], value, nil
}

func setLength(r *Request, v []byte) error {
	if len(v) == 0 || len(v) > 12 {
		return ErrBadContentLength
	}
	n := 0
	for _, c := range v {
		if !isDigit(c) {
			return ErrBadContentLength
		}
		n = n*10 + int(c-'0')
	}
	if r.ContentLength >= 0 && r.ContentLength != n {
		return ErrDuplicateLength
	}
	r.ContentLength = n
	return nil
}

// applyConnection reads the Connection header's comma-separated options and
// reports whether one is "close", which wins over any "keep-alive".
func applyConnection(r *Request, v []byte) (close bool) {
	for len(v) > 0 {
		var opt []byte
		if i := bytes.IndexByte(v, ','); i >= 0 {
			opt, v = v[:i], v[i+1:]
		} else {
			opt, v = v, nil
		}
		opt = trimOWS(opt)
		switch {
		case equalFold(opt, "close"):
			close = true
		case equalFold(opt, "keep-alive") && r.Minor == 0:
			r.KeepAlive = true
		}
	}
	return close
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

var tokenChars = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()
