package app

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse checks the parser and router on arbitrary bytes: no panic, the
// consumed count within the buffer, every proper prefix of an accepted request
// waiting for more, refusals with a known status, and routed answers that are
// well-formed responses.
func FuzzParse(f *testing.F) {
	seeds := []string{
		get("/plaintext"),
		get("/json") + get("/plaintext"),
		request("HEAD", "/sleep?ms=5", "HTTP/1.0", "Connection: keep-alive"),
		get("/upstream?ms=60000", "Connection: close"),
		get("/cpu?iter=1"),
		get("/fifo?ms=20"),
		request("HEAD", "/fifo?ms=0", "HTTP/1.1"),
		get("/fifo?ms=60001"),
		get("/file?name=%73mall.bin"),
		get("/file?name=..%2f..%2fetc%2fpasswd"),
		request("POST", "/plaintext", "HTTP/1.1", "Content-Length: 3") + "abc",
		request("POST", "/", "HTTP/1.1", "Transfer-Encoding: chunked", "Content-Length: 1"),
		request("POST", "/", "HTTP/1.1", "Content-Length: 1", "Content-Length: 2"),
		get("/plaintext", "A: b", " folded"),
		get("/plaintext", "A: \x00"),
		"GET / HTTP/2.0\r\n\r\n",
		"GET /x HTTP/1.1\n\n",
		"\r\n\r\n",
		"GET /" + strings.Repeat("a", 9000),
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r Request
		n, err := Parse(data, &r)
		if err != nil {
			checkRefusal(t, n, err)
			return
		}
		if n < 0 || n > len(data) {
			t.Fatalf("Parse consumed %d of %d bytes", n, len(data))
		}
		if n == 0 {
			return
		}
		checkPrefixes(t, data[:n])
		checkHandled(t, &r)
	})
}

func checkRefusal(t *testing.T, n int, err error) {
	var e *Error
	if n != 0 || !errors.As(err, &e) {
		t.Fatalf("Parse = %d, %v; want 0 and an *Error", n, err)
	}
	switch e.Status {
	case 400, 414, 431, 501, 505:
	default:
		t.Fatalf("refusal with status %d", e.Status)
	}
}

// checkPrefixes checks that an accepted request waits on its every proper
// prefix (sampled for long requests), so a connection receiving it in pieces
// never refuses it. A request expecting 100-continue is the exception:
// answered once its head has come (RFC 9110 §10.1.1).
func checkPrefixes(t *testing.T, req []byte) {
	if expectsContinue(req) {
		return
	}
	step := 1 + len(req)/512
	var r Request
	for i := 0; i < len(req); i += step {
		if n, err := Parse(req[:i], &r); n != 0 || err != nil {
			t.Fatalf("prefix of %d of the %d-byte request %q: Parse = %d, %v", i, len(req), req, n, err)
		}
	}
	if n, err := Parse(req, &r); n != len(req) || err != nil {
		t.Fatalf("the request alone: Parse = %d, %v; want %d", n, err, len(req))
	}
}

func checkHandled(t *testing.T, r *Request) {
	out, a := Handle(nil, r)
	switch a.Op {
	case OpNone:
		checkResponse(t, out, a.Head)
	case OpSleep, OpUpstream, OpFIFO:
		if a.Millis < 0 || a.Millis > MaxMillis || len(out) != 0 {
			t.Fatalf("deferred %v with ms %d and %d bytes written", a.Op, a.Millis, len(out))
		}
	case OpCPU:
		if a.Iter < MinIter || a.Iter > MaxIter {
			t.Fatalf("cpu with iter %d", a.Iter)
		}
	case OpFile:
		checkName(t, a.Name)
	default:
		t.Fatalf("unknown op %v", a.Op)
	}
	if a.KeepAlive && r.BodyUnread {
		t.Fatal("keep-alive with an unread body")
	}
	checkResponse(t, Finish(nil, &a, []byte("result"), nil), a.Head)
}

func checkResponse(t *testing.T, out []byte, head bool) {
	if !bytes.HasPrefix(out, []byte("HTTP/1.1 ")) || !bytes.Contains(out, []byte("\r\n\r\n")) {
		t.Fatalf("malformed response %q", out)
	}
	if head && !bytes.HasSuffix(out, []byte("\r\n\r\n")) {
		t.Fatalf("HEAD answer with a body: %q", out)
	}
}

// checkName checks that a /file name accepted by Handle stays inside the
// data directory.
func checkName(t *testing.T, name string) {
	if name == "" || name == "." || strings.Contains(name, "..") || !filepath.IsLocal(name) || filepath.Base(name) != name {
		t.Fatalf("accepted file name %q", name)
	}
	for _, c := range []byte(name) {
		if !(isDigit(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || c == '.' || c == '_' || c == '-') {
			t.Fatalf("accepted file name %q with byte %q", name, c)
		}
	}
}

// FuzzFileName checks the /file name decoder through Handle: an accepted
// name is plain, and a plain name is accepted as itself.
func FuzzFileName(f *testing.F) {
	for _, s := range []string{"small.bin", "%73mall.bin", "..", "%2e%2e%2f", "a/b", "a%5cb", "%", "%zz", ".", "a%00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		r := Request{Method: MethodGet, Path: []byte("/file"), Query: []byte("name=" + raw), Minor: 1, KeepAlive: true}
		out, a := Handle(nil, &r)
		if a.Op == OpFile {
			checkName(t, a.Name)
			return
		}
		if !bytes.HasPrefix(out, []byte("HTTP/1.1 404 ")) && !strings.Contains(raw, "&") {
			t.Fatalf("name %q refused with %.20q; want 404", raw, out)
		}
		if isPlain(raw) && !strings.Contains(raw, "..") && raw != "." && len(raw) <= 255 {
			t.Fatalf("plain name %q refused", raw)
		}
	})
}

func isPlain(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if !(isDigit(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// FuzzUpstreamRequest checks the backend's request parser: no panic, the
// consumed count within the buffer, delays within range, and a round trip.
func FuzzUpstreamRequest(f *testing.F) {
	for _, s := range []string{"5\n", "60000\n", "60001\n", "\n", "12", "5\r\n", "007\n1\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, ms, err := ParseUpstreamRequest(data)
		if err != nil || n == 0 {
			if n != 0 || ms != 0 {
				t.Fatalf("ParseUpstreamRequest = %d, %d, %v", n, ms, err)
			}
			return
		}
		if n > len(data) || data[n-1] != '\n' || ms < 0 || ms > MaxMillis {
			t.Fatalf("ParseUpstreamRequest(%q) = %d, %d", data, n, ms)
		}
		line := AppendUpstreamRequest(nil, ms)
		if n2, ms2, err := ParseUpstreamRequest(line); n2 != len(line) || ms2 != ms || err != nil {
			t.Fatalf("round trip of %d: %d, %d, %v", ms, n2, ms2, err)
		}
	})
}

// FuzzUpstreamReply checks the model's reply parser: no panic, the consumed
// count within the buffer, a body that is one line of the reply.
func FuzzUpstreamReply(f *testing.F) {
	for _, s := range []string{"upstream 5 ms\n", "upstream 5", "hello\n", "upstream \n", "\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, body, err := ParseUpstreamReply(data)
		if err != nil || n == 0 {
			if n != 0 || body != nil {
				t.Fatalf("ParseUpstreamReply = %d, %q, %v", n, body, err)
			}
			return
		}
		if n > len(data) || len(body) != n-1 || !bytes.HasPrefix(body, []byte("upstream ")) || bytes.IndexByte(body, '\n') >= 0 {
			t.Fatalf("ParseUpstreamReply(%q) = %d, %q", data, n, body)
		}
	})
}

// FuzzStream checks that a connection receiving the same bytes in chunks of
// any size sees the same requests as one receiving them at once, and fails
// at the same request if either fails: every split of a pipelined stream.
func FuzzStream(f *testing.F) {
	f.Add([]byte(get("/plaintext")+get("/json")+request("POST", "/", "HTTP/1.1", "Content-Length: 2")+"ab"+get("/sleep?ms=1")), uint8(1))
	f.Add([]byte(get("/plaintext")+get("/x", "A: b", " fold")), uint8(7))
	f.Add([]byte(get("/plaintext")+"GET / HTTP/1.1\r\nA: \x00\r\n\r\n"), uint8(3))
	f.Add([]byte(get("/fifo?ms=5")+get("/fifo?ms=x")+get("/json")), uint8(5))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		if expectsContinue(data) {
			return // answered before its body: how the bytes are split matters
		}
		whole, wholeErr := stream(data, len(data))
		split, splitErr := stream(data, int(chunk)+1)
		if strings.Join(whole, "|") != strings.Join(split, "|") || wholeErr != splitErr {
			t.Fatalf("at once: %q, failed %v; in chunks of %d: %q, failed %v", whole, wholeErr, int(chunk)+1, split, splitErr)
		}
	})
}

// stream parses data as a model does when it arrives in chunks of the given
// size, and returns the requests it saw and whether it ended on an error.
func stream(data []byte, chunk int) (seen []string, failed bool) {
	var buf []byte
	for off := 0; off < len(data); off += chunk {
		buf = append(buf, data[off:min(off+chunk, len(data))]...)
		for {
			var r Request
			n, err := Parse(buf, &r)
			if err != nil {
				return seen, true
			}
			if n == 0 {
				break
			}
			seen = append(seen, fmt.Sprintf("%d %q %q %d %v %d %v", r.Method, r.Path, r.Query, r.Minor, r.KeepAlive, r.ContentLength, r.BodyUnread))
			buf = buf[n:]
			if !r.KeepAlive || r.BodyUnread {
				return seen, false
			}
		}
	}
	return seen, false
}

// expectsContinue reports whether b may hold a request that expects
// 100-continue, which Parse answers before its body has come.
func expectsContinue(b []byte) bool {
	return bytes.Contains(bytes.ToLower(b), []byte("100-continue"))
}
