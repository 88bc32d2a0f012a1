package httpcheck

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// DefaultSeed and DefaultGenerated are what the committed corpus was
// generated with (`go run ./harness/httpcheck/gen`).
const (
	DefaultSeed      = 28
	DefaultGenerated = 800
)

// Generate returns the seed corpus followed by n generated requests, the
// same for the same seed: each generated request is a well-formed one (a
// route, a few ordinary headers in random case and spacing, perhaps a
// body) with exactly one fault or liberty of one kind applied.
func Generate(seed uint64, n int) []Entry {
	es := seedEntries()
	rng := rand.New(rand.NewPCG(seed, 0x48545450))
	for i := range n {
		m := baseMessage(rng)
		kind, what := applyFault(rng, &m)
		es = append(es, Entry{Kind: kind, Name: fmt.Sprintf("gen-%04d %s", i, what), Raw: []byte(m.render())})
	}
	return es
}

// message is a request in parts, so that a fault can change one part.
type message struct {
	method, target, version string
	headers                 []string // whole lines, without their line end
	body                    string
	eol                     string // the line end of the head ("\r\n" unless a fault changes it)
	prefix                  string // bytes before the request line
	raw                     string // when set, the whole request instead of the parts
}

func (m message) render() string {
	if m.raw != "" {
		return m.raw
	}
	var b strings.Builder
	b.WriteString(m.prefix + m.method + " " + m.target + " " + m.version + m.eol)
	for _, h := range m.headers {
		b.WriteString(h + m.eol)
	}
	b.WriteString(m.eol + m.body)
	return b.String()
}

var (
	baseTargets = []string{"/plaintext", "/json", "/sleep?ms=0", "/cpu?iter=1", "/nowhere", "/sleep?ms=x", "/json?a=1"}
	baseHeaders = []string{"User-Agent: httpcheck/1.0", "Accept: */*", "Accept-Encoding: gzip", "Cookie: a=b",
		"X-Request-Id: 42", "Cache-Control: no-cache", "Accept-Language: en"}
)

// baseMessage is a well-formed request: a route, Host and up to four
// other headers, names in random case and values with random optional
// whitespace, and for a POST a body with its length.
func baseMessage(rng *rand.Rand) message {
	m := message{method: "GET", target: pick(rng, baseTargets), version: "HTTP/1.1", eol: "\r\n"}
	m.headers = []string{host}
	for range rng.IntN(5) {
		m.headers = append(m.headers, pick(rng, baseHeaders))
	}
	rng.Shuffle(len(m.headers), func(i, j int) { m.headers[i], m.headers[j] = m.headers[j], m.headers[i] })
	for i, h := range m.headers {
		m.headers[i] = mangleHeader(rng, h)
	}
	if rng.IntN(5) == 0 {
		m.method, m.body = "POST", strings.Repeat("x", rng.IntN(64))
		m.headers = append(m.headers, "Content-Length: "+strconv.Itoa(len(m.body)))
	}
	return m
}

// mangleHeader changes a header line's name case and the optional
// whitespace around its value, as the grammar allows.
func mangleHeader(rng *rand.Rand, h string) string {
	name, value, _ := strings.Cut(h, ":")
	switch rng.IntN(4) {
	case 0:
		name = strings.ToLower(name)
	case 1:
		name = strings.ToUpper(name)
	}
	ows := []string{"", " ", "  ", "\t", " \t"}
	return name + ":" + pick(rng, ows) + strings.TrimSpace(value) + pick(rng, ows[:3])
}

// fault is one change of a kind: it returns what it did.
type fault struct {
	kind  string
	apply func(rng *rand.Rand, m *message) string
}

// faults are the changes applyFault chooses from, each as likely.
var faults = []fault{
	{KindValid, func(*rand.Rand, *message) string { return "well-formed" }},
	{KindMethod, faultMethod},
	{KindWhitespace, faultWhitespace},
	{KindObsFold, faultObsFold},
	{KindLength, faultLength},
	{KindChunked, faultChunked},
	{KindEncoding, faultEncoding},
	{KindSmuggle, faultSmuggle},
	{KindTarget, faultTarget},
	{KindHTTP10, faultHTTP10},
	{KindHost, faultHost},
	{KindLong, faultLong},
	{KindBareLF, faultBareLF},
	{KindBareCR, faultBareCR},
	{KindControl, faultControl},
	{KindVersion, faultVersion},
	{KindConnection, faultConnection},
	{KindExpect, faultExpect},
	{KindEmptyLines, faultEmptyLines},
	{KindGarbage, faultGarbage},
}

func applyFault(rng *rand.Rand, m *message) (kind, what string) {
	f := faults[rng.IntN(len(faults))]
	return f.kind, f.kind + ": " + f.apply(rng, m)
}

func faultMethod(rng *rand.Rand, m *message) string {
	m.method = pick(rng, []string{"get", "Get", "gET", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "FOO", "BREW", "G=T", "GE T"})
	return "method " + strconv.Quote(m.method)
}

func faultWhitespace(rng *rand.Rand, m *message) string {
	switch rng.IntN(6) {
	case 0:
		m.method += " "
		return "two spaces after the method"
	case 1:
		m.version = " " + m.version
		return "two spaces before the version"
	case 2:
		m.version += pick(rng, []string{" ", "\t"})
		return "whitespace after the version"
	case 3:
		i := rng.IntN(len(m.headers))
		name, value, _ := strings.Cut(m.headers[i], ":")
		m.headers[i] = name + pick(rng, []string{" ", "\t"}) + ":" + value
		return "whitespace before the colon of " + name
	case 4:
		m.headers[0] = " " + m.headers[0]
		return "whitespace before the first header"
	}
	m.method = "\t" + m.method
	return "tab before the method"
}

func faultObsFold(rng *rand.Rand, m *message) string {
	i := rng.IntN(len(m.headers) + 1)
	m.headers = insert(m.headers, i, pick(rng, []string{" ", "\t", "  "})+"folded")
	return "continuation line at header " + strconv.Itoa(i)
}

func faultLength(rng *rand.Rand, m *message) string {
	m.method, m.body = "POST", "hello"
	m.headers = dropHeader(m.headers, "content-length")
	v := pick(rng, [][]string{{"5", "5"}, {"5", "6"}, {"5, 5"}, {"-5"}, {"+5"}, {"05"}, {" 5 "}, {"5x"}, {"0x5"}, {""},
		{"99999999999999999999"}, {"4"}, {"6"}, {"1e1"}})
	for _, x := range v {
		m.headers = append(m.headers, pick(rng, []string{"Content-Length", "content-length", "CONTENT-LENGTH"})+": "+x)
	}
	return "Content-Length " + strconv.Quote(strings.Join(v, " | ")) + " with 5 bytes"
}

func faultChunked(rng *rand.Rand, m *message) string {
	m.method = "POST"
	m.headers = append(dropHeader(m.headers, "content-length"), "Transfer-Encoding: chunked")
	var b strings.Builder
	for range rng.IntN(4) {
		size := rng.IntN(20)
		b.WriteString(strconv.FormatInt(int64(size), 16) + pick(rng, []string{"", "", ";x=y", " "}) + "\r\n" + strings.Repeat("c", size) + "\r\n")
	}
	end := pick(rng, []string{"0\r\n\r\n", "0\r\n\r\n", "0\r\nX-Trailer: t\r\n\r\n", "0\r\n", "", "0\n\n", "g\r\n\r\n"})
	m.body = b.String() + end
	return "chunked body " + strconv.Quote(m.body)
}

func faultEncoding(rng *rand.Rand, m *message) string {
	m.method, m.body = "POST", "5\r\nhello\r\n0\r\n\r\n"
	m.headers = dropHeader(m.headers, "content-length")
	v := pick(rng, []string{"chunked", "Chunked", "gzip, chunked", "chunked, gzip", "identity", "deflate", "chunked;q=1", "chunked ,", ",chunked", "x"})
	m.headers = append(m.headers, "Transfer-Encoding: "+v)
	return "Transfer-Encoding " + strconv.Quote(v)
}

func faultSmuggle(rng *rand.Rand, m *message) string {
	m.method = "POST"
	m.headers = dropHeader(m.headers, "content-length")
	cl := "Content-Length: " + strconv.Itoa(rng.IntN(8))
	te := "Transfer-Encoding: " + pick(rng, []string{"chunked", "chunked", "gzip"})
	if rng.IntN(2) == 0 {
		m.headers = append(m.headers, cl, te)
	} else {
		m.headers = append(m.headers, te, cl)
	}
	m.body = "0\r\n\r\n" + smuggled
	return strings.Join(m.headers[len(m.headers)-2:], " and ") + ", a request in the body"
}

func faultTarget(rng *rand.Rand, m *message) string {
	m.target = pick(rng, []string{"http://loopbench" + m.target, "HTTP://LOOPBENCH" + m.target, "http://a@loopbench" + m.target,
		"*", "loopbench:80", "plaintext", "/" + m.target, m.target + "#f", "/./plaintext", "/%2e%2e/plaintext", m.target + "?&&"})
	return "target " + strconv.Quote(m.target)
}

func faultHTTP10(rng *rand.Rand, m *message) string {
	m.version = "HTTP/1.0"
	v := pick(rng, []string{"", "keep-alive", "Keep-Alive", "close", "keep-alive, close", "foo"})
	if v != "" {
		m.headers = append(m.headers, "Connection: "+v)
	}
	if rng.IntN(2) == 0 {
		m.headers = dropHeader(m.headers, "host")
	}
	return "HTTP/1.0 with Connection " + strconv.Quote(v) + " and " + strconv.Itoa(len(m.headers)) + " headers"
}

func faultHost(rng *rand.Rand, m *message) string {
	m.headers = dropHeader(m.headers, "host")
	switch v := pick(rng, []string{"none", "twice", "twice-same", "", "a b", "a/b", "a@b", "[::1]", "a:99999"}); v {
	case "none":
		return "no Host"
	case "twice":
		m.headers = append(m.headers, host, "Host: other")
		return "two Host lines"
	case "twice-same":
		m.headers = append(m.headers, host, host)
		return "two identical Host lines"
	default:
		m.headers = append(m.headers, "Host: "+v)
		return "Host " + strconv.Quote(v)
	}
}

func faultLong(rng *rand.Rand, m *message) string {
	n := pick(rng, []int{1 << 10, 4 << 10, 7 << 10, 9 << 10, 16 << 10, 100 << 10})
	switch rng.IntN(3) {
	case 0:
		m.target = "/json?" + strings.Repeat("q", n)
		return "target of " + strconv.Itoa(n) + " bytes"
	case 1:
		m.headers = append(m.headers, "X-Long: "+strings.Repeat("v", n))
		return "header value of " + strconv.Itoa(n) + " bytes"
	}
	k := n / 16
	m.headers = append(m.headers, numbered(k)...)
	return strconv.Itoa(k) + " more header lines"
}

func faultBareLF(rng *rand.Rand, m *message) string {
	if rng.IntN(3) == 0 {
		m.eol = "\n"
		return "every line ending in LF"
	}
	i := rng.IntN(len(m.headers))
	m.headers[i] += "\n" + pick(rng, []string{"X-After: 1", "X-B: c"})
	return "one header ending in LF"
}

func faultBareCR(rng *rand.Rand, m *message) string {
	i := rng.IntN(len(m.headers))
	m.headers[i] += "\r" + pick(rng, []string{"X-After: 1", "more", ""})
	return "CR without LF in header " + strconv.Itoa(i)
}

func faultControl(rng *rand.Rand, m *message) string {
	c := string([]byte{pick(rng, []byte{0x00, 0x01, 0x07, 0x08, 0x0b, 0x0c, 0x0e, 0x1f, 0x7f, 0x80, 0xc3, 0xff})})
	switch rng.IntN(3) {
	case 0:
		m.target = "/json?x" + c
		return "byte " + strconv.Quote(c) + " in the target"
	case 1:
		m.headers = append(m.headers, "X-C: a"+c+"b")
		return "byte " + strconv.Quote(c) + " in a value"
	}
	m.headers = append(m.headers, "X"+c+"C: a")
	return "byte " + strconv.Quote(c) + " in a name"
}

func faultVersion(rng *rand.Rand, m *message) string {
	m.version = pick(rng, []string{"HTTP/1.2", "HTTP/1.5", "HTTP/2.0", "HTTP/2", "HTTP/0.9", "HTTP/1.01", "HTTP/1.1x", "Http/1.1", "HTTP/1,1", "HTTP/9.9", ""})
	return "version " + strconv.Quote(m.version)
}

func faultConnection(rng *rand.Rand, m *message) string {
	v := pick(rng, []string{"close", "CLOSE", "keep-alive", "close, keep-alive", "upgrade", "foo, close", ",close", "clos", "close,"})
	m.headers = append(m.headers, "Connection: "+v)
	return "Connection " + strconv.Quote(v)
}

func faultExpect(rng *rand.Rand, m *message) string {
	m.method, m.body = "POST", pick(rng, []string{"hello", ""})
	m.headers = append(dropHeader(m.headers, "content-length"), "Content-Length: 5", "Expect: "+pick(rng, []string{"100-continue", "100-Continue", "200-ok"}))
	return "expectation with a body of " + strconv.Itoa(len(m.body)) + " bytes sent"
}

func faultEmptyLines(rng *rand.Rand, m *message) string {
	m.prefix = strings.Repeat(pick(rng, []string{"\r\n", "\n", " \r\n"}), 1+rng.IntN(3))
	return "prefix " + strconv.Quote(m.prefix)
}

func faultGarbage(rng *rand.Rand, m *message) string {
	b := make([]byte, 1+rng.IntN(200))
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	*m = message{raw: string(b) + "\r\n\r\n"}
	return strconv.Itoa(len(b)) + " random bytes"
}

// pick returns a random element of xs.
func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// insert puts s at index i of xs.
func insert(xs []string, i int, s string) []string {
	return append(xs[:i], append([]string{s}, xs[i:]...)...)
}

// dropHeader removes the header lines named name (any case).
func dropHeader(hs []string, name string) []string {
	out := hs[:0]
	for _, h := range hs {
		if n, _, _ := strings.Cut(h, ":"); !strings.EqualFold(strings.TrimSpace(n), name) {
			out = append(out, h)
		}
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }
