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
	crlf             = []byte("\r\n")
	crlfcrlf         = []byte("\r\n\r\n")
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
// needed, or a *protocolError. It keeps no state between calls.
func parseHead(buf []byte, h *respHead) (int, error) {
	end := bytes.Index(buf, crlfcrlf)
	if end < 0 {
		if len(buf) >= maxHead {
			return 0, errHeadTooLarge
		}
		return 0, nil
	}
	if end+4 > maxHead {
		return 0, errHeadTooLarge
	}
	line, rest, _ := bytes.Cut(buf[:end+2], crlf)
	minor, err := parseStatusLine(line, h)
	if err != nil {
		return 0, err
	}
	h.length, h.close = -1, minor == 0
	if err := parseHeaders(rest, h, minor); err != nil {
		return 0, err
	}
	if h.length < 0 {
		if h.status != 204 && h.status != 304 && h.status >= 200 {
			return 0, errNoLength
		}
		h.length = 0
	}
	return end + 4, nil
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

// parseHeaders reads the header lines (each ending in CRLF) for the three
// headers that frame an answer.
func parseHeaders(b []byte, h *respHead, minor int) error {
	for len(b) > 0 {
		line, rest, ok := bytes.Cut(b, crlf)
		if !ok || bytes.IndexByte(line, '\n') >= 0 {
			return errHeaderLine
		}
		b = rest
		name, value, ok := bytes.Cut(line, []byte{':'})
		if !ok || len(name) == 0 {
			return errHeaderLine
		}
		if err := applyHeader(name, trimSpace(value), h, minor); err != nil {
			return err
		}
	}
	return nil
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
