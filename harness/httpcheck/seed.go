package httpcheck

import "strings"

// The kinds of corpus entries: the one property each request tests.
const (
	KindValid      = "valid"               // well-formed, with the liberties the grammar allows
	KindMethod     = "method"              // method case and unknown methods
	KindWhitespace = "whitespace"          // whitespace where the grammar has none, or more of it
	KindObsFold    = "obs-fold"            // obsolete line folding (RFC 9112 §5.2)
	KindLength     = "content-length"      // odd, duplicate and conflicting Content-Length
	KindChunked    = "chunked"             // chunked bodies, well-formed and not
	KindEncoding   = "transfer-encoding"   // Transfer-Encoding values
	KindSmuggle    = "length-and-encoding" // Content-Length with Transfer-Encoding
	KindTarget     = "target"              // absolute-form, asterisk-form, authority-form, odd bytes
	KindHTTP10     = "http/1.0"            // HTTP/1.0 with and without keep-alive
	KindHost       = "host"                // missing, duplicate, empty and invalid Host
	KindLong       = "long-line"           // long targets, values and many header lines
	KindBareLF     = "bare-lf"             // lines ending in LF alone
	KindBareCR     = "bare-cr"             // CR not followed by LF
	KindControl    = "control-bytes"       // NUL, other controls and bytes over 0x7F
	KindVersion    = "version"             // HTTP versions
	KindConnection = "connection"          // Connection options
	KindExpect     = "expect"              // Expect: 100-continue
	KindEmptyLines = "empty-lines"         // empty lines before the request line
	KindGarbage    = "garbage"             // bytes that are no request
)

// Kinds is every kind, in the order reports list them.
var Kinds = []string{KindValid, KindMethod, KindWhitespace, KindObsFold, KindLength, KindChunked, KindEncoding,
	KindSmuggle, KindTarget, KindHTTP10, KindHost, KindLong, KindBareLF, KindBareCR, KindControl, KindVersion,
	KindConnection, KindExpect, KindEmptyLines, KindGarbage}

// rq builds a request from its request line and header lines, each ended
// by CRLF, and a body.
func rq(line string, headers ...string) string {
	var b strings.Builder
	b.WriteString(line + "\r\n")
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

const host = "Host: loopbench"

// smuggled is a second request hidden in a body: answered only by a
// server that took the body's framing differently.
const smuggled = "GET /json HTTP/1.1\r\nHost: loopbench\r\n\r\n"

// seedEntries are the hand-written requests: each liberty and each fault
// once. They are the seed corpus, and the start of the full one.
func seedEntries() []Entry {
	var es []Entry
	add := func(kind, name, raw string) { es = append(es, Entry{Kind: kind, Name: name, Raw: []byte(raw)}) }
	for _, t := range []string{"/plaintext", "/json", "/sleep?ms=0", "/cpu?iter=1", "/nowhere", "/sleep?ms=-1", "/json?a=1&b=2"} {
		add(KindValid, "GET "+t, rq("GET "+t+" HTTP/1.1", host))
	}
	add(KindValid, "HEAD /plaintext", rq("HEAD /plaintext HTTP/1.1", host))
	add(KindValid, "many ordinary headers", rq("GET /plaintext HTTP/1.1", host, "User-Agent: curl/8.0", "Accept: */*", "Accept-Encoding: gzip, deflate", "Cookie: a=b; c=d", "X-Forwarded-For: 10.0.0.1"))
	add(KindValid, "header names in odd case", rq("GET /plaintext HTTP/1.1", "hOsT: loopbench", "ACCEPT: */*", "x-lower: y"))
	add(KindValid, "tabs and spaces around a value", rq("GET /plaintext HTTP/1.1", "Host:\t loopbench \t", "Accept:*/*"))
	add(KindValid, "empty header value", rq("GET /plaintext HTTP/1.1", host, "X-Empty:"))
	add(KindValid, "POST with a body", rq("POST /plaintext HTTP/1.1", host, "Content-Length: 5")+"hello")
	add(KindValid, "GET with a body", rq("GET /plaintext HTTP/1.1", host, "Content-Length: 5")+"hello")
	add(KindValid, "Content-Length 0", rq("GET /plaintext HTTP/1.1", host, "Content-Length: 0"))
	add(KindValid, "query with percent-encoding", rq("GET /json?q=%20a%2Fb HTTP/1.1", host))
	add(KindValid, "percent-encoded path", rq("GET /plain%74ext HTTP/1.1", host))
	add(KindValid, "two pipelined requests", rq("GET /plaintext HTTP/1.1", host)+smuggled)
	for _, m := range []string{"get", "Get", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "FOO", "G@T", "GET\x7f"} {
		add(KindMethod, "method "+m, rq(m+" /plaintext HTTP/1.1", host))
	}
	add(KindMethod, "CONNECT authority-form", rq("CONNECT loopbench:80 HTTP/1.1", host))
	add(KindMethod, "no method", rq(" /plaintext HTTP/1.1", host))
	for _, p := range [][2]string{
		{"two spaces after the method", "GET  /plaintext HTTP/1.1"},
		{"two spaces before the version", "GET /plaintext  HTTP/1.1"},
		{"tab between the parts", "GET\t/plaintext\tHTTP/1.1"},
		{"space after the version", "GET /plaintext HTTP/1.1 "},
		{"space before the method", " GET /plaintext HTTP/1.1"},
		{"space inside the target", "GET /plain text HTTP/1.1"},
	} {
		add(KindWhitespace, p[0], rq(p[1], host))
	}
	add(KindWhitespace, "space before the colon", rq("GET /plaintext HTTP/1.1", "Host : loopbench"))
	add(KindWhitespace, "space inside a header name", rq("GET /plaintext HTTP/1.1", host, "X Y: z"))
	add(KindWhitespace, "whitespace before the first header", rq("GET /plaintext HTTP/1.1", " "+host))
	add(KindObsFold, "obs-fold with a space", rq("GET /plaintext HTTP/1.1", host, "X-A: a", " b"))
	add(KindObsFold, "obs-fold with a tab", rq("GET /plaintext HTTP/1.1", host, "X-A: a", "\tb"))
	add(KindObsFold, "obs-fold of Host", rq("GET /plaintext HTTP/1.1", "Host:", " loopbench"))
	return append(es, seedFraming()...)
}

// seedFraming are the hand-written requests about framing, targets,
// versions and bytes.
func seedFraming() []Entry {
	var es []Entry
	add := func(kind, name, raw string) { es = append(es, Entry{Kind: kind, Name: name, Raw: []byte(raw)}) }
	post := func(hs ...string) string { return rq("POST /plaintext HTTP/1.1", append([]string{host}, hs...)...) }
	add(KindLength, "identical duplicate Content-Length", post("Content-Length: 5", "Content-Length: 5")+"hello")
	add(KindLength, "differing duplicate Content-Length", post("Content-Length: 5", "Content-Length: 6")+"hello!")
	add(KindLength, "Content-Length list", post("Content-Length: 5, 5")+"hello")
	add(KindLength, "negative Content-Length", post("Content-Length: -1"))
	add(KindLength, "Content-Length with a plus", post("Content-Length: +5")+"hello")
	add(KindLength, "Content-Length in hex", post("Content-Length: 0x5")+"hello")
	add(KindLength, "Content-Length with leading zeros", post("Content-Length: 005")+"hello")
	add(KindLength, "empty Content-Length", post("Content-Length:"))
	add(KindLength, "Content-Length with a space inside", post("Content-Length: 1 0")+"helloworld")
	add(KindLength, "Content-Length over 2^63", post("Content-Length: 99999999999999999999"))
	add(KindLength, "Content-Length longer than the body sent", post("Content-Length: 10")+"hello")
	add(KindLength, "body over 64 KiB", post("Content-Length: 70000")+strings.Repeat("b", 70000))
	add(KindLength, "Content-Length hiding a request", post("Content-Length: 0")+smuggled)
	add(KindChunked, "chunked body", post("Transfer-Encoding: chunked")+"5\r\nhello\r\n0\r\n\r\n")
	add(KindChunked, "chunked with an extension", post("Transfer-Encoding: chunked")+"5;ext=1\r\nhello\r\n0\r\n\r\n")
	add(KindChunked, "chunked with a trailer", post("Transfer-Encoding: chunked")+"5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n")
	add(KindChunked, "chunked in upper-case hex", post("Transfer-Encoding: chunked")+"A\r\nhelloworld\r\n0\r\n\r\n")
	add(KindChunked, "chunk size not hex", post("Transfer-Encoding: chunked")+"zz\r\nhello\r\n0\r\n\r\n")
	add(KindChunked, "chunk size overflowing", post("Transfer-Encoding: chunked")+"fffffffffffffffff\r\nhello\r\n0\r\n\r\n")
	add(KindChunked, "chunked without the last chunk", post("Transfer-Encoding: chunked")+"5\r\nhello\r\n")
	add(KindChunked, "chunk data longer than its size", post("Transfer-Encoding: chunked")+"3\r\nhello\r\n0\r\n\r\n")
	add(KindChunked, "chunked body hiding a request", post("Transfer-Encoding: chunked")+"0\r\n\r\n"+smuggled)
	for _, te := range []string{"CHUNKED", "gzip, chunked", "chunked, gzip", "identity", "gzip", "xchunked", "chunked, chunked", " chunked"} {
		add(KindEncoding, "Transfer-Encoding: "+strings.TrimSpace(te)+" ("+te+")", post("Transfer-Encoding:"+te)+"5\r\nhello\r\n0\r\n\r\n")
	}
	add(KindEncoding, "two Transfer-Encoding lines", post("Transfer-Encoding: gzip", "Transfer-Encoding: chunked")+"5\r\nhello\r\n0\r\n\r\n")
	add(KindEncoding, "Transfer-Encoding in HTTP/1.0", rq("POST /plaintext HTTP/1.0", host, "Transfer-Encoding: chunked")+"5\r\nhello\r\n0\r\n\r\n")
	add(KindSmuggle, "Content-Length then chunked", post("Content-Length: 4", "Transfer-Encoding: chunked")+"0\r\n\r\n"+smuggled)
	add(KindSmuggle, "chunked then Content-Length", post("Transfer-Encoding: chunked", "Content-Length: 4")+"0\r\n\r\n"+smuggled)
	add(KindSmuggle, "Content-Length with gzip coding", post("Content-Length: 5", "Transfer-Encoding: gzip")+"hello")
	for _, p := range [][2]string{
		{"absolute-form", "http://loopbench/plaintext"}, {"absolute-form with a port", "http://loopbench:8080/json?x=1"},
		{"absolute-form https", "https://loopbench/plaintext"}, {"absolute-form without a path", "http://loopbench"},
		{"asterisk-form", "*"}, {"authority-form on GET", "loopbench:80"}, {"target with a fragment", "/plaintext#top"},
		{"target with a dot segment", "/x/../plaintext"}, {"target of two slashes", "//plaintext"}, {"target with a raw quote", "/json?\""},
	} {
		add(KindTarget, p[0], rq("GET "+p[1]+" HTTP/1.1", host))
	}
	add(KindTarget, "OPTIONS asterisk-form", rq("OPTIONS * HTTP/1.1", host))
	add(KindHTTP10, "HTTP/1.0", rq("GET /plaintext HTTP/1.0"))
	add(KindHTTP10, "HTTP/1.0 keep-alive", rq("GET /plaintext HTTP/1.0", "Connection: keep-alive"))
	add(KindHTTP10, "HTTP/1.0 Keep-Alive in odd case", rq("GET /plaintext HTTP/1.0", "Connection: Keep-Alive"))
	add(KindHTTP10, "HTTP/1.0 keep-alive with Host", rq("GET /plaintext HTTP/1.0", host, "Connection: keep-alive"))
	add(KindHTTP10, "HTTP/1.0 keep-alive, close", rq("GET /plaintext HTTP/1.0", "Connection: keep-alive, close"))
	add(KindHTTP10, "HTTP/1.0 HEAD keep-alive", rq("HEAD /plaintext HTTP/1.0", "Connection: keep-alive"))
	add(KindHost, "no Host", rq("GET /plaintext HTTP/1.1"))
	add(KindHost, "two Host lines", rq("GET /plaintext HTTP/1.1", host, "Host: other"))
	add(KindHost, "two identical Host lines", rq("GET /plaintext HTTP/1.1", host, host))
	add(KindHost, "empty Host", rq("GET /plaintext HTTP/1.1", "Host:"))
	add(KindHost, "Host with a space", rq("GET /plaintext HTTP/1.1", "Host: loop bench"))
	add(KindHost, "Host with a slash", rq("GET /plaintext HTTP/1.1", "Host: loop/bench"))
	add(KindHost, "Host with a port", rq("GET /plaintext HTTP/1.1", "Host: loopbench:8080"))
	add(KindHost, "Host as IPv6", rq("GET /plaintext HTTP/1.1", "Host: [::1]:8080"))
	for _, n := range []int{2 << 10, 9 << 10, 70 << 10} {
		add(KindLong, "target of "+itoa(n)+" bytes", rq("GET /json?"+strings.Repeat("a", n)+" HTTP/1.1", host))
		add(KindLong, "header value of "+itoa(n)+" bytes", rq("GET /json HTTP/1.1", host, "X-Long: "+strings.Repeat("v", n)))
	}
	add(KindLong, "100 header lines", rq("GET /json HTTP/1.1", append([]string{host}, numbered(100)...)...))
	add(KindLong, "1000 header lines", rq("GET /json HTTP/1.1", append([]string{host}, numbered(1000)...)...))
	return append(es, seedBytes()...)
}

// seedBytes are the hand-written requests about line ends, bytes and
// versions.
func seedBytes() []Entry {
	var es []Entry
	add := func(kind, name, raw string) { es = append(es, Entry{Kind: kind, Name: name, Raw: []byte(raw)}) }
	add(KindBareLF, "bare LF everywhere", "GET /plaintext HTTP/1.1\nHost: loopbench\n\n")
	add(KindBareLF, "bare LF after the request line", "GET /plaintext HTTP/1.1\nHost: loopbench\r\n\r\n")
	add(KindBareLF, "bare LF after a header", "GET /plaintext HTTP/1.1\r\nHost: loopbench\n\r\n")
	add(KindBareLF, "bare LF ending the head", "GET /plaintext HTTP/1.1\r\nHost: loopbench\r\n\n")
	add(KindBareCR, "bare CR in a value", rq("GET /plaintext HTTP/1.1", host, "X-A: a\rb"))
	add(KindBareCR, "bare CR ending a line", "GET /plaintext HTTP/1.1\rHost: loopbench\r\n\r\n")
	add(KindBareCR, "bare CR in the target", rq("GET /plain\rtext HTTP/1.1", host))
	for _, c := range []byte{0x00, 0x01, 0x08, 0x0b, 0x0c, 0x1b, 0x7f, 0x80, 0xff} {
		x := string([]byte{c})
		hex := "0x" + strings.ToUpper(string("0123456789abcdef"[c>>4])+string("0123456789abcdef"[c&15]))
		add(KindControl, "byte "+hex+" in a value", rq("GET /plaintext HTTP/1.1", host, "X-A: a"+x+"b"))
		add(KindControl, "byte "+hex+" in the target", rq("GET /json?a"+x+"b HTTP/1.1", host))
		add(KindControl, "byte "+hex+" in a header name", rq("GET /plaintext HTTP/1.1", host, "X-"+x+"A: b"))
	}
	for _, v := range []string{"HTTP/1.2", "HTTP/1.9", "HTTP/2.0", "HTTP/0.9", "HTTP/1.10", "http/1.1", "HTTP/1", "HTTP/1.1.1", "HTTP/11", "HTTP/ 1.1", "FOO/1.1", "HTTP/3.0"} {
		add(KindVersion, "version "+v, rq("GET /plaintext "+v, host))
	}
	add(KindVersion, "no version", rq("GET /plaintext", host))
	for _, v := range []string{"close", "keep-alive", "Close", "close, keep-alive", "keep-alive, close", "foo", "Upgrade", "TE, close"} {
		add(KindConnection, "Connection: "+v, rq("GET /plaintext HTTP/1.1", host, "Connection: "+v))
	}
	add(KindConnection, "two Connection lines", rq("GET /plaintext HTTP/1.1", host, "Connection: keep-alive", "Connection: close"))
	add(KindConnection, "websocket upgrade", rq("GET /plaintext HTTP/1.1", host, "Connection: Upgrade", "Upgrade: websocket"))
	add(KindConnection, "h2c upgrade", rq("GET /plaintext HTTP/1.1", host, "Connection: Upgrade, HTTP2-Settings", "Upgrade: h2c", "HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA"))
	add(KindExpect, "100-continue with the body", rq("POST /plaintext HTTP/1.1", host, "Content-Length: 5", "Expect: 100-continue")+"hello")
	add(KindExpect, "100-continue without the body", rq("POST /plaintext HTTP/1.1", host, "Content-Length: 5", "Expect: 100-continue"))
	add(KindExpect, "100-continue without a body", rq("GET /plaintext HTTP/1.1", host, "Expect: 100-continue"))
	add(KindExpect, "unknown expectation", rq("GET /plaintext HTTP/1.1", host, "Expect: magic"))
	add(KindEmptyLines, "one empty line first", "\r\n"+rq("GET /plaintext HTTP/1.1", host))
	add(KindEmptyLines, "three empty lines first", "\r\n\r\n\r\n"+rq("GET /plaintext HTTP/1.1", host))
	add(KindEmptyLines, "an empty line after a body", rq("POST /plaintext HTTP/1.1", host, "Content-Length: 5")+"hello\r\n")
	add(KindGarbage, "a word", "GARBAGE\r\n\r\n")
	add(KindGarbage, "TLS client hello", "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n")
	add(KindGarbage, "HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
	add(KindGarbage, "only CRLFs", "\r\n\r\n")
	return es
}

// numbered returns n distinct header lines.
func numbered(n int) []string {
	hs := make([]string, n)
	for i := range hs {
		hs[i] = "X-H" + itoa(i) + ": " + itoa(i)
	}
	return hs
}
