package app

import "bytes"

// headerState is what the header lines say about framing and the
// connection, gathered before it is judged.
type headerState struct {
	hosts          int  // Host lines
	close          bool // a "close" connection option
	encoding       bool // a Transfer-Encoding line
	chunkedLast    bool // the last transfer coding is chunked
	chunked        int  // how often chunked is applied
	unknownCoding  bool // a transfer coding other than chunked
	expectContinue bool // Expect: 100-continue
}

// parseHeaders reads the CRLF-terminated header lines in b (without the
// final empty line), applies the ones the server acts on, and checks the
// ones RFC 9112 makes the server check: Host (§3.2), Content-Length and
// Transfer-Encoding (§6).
func parseHeaders(b []byte, r *Request, h *headerState) error {
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
		if err := applyHeader(name, value, r, h); err != nil {
			return err
		}
	}
	return h.judge(r)
}

// applyHeader takes one header line into r and h.
func applyHeader(name, value []byte, r *Request, h *headerState) error {
	switch {
	case equalFold(name, "host"):
		h.hosts++
		if !validHost(value) {
			return ErrBadHost
		}
	case equalFold(name, "content-length"):
		return setLength(r, value)
	case equalFold(name, "transfer-encoding"):
		h.encoding = true
		h.codings(value)
	case equalFold(name, "connection"):
		h.close = applyConnection(r, value) || h.close
	case equalFold(name, "expect"):
		h.expectContinue = h.expectContinue || equalFold(value, "100-continue")
	}
	return nil
}

// judge checks what the header lines said as a whole: one Host (none
// allowed in HTTP/1.0), framing by Content-Length or chunked alone.
func (h *headerState) judge(r *Request) error {
	switch {
	case h.hosts > 1:
		return ErrBadHost
	case h.hosts == 0 && r.Minor == 1:
		return ErrNoHost
	}
	if h.close {
		r.KeepAlive = false
	}
	if !h.encoding {
		return nil
	}
	switch {
	case r.ContentLength >= 0:
		return ErrLengthAndEncoding
	case r.Minor == 0:
		// HTTP/1.0 has no Transfer-Encoding: the framing is faulty (§6.1),
		// so the body is not read and the connection closes.
		r.BodyUnread, r.KeepAlive = true, false
	case !h.chunkedLast || h.chunked > 1:
		return ErrBadEncoding
	case h.unknownCoding:
		return ErrEncodingUnknown
	}
	return nil
}

// codings reads a Transfer-Encoding list: codings in order, empty elements
// ignored (RFC 9110 §5.6.1).
func (h *headerState) codings(v []byte) {
	for len(v) > 0 {
		var c []byte
		c, v = cutList(v)
		switch {
		case len(c) == 0:
		case bytes.IndexByte(c, ';') >= 0: // chunked has no parameters: a coding with some is another
			h.unknownCoding, h.chunkedLast = true, false
		case equalFold(c, "chunked"):
			h.chunked++
			h.chunkedLast = true
		default:
			h.unknownCoding, h.chunkedLast = true, false
		}
	}
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
		opt, v = cutList(v)
		switch {
		case equalFold(opt, "close"):
			close = true
		case equalFold(opt, "keep-alive") && r.Minor == 0:
			r.KeepAlive = true
		}
	}
	return close
}

// cutList splits the first element off a comma-separated list, without
// its surrounding whitespace.
func cutList(v []byte) (elem, rest []byte) {
	if i := bytes.IndexByte(v, ','); i >= 0 {
		return trimOWS(v[:i]), v[i+1:]
	}
	return trimOWS(v), nil
}

// validHost reports whether v is a Host value: empty (allowed when the
// target has no authority), or uri-host [":" port] of RFC 3986: a
// registered name, IPv4 address or bracketed IP literal, in the bytes
// those allow.
func validHost(v []byte) bool {
	for _, c := range v {
		if !hostChars[c] {
			return false
		}
	}
	return true
}

var hostChars = charTable("-._~%!$&'()*+,;=:[]")
