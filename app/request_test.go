package app

import (
	"errors"
	"strings"
	"testing"
)

// TestParseRefuses checks every protocol-level refusal: the error, its status,
// and that the connection is closed after the answer.
func TestParseRefuses(t *testing.T) {
	long := strings.Repeat("a", MaxHeaderBytes)
	tests := []struct {
		name string
		in   string
		want *Error
	}{
		// The request line must have three parts separated by single spaces.
		{"no target", "GET\r\n\r\n", ErrMalformedRequestLine},
		{"no version", "GET /plaintext\r\n\r\n", ErrMalformedRequestLine},
		{"two spaces", "GET  /plaintext HTTP/1.1\r\n\r\n", ErrMalformedRequestLine},
		{"space in target", "GET /plain text HTTP/1.1\r\n\r\n", ErrMalformedRequestLine},
		{"method not a token", "G(T /plaintext HTTP/1.1\r\n\r\n", ErrMalformedRequestLine},
		{"bare LF as an empty line first", "\nGET /plaintext HTTP/1.1\r\n\r\n", ErrBareLF},
		{"control byte in target", "GET /plain\x01text HTTP/1.1\r\n\r\n", ErrMalformedRequestLine},
		{"DEL in target", "GET /plain\x7ftext HTTP/1.1\r\n\r\n", ErrMalformedRequestLine},
		// The target's form must be one the method allows (RFC 9112 §3.2).
		{"asterisk target of GET", "GET * HTTP/1.1\r\n\r\n", ErrBadTarget},
		{"authority target of GET", "GET loopbench:80 HTTP/1.1\r\n\r\n", ErrBadTarget},
		{"absolute-form of another scheme", "GET ftp://x/plaintext HTTP/1.1\r\n\r\n", ErrBadTarget},
		{"absolute-form with userinfo", "GET http://u@x/plaintext HTTP/1.1\r\n\r\n", ErrBadTarget},
		{"absolute-form without authority", "GET http:///plaintext HTTP/1.1\r\n\r\n", ErrBadTarget},
		// Versions: 1.x only; a malformed version is a malformed line.
		{"HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", ErrVersion},
		{"HTTP/0.9", "GET / HTTP/0.9\r\n\r\n", ErrVersion},
		{"lower-case version", "GET / http/1.1\r\n\r\n", ErrMalformedRequestLine},
		{"two-digit minor", "GET / HTTP/1.10\r\n\r\n", ErrMalformedRequestLine},
		{"version missing dot", "GET / HTTP/11\r\n\r\n", ErrMalformedRequestLine},
		// Lines end in CRLF.
		{"bare LF request line", "GET / HTTP/1.1\nHost: x\r\n\r\n", ErrBareLF},
		{"bare LF header", "GET / HTTP/1.1\r\nHost: x\nA: b\r\n\r\n", ErrBareLF},
		{"bare LF end of block", "GET / HTTP/1.1\r\nHost: x\n\n", ErrBareLF},
		// A bare LF before a final CRLF: the head never ends in CRLFCRLF.
		{"bare LF then CRLF", "GET / HTTP/1.1\r\nHost: x\n\r\n", ErrBareLF},
		// Header lines: a token, a colon, a value without control bytes.
		{"header without colon", get("/plaintext", "Broken"), ErrMalformedHeader},
		{"space before colon", get("/plaintext", "Host : x"), ErrMalformedHeader},
		{"empty header name", get("/plaintext", ": x"), ErrMalformedHeader},
		{"control byte in value", get("/plaintext", "A: b\x01c"), ErrMalformedHeader},
		{"obs-fold", get("/plaintext", "A: b", " c"), ErrObsFold},
		{"obs-fold with tab", get("/plaintext", "A: b", "\tc"), ErrObsFold},
		// NUL anywhere in the head.
		{"NUL in value", get("/plaintext", "A: b\x00c"), ErrNUL},
		{"NUL in incomplete head", "GET /plaintext HTTP/1.1\r\nA: \x00", ErrNUL},
		{"NUL in target", "GET /plain\x00text HTTP/1.1\r\n\r\n", ErrMalformedRequestLine},
		// Host: exactly one in HTTP/1.1, at most one in HTTP/1.0, valid (RFC 9112 §3.2).
		{"no Host", "GET / HTTP/1.1\r\n\r\n", ErrNoHost},
		{"two Host lines", get("/", "Host: other"), ErrBadHost},
		{"two Host lines in HTTP/1.0", request("GET", "/", "HTTP/1.0", "Host: other"), ErrBadHost},
		{"Host with a space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", ErrBadHost},
		{"Host with a slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", ErrBadHost},
		// Transfer codings: chunked last and once (RFC 9112 §6.3, §7), no other (§6.1: 501).
		{"TE gzip", request("POST", "/", "HTTP/1.1", "Transfer-Encoding: gzip"), ErrBadEncoding},
		{"TE chunked, gzip", request("POST", "/", "HTTP/1.1", "Transfer-Encoding: chunked, gzip"), ErrBadEncoding},
		{"TE chunked twice", request("POST", "/", "HTTP/1.1", "Transfer-Encoding: chunked", "Transfer-Encoding: chunked") + "0\r\n\r\n", ErrBadEncoding},
		{"TE gzip, chunked", request("POST", "/", "HTTP/1.1", "Transfer-Encoding: gzip, chunked") + "0\r\n\r\n", ErrEncodingUnknown},
		{"chunk size not hex", request("POST", "/", "HTTP/1.1", "Transfer-Encoding: chunked") + "zz\r\nab\r\n0\r\n\r\n", ErrBadChunk},
		{"chunk longer than its size", request("POST", "/", "HTTP/1.1", "Transfer-Encoding: chunked") + "1\r\nab\r\n0\r\n\r\n", ErrBadChunk},
		{"chunk line ending in LF", request("POST", "/", "HTTP/1.1", "Transfer-Encoding: chunked") + "2\nab\r\n0\r\n\r\n", ErrBadChunk},
		// Message framing that could desynchronise the stream.
		{"CL and TE", request("POST", "/", "HTTP/1.1", "Content-Length: 3", "Transfer-Encoding: chunked"), ErrLengthAndEncoding},
		{"TE and CL", request("POST", "/", "HTTP/1.1", "Transfer-Encoding: chunked", "Content-Length: 3"), ErrLengthAndEncoding},
		{"differing CL", request("POST", "/", "HTTP/1.1", "Content-Length: 3", "Content-Length: 4"), ErrDuplicateLength},
		{"negative CL", request("POST", "/", "HTTP/1.1", "Content-Length: -1"), ErrBadContentLength},
		{"CL list", request("POST", "/", "HTTP/1.1", "Content-Length: 3, 3"), ErrBadContentLength},
		{"empty CL", request("POST", "/", "HTTP/1.1", "Content-Length:"), ErrBadContentLength},
		{"huge CL", request("POST", "/", "HTTP/1.1", "Content-Length: 99999999999999999999"), ErrBadContentLength},
		// Size limits: a long target is 414, a long header block 431.
		{"target over 8 KiB", get("/" + long), ErrTargetTooLong},
		{"target over 8 KiB, incomplete", "GET /" + long, ErrTargetTooLong},
		{"header block over 8 KiB", get("/plaintext", "A: "+long), ErrHeaderTooLarge},
		{"header block over 8 KiB, incomplete", get("/plaintext")[:30] + "A: " + long, ErrHeaderTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Request
			n, err := Parse([]byte(tt.in), &r)
			if n != 0 || !errors.Is(err, tt.want) {
				t.Fatalf("Parse = %d, %v; want 0, %v", n, err, tt.want)
			}
			out, _, closed := converse(t, []byte(tt.in))
			rs := readResponses(t, out, false)
			if len(rs) != 1 || rs[0].status != tt.want.Status || !closed || rs[0].header["Connection"] != "close" {
				t.Fatalf("answer %q closed=%v; want one %d that closes", out, closed, tt.want.Status)
			}
		})
	}
}

// TestParseAccepts checks what Parse extracts from valid requests.
func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Request
	}{
		// HTTP/1.1 keeps the connection alive unless asked to close.
		{"1.1 default", get("/plaintext"), Request{Method: MethodGet, Path: []byte("/plaintext"), Minor: 1, KeepAlive: true, ContentLength: -1}},
		{"1.1 close", get("/plaintext", "Connection: close"), Request{Method: MethodGet, Path: []byte("/plaintext"), Minor: 1, ContentLength: -1}},
		{"1.1 close in a list", get("/plaintext", "Connection: Upgrade, CLOSE"), Request{Method: MethodGet, Path: []byte("/plaintext"), Minor: 1, ContentLength: -1}},
		// HTTP/1.0 closes unless it asks for keep-alive, and close wins.
		{"1.0 default", request("GET", "/json", "HTTP/1.0"), Request{Method: MethodGet, Path: []byte("/json"), ContentLength: -1}},
		{"1.0 keep-alive", request("GET", "/json", "HTTP/1.0", "Connection: Keep-Alive"), Request{Method: MethodGet, Path: []byte("/json"), KeepAlive: true, ContentLength: -1}},
		{"1.0 keep-alive then close", request("GET", "/json", "HTTP/1.0", "Connection: keep-alive", "Connection: close"), Request{Method: MethodGet, Path: []byte("/json"), ContentLength: -1}},
		{"1.0 close then keep-alive", request("GET", "/json", "HTTP/1.0", "Connection: close, keep-alive"), Request{Method: MethodGet, Path: []byte("/json"), ContentLength: -1}},
		// Methods and the query.
		{"HEAD", request("HEAD", "/json", "HTTP/1.1"), Request{Method: MethodHead, Path: []byte("/json"), Minor: 1, KeepAlive: true, ContentLength: -1}},
		{"other method", request("DELETE", "/json", "HTTP/1.1"), Request{Method: MethodOther, Path: []byte("/json"), Minor: 1, KeepAlive: true, ContentLength: -1}},
		{"lower-case get is another method", request("get", "/json", "HTTP/1.1"), Request{Method: MethodOther, Path: []byte("/json"), Minor: 1, KeepAlive: true, ContentLength: -1}},
		{"query", get("/sleep?ms=5&x"), Request{Method: MethodGet, Path: []byte("/sleep"), Query: []byte("ms=5&x"), Minor: 1, KeepAlive: true, ContentLength: -1}},
		// Header names are case-insensitive; values lose surrounding whitespace.
		{"equal duplicate CL", request("POST", "/", "HTTP/1.1", "content-length: 0", "CONTENT-LENGTH:\t0 "), Request{Method: MethodOther, Path: []byte("/"), Minor: 1, KeepAlive: true, ContentLength: 0}},
		// Targets in every form the method allows (RFC 9112 §3.2).
		{"absolute-form", get("http://x:80/json?a=1"), Request{Method: MethodGet, Path: []byte("/json"), Query: []byte("a=1"), Minor: 1, KeepAlive: true, ContentLength: -1}},
		{"absolute-form HTTPS without a path", get("HTTPS://x"), Request{Method: MethodGet, Minor: 1, KeepAlive: true, ContentLength: -1}},
		{"asterisk-form of OPTIONS", request("OPTIONS", "*", "HTTP/1.1"), Request{Method: MethodOther, Path: []byte("*"), Minor: 1, KeepAlive: true, ContentLength: -1}},
		{"authority-form of CONNECT", request("CONNECT", "x:443", "HTTP/1.1"), Request{Method: MethodOther, Path: []byte("x:443"), Minor: 1, KeepAlive: true, ContentLength: -1}},
		// A higher minor version is read as 1.1 (RFC 9110 §2.5); HTTP/1.0 needs no Host.
		{"HTTP/1.2", request("GET", "/json", "HTTP/1.2"), Request{Method: MethodGet, Path: []byte("/json"), Minor: 1, KeepAlive: true, ContentLength: -1}},
		{"HTTP/1.0 without Host", "GET /json HTTP/1.0\r\n\r\n", Request{Method: MethodGet, Path: []byte("/json"), ContentLength: -1}},
		{"empty Host", "GET /json HTTP/1.1\r\nHost:\r\n\r\n", Request{Method: MethodGet, Path: []byte("/json"), Minor: 1, KeepAlive: true, ContentLength: -1}},
		// Empty lines before the request line are skipped (RFC 9112 §2.2).
		{"empty lines first", "\r\n\r\n" + get("/json"), Request{Method: MethodGet, Path: []byte("/json"), Minor: 1, KeepAlive: true, ContentLength: -1}},
		// A chunked body is read, trailers and extensions included.
		{"chunked", request("POST", "/", "HTTP/1.1", "Transfer-Encoding: chunked") + "3;x=y\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n", Request{Method: MethodOther, Path: []byte("/"), Minor: 1, KeepAlive: true, ContentLength: -1}},
		{"chunked in HTTP/1.0", request("POST", "/", "HTTP/1.0", "Transfer-Encoding: chunked"), Request{Method: MethodOther, Path: []byte("/"), ContentLength: -1, BodyUnread: true}},
		// A body the parser will not wait for closes the connection.
		{"100-continue before the body", request("POST", "/", "HTTP/1.1", "Content-Length: 5", "Expect: 100-continue"), Request{Method: MethodOther, Path: []byte("/"), Minor: 1, ContentLength: 5, BodyUnread: true}},
		{"body too large", request("POST", "/", "HTTP/1.1", "Content-Length: 65537"), Request{Method: MethodOther, Path: []byte("/"), Minor: 1, ContentLength: 65537, BodyUnread: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Request
			n, err := Parse([]byte(tt.in), &r)
			if err != nil || n != len(tt.in) {
				t.Fatalf("Parse = %d, %v; want %d, nil", n, err, len(tt.in))
			}
			if !equalRequest(r, tt.want) {
				t.Fatalf("Parse gave %+v; want %+v", r, tt.want)
			}
		})
	}
}

func equalRequest(a, b Request) bool {
	return a.Method == b.Method && string(a.Path) == string(b.Path) && string(a.Query) == string(b.Query) &&
		a.Minor == b.Minor && a.KeepAlive == b.KeepAlive && a.ContentLength == b.ContentLength && a.BodyUnread == b.BodyUnread
}

// TestParseHeaderLimit checks the 8 KiB bound exactly: a block of 8192 bytes
// (request line, headers and the final empty line) passes, one more byte is 431.
func TestParseHeaderLimit(t *testing.T) {
	base := get("/plaintext", "A: ")
	fill := strings.Repeat("x", MaxHeaderBytes-len(base))
	ok := get("/plaintext", "A: "+fill)
	if len(ok) != MaxHeaderBytes {
		t.Fatalf("test request is %d bytes, want %d", len(ok), MaxHeaderBytes)
	}
	var r Request
	if n, err := Parse([]byte(ok), &r); n != len(ok) || err != nil {
		t.Fatalf("8192-byte head: Parse = %d, %v; want %d, nil", n, err, len(ok))
	}
	over := get("/plaintext", "A: x"+fill)
	if _, err := Parse([]byte(over), &r); !errors.Is(err, ErrHeaderTooLarge) {
		t.Fatalf("8193-byte head: Parse error %v; want %v", err, ErrHeaderTooLarge)
	}
	for i := range len(ok) {
		if n, err := Parse([]byte(ok[:i]), &r); n != 0 || err != nil {
			t.Fatalf("prefix of %d bytes: Parse = %d, %v; want 0, nil", i, n, err)
		}
	}
}

// TestParseBody checks that a body within the limit is consumed with its
// request, so the next request on the connection is read from the right place.
func TestParseBody(t *testing.T) {
	post := request("POST", "/plaintext", "HTTP/1.1", "Content-Length: 5") + "hello"
	in := []byte(post + get("/plaintext"))
	var r Request
	n, err := Parse(in, &r)
	if err != nil || n != len(post) {
		t.Fatalf("Parse = %d, %v; want %d, nil", n, err, len(post))
	}
	if n, err := Parse(in[:len(post)-1], &r); n != 0 || err != nil {
		t.Fatalf("Parse of a partial body = %d, %v; want 0, nil", n, err)
	}
	out, consumed, closed := converse(t, in)
	rs := readResponses(t, out, false)
	if closed || consumed != len(in) || len(rs) != 2 || rs[0].status != 405 || rs[1].body != "Hello, World!" {
		t.Fatalf("answers %q (consumed %d of %d, closed %v); want 405 then Hello, World!", out, consumed, len(in), closed)
	}
}

// TestParseBodyUnread checks that a body the parser does not wait for (too
// large or chunked) closes the connection after the answer, so the body's
// bytes are never read as a request.
func TestParseBodyUnread(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		// Over MaxBodyBytes: answered at once, then closed.
		{"too large", request("POST", "/plaintext", "HTTP/1.1", "Content-Length: 100000") + get("/plaintext")},
		// Chunked over 8 KiB: answered at once, then closed.
		{"chunked over 8 KiB", request("POST", "/plaintext", "HTTP/1.1", "Transfer-Encoding: chunked") + "ffff\r\n" + strings.Repeat("x", 100)},
		// 100-continue expected: answered before the body comes, then closed.
		{"100-continue", request("POST", "/plaintext", "HTTP/1.1", "Content-Length: 5", "Expect: 100-continue")},
		// Even a GET with a large body is answered and closed.
		{"GET with large body", get("/plaintext", "Content-Length: 70000")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, closed := converse(t, []byte(tt.in))
			rs := readResponses(t, out, false)
			if !closed || len(rs) != 1 || rs[0].header["Connection"] != "close" {
				t.Fatalf("answers %q closed=%v; want one answer that closes", out, closed)
			}
		})
	}
}

// TestPipelined checks that 16 requests in one buffer are parsed and answered
// in order.
func TestPipelined(t *testing.T) {
	var in strings.Builder
	var want []string
	for i := range 16 {
		switch i % 4 {
		case 0:
			in.WriteString(get("/plaintext"))
			want = append(want, "Hello, World!")
		case 1:
			in.WriteString(get("/json"))
			want = append(want, `{"message":"Hello, World!"}`)
		case 2:
			in.WriteString(get("/sleep?ms=" + string(rune('0'+i%10))))
			want = append(want, "slept "+string(rune('0'+i%10))+" ms")
		case 3:
			in.WriteString(get("/upstream?ms=7"))
			want = append(want, "upstream 7 ms")
		}
	}
	out, consumed, closed := converse(t, []byte(in.String()))
	rs := readResponses(t, out, false)
	if closed || consumed != in.Len() || len(rs) != len(want) {
		t.Fatalf("%d answers (consumed %d of %d, closed %v); want %d", len(rs), consumed, in.Len(), closed, len(want))
	}
	for i, r := range rs {
		if r.status != 200 || r.body != want[i] {
			t.Errorf("answer %d: %d %q; want 200 %q", i, r.status, r.body, want[i])
		}
	}
}

// TestEverySplit feeds every prefix of valid and invalid inputs to Parse, as
// a connection receiving them byte by byte would: a valid request waits until
// its last byte arrives; an invalid one waits or fails, never succeeds.
func TestEverySplit(t *testing.T) {
	valid := []string{
		get("/plaintext"),
		request("HEAD", "/json", "HTTP/1.0", "Connection: keep-alive", "X-Long: "+strings.Repeat("v", 300)),
		request("POST", "/plaintext", "HTTP/1.1", "Content-Length: 11") + "hello world",
		request("POST", "/plaintext", "HTTP/1.1", "Transfer-Encoding: chunked") + "5;a=b\r\nhello\r\n0\r\nX-T: y\r\n\r\n",
		"\r\n\r\n" + get("http://loopbench/json"),
		get("/file?name=small.bin", "Accept: */*", "User-Agent: test"),
	}
	for _, in := range valid {
		var r Request
		for i := range len(in) {
			if n, err := Parse([]byte(in[:i]), &r); n != 0 || err != nil {
				t.Fatalf("%q: prefix of %d bytes: Parse = %d, %v; want 0, nil", in, i, n, err)
			}
		}
		if n, err := Parse([]byte(in), &r); n != len(in) || err != nil {
			t.Fatalf("%q: Parse = %d, %v; want %d, nil", in, n, err, len(in))
		}
	}
	invalid := []string{
		get("/plaintext", "A: b", " folded"),
		"GET / HTTP/3.0\r\n\r\n",
		get("/x", "Content-Length: 1", "Transfer-Encoding: chunked"),
		"GET /a\nb HTTP/1.1\r\n\r\n",
		request("POST", "/", "HTTP/1.1", "Transfer-Encoding: chunked") + "5\r\nhello!\r\n0\r\n\r\n",
		"GET / HTTP/1.1\r\nA: b\r\n\r\n",
	}
	for _, in := range invalid {
		var r Request
		for i := 1; i <= len(in); i++ {
			n, err := Parse([]byte(in[:i]), &r)
			if n != 0 || (i == len(in) && err == nil) {
				t.Fatalf("%q: prefix of %d bytes: Parse = %d, %v; want 0 and, at the end, an error", in, i, n, err)
			}
		}
	}
}
