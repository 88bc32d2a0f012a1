package loadgen

import (
	"bytes"
	"errors"
)

// maxHead bounds a response's status line and header block. Our servers send
// about 130 bytes; anything near this is not an answer we can check.
const maxHead = 8 << 10

// maxLength bounds an announced Content-Length (the largest data file is 1 MiB).
const maxLength = 1 << 30

// errProtocol is wrapped by every answer the client cannot frame. Each is a
// value, so classifying an answer allocates nothing.
var (
	errProtocol      = errors.New("unparseable answer")
	errStatusLine    = &protocolError{"malformed status line"}
	errHeaderLine    = &protocolError{"malformed header line"}
	errNoLength      = &protocolError{"no Content-Length"}
	errBadLength     = &protocolError{"invalid Content-Length"}
	errChunked       = &protocolError{"Transfer-Encoding is not supported (every loopbench server sends Content-Length)"}
	errHeadTooLarge  = &protocolError{"response head over 8 KiB"}
	errUnsolicited   = &protocolError{"bytes arrived with no request outstanding"}
	headerLength     = "content-length"
	headerConnection = "connection"
	headerEncoding   = "transfer-encoding"
)

// protocolError is an answer that breaks HTTP/1.1 framing as the client
// understands it.
type protocolError struct{ reason string }

func (e *protocolError) Error() string { return "protocol: " + e.reason }

func (e *protocolError) Unwrap() error { return errProtocol }

// respHead is what the client needs from a response head.
type respHead struct {
	status int
	length int  // Content-Length
	close  bool // the server closes the connection after this answer
}

// parseHead parses a response head at the start of buf. It returns the
// head's length including the blank line, 0 and nil when more bytes are
// needed, or a *protocolError. It keeps no state between calls, and reads
// the head in one pass, line by line, because it runs once per answer.
func parseHead(buf []byte, h *respHead) (int, error) {
	line, n, err := headLine(buf, 0)
	if n == 0 || err != nil {
		return 0, err
	}
	minor, err := parseStatusLine(line, h)
	if err != nil {
		return 0, err
	}
	h.length, h.close = -1, minor == 0
	for {
		line, next, err := headLine(buf, n)
		if next == 0 || err != nil {
			return 0, err
		}
		n = next
		if len(line) == 0 {
			break
		}
		if err := parseHeader(line, h, minor); err != nil {
			return 0, err
		}
	}
	if err := finishHead(h); err != nil {
		return 0, err
	}
	return n, nil
}

// headLine returns the CRLF-terminated line at buf[from:] without its CRLF
// and the offset after it; 0 when the line is incomplete.
func headLine(buf []byte, from int) ([]byte, int, error) {
	i := bytes.IndexByte(buf[from:], '\n')
	if i < 0 {
		if len(buf) >= maxHead {
			return nil, 0, errHeadTooLarge
		}
		return nil, 0, nil
	}
	end := from + i + 1
	if end > maxHead {
		return nil, 0, errHeadTooLarge
	}
	if i == 0 || buf[from+i-1] != '\r' {
		return nil, 0, errHeaderLine
	}
	return buf[from : from+i-1], end, nil
}

// finishHead checks the framing: every answer we can check has a length.
func finishHead(h *respHead) error {
	if h.length >= 0 {
		return nil
	}
	if h.status != 204 && h.status != 304 && h.status >= 200 {
		return errNoLength
	}
	h.length = 0
	return nil
}

// parseStatusLine reads "HTTP/1.x SSS[ reason]" and returns the minor version.
func parseStatusLine(line []byte, h *respHead) (int, error) {
	if len(line) < 12 || string(line[:7]) != "HTTP/1." || line[8] != ' ' ||
		(len(line) > 12 && line[12] != ' ') {
		return 0, errStatusLine
	}
	minor := int(line[7]) - '0'
	if minor != 0 && minor != 1 {
		return 0, errStatusLine
	}
	s := 0
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return 0, errStatusLine
		}
		s = s*10 + int(c-'0')
	}
	if s < 100 {
		return 0, errStatusLine
	}
	h.status = s
	return minor, nil
}

// parseHeader reads one header line; only three headers frame an answer.
func parseHeader(line []byte, h *respHead, minor int) error {
	name, value, ok := bytes.Cut(line, []byte{':'})
	if !ok || len(name) == 0 || bytes.IndexByte(line, '\r') >= 0 {
		return errHeaderLine
	}
	return applyHeader(name, trimSpace(value), h, minor)
}

func applyHeader(name, value []byte, h *respHead, minor int) error {
	switch {
	case equalFold(name, headerLength):
		n, ok := parseLength(value)
		if !ok || (h.length >= 0 && h.length != n) {
			return errBadLength
		}
		h.length = n
	case equalFold(name, headerConnection):
		if containsFold(value, "close") {
			h.close = true
		} else if minor == 0 && containsFold(value, "keep-alive") {
			h.close = false
		}
	case equalFold(name, headerEncoding):
		return errChunked
	}
	return nil
}

func parseLength(v []byte) (int, bool) {
	if len(v) == 0 || len(v) > 10 {
		return 0, false
	}
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n <= maxLength
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// equalFold reports whether b equals lower, ignoring ASCII case; lower is
// already lower case.
func equalFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// containsFold reports whether lower occurs in b, ignoring ASCII case.
func containsFold(b []byte, lower string) bool {
	for i := 0; i+len(lower) <= len(b); i++ {
		if equalFold(b[i:i+len(lower)], lower) {
			return true
		}
	}
	return false
}
