package app

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRoutes checks every route's status and exact body, and the parameter
// rules, through the parser as a model would call it.
func TestRoutes(t *testing.T) {
	cpu1 := "81510d5b459aa99458a70de311caf59383b2dd789792caa57f649d17b6433557"
	tests := []struct {
		name   string
		target string
		status int
		body   string
		ctype  string
	}{
		// The fixed bodies.
		{"plaintext", "/plaintext", 200, "Hello, World!", typeText},
		{"json", "/json", 200, `{"message":"Hello, World!"}`, typeJSON},
		{"plaintext ignores a query", "/plaintext?x=1", 200, "Hello, World!", typeText},
		// /sleep and /upstream: ms in 0..60000.
		{"sleep 0", "/sleep?ms=0", 200, "slept 0 ms", typeText},
		{"sleep 60000", "/sleep?ms=60000", 200, "slept 60000 ms", typeText},
		{"sleep leading zeros", "/sleep?ms=007", 200, "slept 7 ms", typeText},
		{"sleep among other parameters", "/sleep?a=b&ms=12&c", 200, "slept 12 ms", typeText},
		{"sleep 60001", "/sleep?ms=60001", 400, "Bad Request", typeText},
		{"sleep negative", "/sleep?ms=-1", 400, "Bad Request", typeText},
		{"sleep plus sign", "/sleep?ms=+1", 400, "Bad Request", typeText},
		{"sleep empty", "/sleep?ms=", 400, "Bad Request", typeText},
		{"sleep missing", "/sleep", 400, "Bad Request", typeText},
		{"sleep not a number", "/sleep?ms=1e3", 400, "Bad Request", typeText},
		{"sleep overflowing", "/sleep?ms=99999999999999999999", 400, "Bad Request", typeText},
		{"upstream", "/upstream?ms=5", 200, "upstream 5 ms", typeText},
		{"upstream 60001", "/upstream?ms=60001", 400, "Bad Request", typeText},
		// /fifo: ms in 0..60000, as /sleep.
		{"fifo 0", "/fifo?ms=0", 200, "fifo 0 ms", typeText},
		{"fifo 20", "/fifo?ms=20", 200, "fifo 20 ms", typeText},
		{"fifo 60000", "/fifo?ms=60000", 200, "fifo 60000 ms", typeText},
		{"fifo leading zeros", "/fifo?ms=007", 200, "fifo 7 ms", typeText},
		{"fifo 60001", "/fifo?ms=60001", 400, "Bad Request", typeText},
		{"fifo negative", "/fifo?ms=-1", 400, "Bad Request", typeText},
		{"fifo empty", "/fifo?ms=", 400, "Bad Request", typeText},
		{"fifo missing", "/fifo", 400, "Bad Request", typeText},
		{"fifo not a number", "/fifo?ms=2x", 400, "Bad Request", typeText},
		{"fifo trailing slash", "/fifo/?ms=1", 404, "Not Found", typeText},
		// /cpu: iter in 1..10000000; the key is PBKDF2-HMAC-SHA256 as hex.
		{"cpu 1", "/cpu?iter=1", 200, cpu1, typeText},
		{"cpu 0", "/cpu?iter=0", 400, "Bad Request", typeText},
		{"cpu 10000001", "/cpu?iter=10000001", 400, "Bad Request", typeText},
		{"cpu missing", "/cpu", 400, "Bad Request", typeText},
		// /file: the stand-in result names the validated file.
		{"file", "/file?name=small.bin", 200, "file small.bin", typeBinary},
		{"file without name", "/file", 400, "Bad Request", typeText},
		// Unknown paths.
		{"root", "/", 404, "Not Found", typeText},
		{"trailing slash", "/plaintext/", 404, "Not Found", typeText},
		{"case matters", "/PLAINTEXT", 404, "Not Found", typeText},
		{"encoded path is not decoded", "/plain%74ext", 404, "Not Found", typeText},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, closed := converse(t, []byte(get(tt.target)))
			rs := readResponses(t, out, false)
			if closed || len(rs) != 1 {
				t.Fatalf("answer %q closed=%v; want one answer, kept alive", out, closed)
			}
			r := rs[0]
			if r.status != tt.status || r.body != tt.body || r.header["Content-Type"] != tt.ctype {
				t.Fatalf("got %d %q (%s); want %d %q (%s)", r.status, r.body, r.header["Content-Type"], tt.status, tt.body, tt.ctype)
			}
			checkHeaders(t, r)
		})
	}
}

// checkHeaders checks the headers every response carries.
func checkHeaders(t *testing.T, r response) {
	t.Helper()
	if r.header["Server"] != "loopbench" {
		t.Errorf("Server header %q; want loopbench", r.header["Server"])
	}
	d, err := time.Parse(httpDate, r.header["Date"])
	if err != nil || time.Since(d).Abs() > 2*time.Second {
		t.Errorf("Date header %q: %v", r.header["Date"], err)
	}
}

// TestFileNames checks the /file confinement: names are percent-decoded,
// then only plain names from the data directory are accepted.
func TestFileNames(t *testing.T) {
	tests := []struct {
		raw  string
		want string // "" means refused with 404
	}{
		{"small.bin", "small.bin"},               // a data file
		{"Large-File_2.bin", "Large-File_2.bin"}, // every allowed character class
		{"%73mall.bin", "small.bin"},             // percent-decoded first
		{"small%2Ebin", "small.bin"},             // upper-case hex
		{".hidden", ".hidden"},                   // a leading dot is still a plain name
		{"..", ""},                               // the parent directory
		{"%2e%2e", ""},                           // the parent, encoded
		{"a..b", ""},                             // ".." anywhere
		{".", ""},                                // the directory itself
		{"", ""},                                 // empty
		{"../etc/passwd", ""},                    // traversal
		{"%2e%2e%2fetc%2fpasswd", ""},            // encoded traversal
		{"sub/small.bin", ""},                    // a separator
		{"sub%2Fsmall.bin", ""},                  // an encoded separator
		{"sub%5Csmall.bin", ""},                  // a backslash
		{"small.bin%00", ""},                     // an encoded NUL
		{"small bin", ""},                        // a space (as a client could encode it)
		{"sm%all.bin", ""},                       // a bad escape
		{"small.bin%", ""},                       // a truncated escape
		{"small.bin%4", ""},                      // a truncated escape
		{"caf%C3%A9", ""},                        // non-ASCII
		{strings.Repeat("a", 255), strings.Repeat("a", 255)}, // the longest name
		{strings.Repeat("a", 256), ""},                       // too long
	}
	for _, tt := range tests {
		r := Request{Method: MethodGet, Path: []byte("/file"), Query: []byte("name=" + tt.raw), Minor: 1, KeepAlive: true}
		out, a := Handle(nil, &r)
		switch {
		case tt.want == "" && (a.Op != OpNone || !strings.HasPrefix(string(out), "HTTP/1.1 404 ")):
			t.Errorf("name %q: op %v, answer %.40q; want 404", tt.raw, a.Op, out)
		case tt.want != "" && (a.Op != OpFile || a.Name != tt.want || len(out) != 0):
			t.Errorf("name %q: op %v name %q; want file %q", tt.raw, a.Op, a.Name, tt.want)
		}
	}
}

// TestMethods checks HEAD (same headers, no body) and 405 for other methods.
func TestMethods(t *testing.T) {
	for _, target := range []string{"/plaintext", "/json", "/sleep?ms=3", "/upstream?ms=3", "/cpu?iter=2", "/file?name=small.bin", "/fifo?ms=3", "/nowhere", "/sleep?ms=x"} {
		getOut, _, _ := converse(t, []byte(get(target)))
		headOut, _, closed := converse(t, []byte(request("HEAD", target, "HTTP/1.1")))
		g, h := readResponses(t, getOut, false)[0], readResponses(t, headOut, true)
		if closed || len(h) != 1 || h[0].status != g.status || h[0].header["Content-Length"] != g.header["Content-Length"] {
			t.Errorf("HEAD %s: %q; want GET's status and Content-Length without the body", target, headOut)
		}
	}
	for _, m := range []string{"POST", "PUT", "DELETE", "OPTIONS", "PATCH", "get"} {
		out, _, closed := converse(t, []byte(request(m, "/plaintext", "HTTP/1.1")))
		rs := readResponses(t, out, false)
		if closed || len(rs) != 1 || rs[0].status != 405 || rs[0].body != "Method Not Allowed" {
			t.Errorf("%s: %q closed=%v; want 405, kept alive", m, out, closed)
		}
	}
}

// TestConnectionHeader checks how answers frame the connection: nothing
// extra for 1.1 keep-alive, keep-alive for 1.0 that asked, close otherwise.
func TestConnectionHeader(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  string
		close bool
	}{
		{"1.1", get("/json"), "", false},                                                                                       // the default
		{"1.1 close", get("/json", "Connection: close"), "close", true},                                                        // asked to close
		{"1.0", request("GET", "/json", "HTTP/1.0"), "close", true},                                                            // 1.0 default
		{"1.0 keep-alive", request("GET", "/json", "HTTP/1.0", "Connection: keep-alive"), "keep-alive", false},                 // 1.0 that asked
		{"1.0 keep-alive, deferred", request("GET", "/sleep?ms=1", "HTTP/1.0", "Connection: keep-alive"), "keep-alive", false}, // through Finish
		{"1.1 close, error", get("/sleep?ms=-1", "Connection: close"), "close", true},                                          // a 400 route answer
	}
	for _, tt := range tests {
		out, _, closed := converse(t, []byte(tt.in))
		rs := readResponses(t, out, false)
		if closed != tt.close || rs[0].header["Connection"] != tt.want {
			t.Errorf("%s: Connection %q closed=%v; want %q, %v", tt.name, rs[0].header["Connection"], closed, tt.want, tt.close)
		}
	}
}

// TestFinishErrors checks how failed deferred operations are answered.
func TestFinishErrors(t *testing.T) {
	tests := []struct {
		name   string
		a      Action
		err    error
		status int
	}{
		{"missing file", Action{Op: OpFile, Name: "x", KeepAlive: true}, fs.ErrNotExist, 404},      // a name that is not there
		{"unreadable file", Action{Op: OpFile, Name: "x", KeepAlive: true}, fs.ErrPermission, 500}, // any other failure
		{"backend down", Action{Op: OpUpstream, Millis: 1, KeepAlive: true}, errors.New("refused"), 502},
		{"sleep failed", Action{Op: OpSleep, Millis: 1, KeepAlive: true}, errors.New("x"), 500},
		{"fifo without a backend", Action{Op: OpFIFO, Millis: 1, KeepAlive: true}, errors.New("no such device or address"), 502},
		{"fifo slots all taken", Action{Op: OpFIFO, Millis: 1, KeepAlive: true}, fmt.Errorf("slot: %w", ErrFIFOBusy), 503},
	}
	for _, tt := range tests {
		rs := readResponses(t, Finish(nil, &tt.a, nil, tt.err), false)
		if len(rs) != 1 || rs[0].status != tt.status || rs[0].body != string(statusText(tt.status)) {
			t.Errorf("%s: %+v; want %d", tt.name, rs, tt.status)
		}
	}
}

// TestSleepBody checks the /sleep body and its Content-Length.
func TestSleepBody(t *testing.T) {
	for _, ms := range []int{0, 9, 10, 99, 100, 60000} {
		a := Action{Op: OpSleep, Millis: ms, KeepAlive: true}
		rs := readResponses(t, Finish(nil, &a, nil, nil), false)
		if want := "slept " + strconv.Itoa(ms) + " ms"; rs[0].body != want {
			t.Errorf("ms=%d: body %q; want %q", ms, rs[0].body, want)
		}
	}
}

// TestAppendError checks that a non-protocol error still gets a 400.
func TestAppendError(t *testing.T) {
	rs := readResponses(t, AppendError(nil, errors.New("other")), false)
	if rs[0].status != 400 || rs[0].header["Connection"] != "close" {
		t.Fatalf("got %+v; want 400 that closes", rs[0])
	}
}
