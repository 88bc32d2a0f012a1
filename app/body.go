package app

import (
	"bytes"
	"errors"
)

// maxChunkedBytes bounds a chunked body the parser waits for, its chunk
// lines and trailers included: a longer one is answered without being read,
// and its connection closed, as a body whose Content-Length is over
// MaxBodyBytes. It is smaller than MaxBodyBytes because the parser keeps no
// state: each call reads the chunk lines again from the first, so the work
// of a body arriving in pieces grows with its chunks.
const maxChunkedBytes = 8 << 10

// errChunkedTooLarge is chunkedLength's: the body is over maxChunkedBytes.
var errChunkedTooLarge = errors.New("chunked body over the limit")

// body finds the end of the body of a request whose head ends at n: the
// request's length, 0 while the body is incomplete, or the error of a
// malformed chunked body. A body the parser does not wait for leaves the
// request at its head, with BodyUnread set and the connection to close.
func body(buf []byte, n int, r *Request, h *headerState) (int, error) {
	switch {
	case r.BodyUnread: // faulty framing: judged by parseHeaders
		return n, nil
	case h.encoding:
		m, err := chunkedLength(buf[n:])
		switch {
		case errors.Is(err, errChunkedTooLarge):
			return unread(n, r)
		case err != nil:
			return 0, err
		case m == 0:
			return waitBody(n, r, h)
		}
		return n + m, nil
	case r.ContentLength > MaxBodyBytes:
		return unread(n, r)
	case r.ContentLength > 0 && len(buf)-n < r.ContentLength:
		return waitBody(n, r, h)
	}
	return n + max(r.ContentLength, 0), nil
}

// unread leaves the request's body unread: the answer closes the
// connection, so the body's bytes are never read as a request.
func unread(n int, r *Request) (int, error) {
	r.BodyUnread, r.KeepAlive = true, false
	return n, nil
}

// waitBody waits for the rest of a body, unless the client expects
// 100-continue: it may be waiting for that before it sends the body, and
// every answer here depends on the method and target alone, so the server
// MUST answer at once (RFC 9110 §10.1.1), without the body.
func waitBody(n int, r *Request, h *headerState) (int, error) {
	if h.expectContinue {
		return unread(n, r)
	}
	return 0, nil
}

// chunkedLength returns the length of the chunked body at the start of b
// (RFC 9112 §7.1): its chunks, the last chunk and the trailer section; 0
// while it is incomplete.
func chunkedLength(b []byte) (int, error) {
	off := 0
	for {
		line, next, err := chunkLine(b, off)
		if next == 0 || err != nil {
			return 0, err
		}
		size, err := chunkSize(line)
		if err != nil {
			return 0, err
		}
		if size == 0 {
			return trailers(b, next)
		}
		off = next + size + 2
		switch {
		case off > maxChunkedBytes:
			return 0, errChunkedTooLarge
		case len(b) < off:
			return 0, nil
		case b[off-2] != '\r' || b[off-1] != '\n':
			return 0, ErrBadChunk
		}
	}
}

// chunkLine returns the CRLF-terminated line at b[off:], without its line
// end, and the offset after it; next is 0 while the line is incomplete.
func chunkLine(b []byte, off int) (line []byte, next int, err error) {
	i := bytes.IndexByte(b[off:], '\n')
	if i < 0 {
		if len(b) > maxChunkedBytes {
			return nil, 0, errChunkedTooLarge
		}
		return nil, 0, nil
	}
	line = b[off : off+i]
	if len(line) == 0 || line[len(line)-1] != '\r' {
		return nil, 0, ErrBadChunk
	}
	return line[:len(line)-1], off + i + 1, nil
}

// chunkSize reads a chunk's size in hex, and checks that what follows it
// is nothing or a chunk extension (";" after optional whitespace).
func chunkSize(line []byte) (int, error) {
	n, i := 0, 0
	for ; i < len(line) && unhex(line[i]) >= 0; i++ {
		if i == 8 { // over 4 GiB: over maxChunkedBytes whatever follows
			return 0, errChunkedTooLarge
		}
		n = n<<4 | unhex(line[i])
	}
	ext := trimOWS(line[i:])
	if i == 0 || (len(ext) > 0 && ext[0] != ';') || bytes.IndexByte(ext, 0) >= 0 {
		return 0, ErrBadChunk
	}
	return n, nil
}

// trailers returns the length of the chunked body whose trailer section
// starts at off: field lines, then an empty line.
func trailers(b []byte, off int) (int, error) {
	for {
		line, next, err := chunkLine(b, off)
		if next == 0 || err != nil {
			return 0, err
		}
		if len(line) == 0 {
			return next, nil
		}
		if next > maxChunkedBytes {
			return 0, errChunkedTooLarge
		}
		if _, _, err := splitHeader(line); err != nil {
			return 0, ErrBadChunk
		}
		off = next
	}
}
