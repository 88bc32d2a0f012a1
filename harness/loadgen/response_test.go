package loadgen

import (
	"errors"
	"testing"
)

const okHead = "HTTP/1.1 200 OK\r\nServer: loopbench\r\nDate: Thu, 26 Nov 2026 01:00:00 GMT\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 13\r\n\r\n"

func TestParseHead(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		done   bool // a complete head: n is the length of in before its body
		body   string
		status int
		length int
		close  bool
		err    error
	}{
		// What every loopbench server sends.
		{name: "ok", in: okHead, body: "Hello, World!", done: true, status: 200, length: 13},
		// Header names are case-insensitive and values may be padded.
		{name: "case and spaces", in: "HTTP/1.1 404 Not Found\r\ncontent-LENGTH:   9 \r\n\r\n", done: true, status: 404, length: 9},
		// A status line without a reason phrase is valid.
		{name: "no reason", in: "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", done: true, status: 200},
		// Connection: close ends the connection after this answer.
		{name: "close", in: "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 11\r\n\r\n", done: true, status: 400, length: 11, close: true},
		// HTTP/1.0 closes unless it says keep-alive.
		{name: "1.0 closes", in: "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", done: true, status: 200, length: 1, close: true},
		{name: "1.0 keep-alive", in: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\n", done: true, status: 200, length: 1},
		// 204 needs no length.
		{name: "204", in: "HTTP/1.1 204 No Content\r\n\r\n", done: true, status: 204},
		// Incomplete heads need more bytes, not an error.
		{name: "empty", in: ""},
		{name: "half status line", in: "HTTP/1.1 20"},
		{name: "head without blank line", in: "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n"},
		// Broken answers are protocol errors.
		{name: "not http", in: "SSH-2.0-OpenSSH\r\n\r\n", err: errProtocol},
		{name: "http/2", in: "HTTP/2.0 200 OK\r\n\r\n", err: errProtocol},
		{name: "bad status", in: "HTTP/1.1 2x0 OK\r\n\r\n", err: errProtocol},
		{name: "bare LF", in: "HTTP/1.1 200 OK\nContent-Length: 1\n\n", err: errProtocol},
		{name: "no length", in: "HTTP/1.1 200 OK\r\nServer: x\r\n\r\n", err: errProtocol},
		{name: "chunked", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", err: errProtocol},
		{name: "bad length", in: "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", err: errProtocol},
		{name: "differing lengths", in: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", err: errProtocol},
		{name: "header without colon", in: "HTTP/1.1 200 OK\r\nContent-Length 1\r\n\r\n", err: errProtocol},
		{name: "huge length", in: "HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n", err: errProtocol},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h respHead
			n, err := parseHead([]byte(tt.in+tt.body), &h)
			if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			want := 0
			if tt.done {
				want = len(tt.in)
			}
			if n != want {
				t.Fatalf("n = %d, want %d", n, want)
			}
			if n > 0 && (h.status != tt.status || h.length != tt.length || h.close != tt.close) {
				t.Errorf("head %+v, want status %d length %d close %v", h, tt.status, tt.length, tt.close)
			}
		})
	}
}

func TestParseHeadTooLarge(t *testing.T) {
	big := make([]byte, maxHead+10)
	copy(big, "HTTP/1.1 200 OK\r\nX: ")
	for i := 20; i < len(big); i++ {
		big[i] = 'a'
	}
	var h respHead
	if _, err := parseHead(big, &h); !errors.Is(err, errProtocol) {
		t.Errorf("a head over %d bytes: error %v, want a protocol error", maxHead, err)
	}
}

// FuzzParseHead checks that the parser never panics, never claims more
// bytes than it was given, and gives the same answer for a head alone as
// for the head followed by more bytes, and never an error for a prefix of a
// head it accepts.
func FuzzParseHead(f *testing.F) {
	f.Add([]byte(okHead + "Hello, World!"))
	f.Add([]byte("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx"))
	f.Add([]byte("HTTP/1.1 204 No Content\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var h respHead
		n, err := parseHead(b, &h)
		if n < 0 || n > len(b) || (err != nil && n != 0) {
			t.Fatalf("n = %d, err %v for %d bytes", n, err, len(b))
		}
		if n == 0 {
			return
		}
		if h.length < 0 || h.status < 100 || h.status > 999 {
			t.Fatalf("accepted head %+v", h)
		}
		var again respHead
		if m, err := parseHead(b[:n], &again); m != n || err != nil || again != h {
			t.Fatalf("head alone: %d %v %+v, with the rest: %d %+v", m, err, again, n, h)
		}
		for i := range n {
			var p respHead
			if m, err := parseHead(b[:i], &p); m != 0 || err != nil {
				t.Fatalf("prefix of %d bytes: n %d, error %v", i, m, err)
			}
		}
	})
}

// FuzzConnParse feeds arbitrary bytes, in arbitrary pieces, to a connection
// waiting for answers: it must never panic or report more answers than
// requests.
func FuzzConnParse(f *testing.F) {
	f.Add([]byte(okHead+"Hello, World!"+okHead+"Hello, World!"), uint8(7))
	f.Add([]byte(okHead+"Hello, World?"), uint8(100))
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabcdef"), uint8(1))
	f.Fuzz(func(t *testing.T, b []byte, step uint8) {
		exp, _ := Expect("/plaintext")
		c := newConn(nil, []route{{target: "/plaintext", expect: exp}}, 4)
		for range 4 {
			c.push(flight{})
		}
		total := 0
		for len(b) > 0 && total < 4 {
			k := min(len(b), int(step)+1, len(c.rbuf)-c.w)
			if k == 0 {
				c.compact()
				if c.w == len(c.rbuf) {
					return
				}
				continue
			}
			c.w += copy(c.rbuf[c.w:], b[:k])
			b = b[k:]
			ans, err := c.parse(nil)
			total += len(ans)
			if err != nil || c.closing {
				break
			}
		}
		if total > 4 {
			t.Fatalf("%d answers to 4 requests", total)
		}
	})
}
