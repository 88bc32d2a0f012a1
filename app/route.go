package app

import (
	"bytes"
)

// Op is the deferred operation a request needs before it can be answered.
type Op uint8

// The deferred operations. OpNone means the response is already written.
const (
	OpNone     Op = iota
	OpSleep       // wait Millis milliseconds: a timer
	OpUpstream    // ask the backend, which answers after Millis: network I/O
	OpFile        // read the data file Name: disk I/O
	OpCPU         // PBKDF2 with Iter iterations: CPU
)

var opNames = [...]string{"none", "sleep", "upstream", "file", "cpu"}

func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return "unknown"
}

// Parameter ranges; a value outside them is answered 400.
const (
	MaxMillis = 60000
	MinIter   = 1
	MaxIter   = 10000000
)

// Action describes a deferred operation and how its answer must be framed.
// It holds no reference to the request buffer, so a model may keep it while
// it reads further requests.
type Action struct {
	Op     Op
	Millis int    // OpSleep, OpUpstream
	Iter   int    // OpCPU
	Name   string // OpFile: a validated plain file name
	// Head suppresses the body; KeepAlive and Minor frame the connection header.
	Head      bool
	KeepAlive bool
	Minor     int
}

// Handle routes one parsed request. For a request it can answer at once it
// appends the whole response to dst and returns an Action with Op == OpNone.
// Otherwise it returns dst unchanged and the deferred operation; the model
// performs it and then calls Finish.
func Handle(dst []byte, r *Request) ([]byte, Action) {
	a := Action{Head: r.Method == MethodHead, KeepAlive: r.KeepAlive && !r.BodyUnread, Minor: r.Minor}
	if r.Method == MethodOther {
		return appendStatus(dst, &a, 405), a
	}
	switch string(r.Path) {
	case "/plaintext":
		return appendResponse(dst, &a, 200, typeText, plaintextBody), a
	case "/json":
		return appendResponse(dst, &a, 200, typeJSON, jsonBody), a
	case "/sleep":
		return routeMillis(dst, r, a, OpSleep)
	case "/upstream":
		return routeMillis(dst, r, a, OpUpstream)
	case "/cpu":
		return routeCPU(dst, r, a)
	case "/file":
		return routeFile(dst, r, a)
	}
	return appendStatus(dst, &a, 404), a
}

func routeMillis(dst []byte, r *Request, a Action, op Op) ([]byte, Action) {
	ms, ok := intParam(r.Query, "ms", 0, MaxMillis)
	if !ok {
		return appendStatus(dst, &a, 400), a
	}
	a.Op, a.Millis = op, ms
	return dst, a
}

func routeCPU(dst []byte, r *Request, a Action) ([]byte, Action) {
	iter, ok := intParam(r.Query, "iter", MinIter, MaxIter)
	if !ok {
		return appendStatus(dst, &a, 400), a
	}
	a.Op, a.Iter = OpCPU, iter
	return dst, a
}

func routeFile(dst []byte, r *Request, a Action) ([]byte, Action) {
	raw, found := param(r.Query, "name")
	if !found {
		return appendStatus(dst, &a, 400), a
	}
	name, ok := fileName(raw)
	if !ok {
		return appendStatus(dst, &a, 404), a
	}
	a.Op, a.Name = OpFile, name
	return dst, a
}

// param finds key in a query string. It does not allocate.
func param(q []byte, key string) ([]byte, bool) {
	for len(q) > 0 {
		var kv []byte
		if i := bytes.IndexByte(q, '&'); i >= 0 {
			kv, q = q[:i], q[i+1:]
		} else {
			kv, q = q, nil
		}
		k, v, _ := bytes.Cut(kv, []byte{'='})
		if string(k) == key {
			return v, true
		}
	}
	return nil, false
}

// intParam reads a decimal parameter and checks it against [lo, hi].
func intParam(q []byte, key string, lo, hi int) (int, bool) {
	v, found := param(q, key)
	if !found || len(v) == 0 || len(v) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range v {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, lo <= n && n <= hi
}

// fileName percent-decodes a /file name and accepts it only if it is a plain
// name: letters, digits, '.', '_' and '-', neither "." nor containing "..",
// at most 255 bytes.
func fileName(raw []byte) (string, bool) {
	dec := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '%' {
			if i+2 >= len(raw) || unhex(raw[i+1]) < 0 || unhex(raw[i+2]) < 0 {
				return "", false
			}
			c = byte(unhex(raw[i+1])<<4 | unhex(raw[i+2]))
			i += 2
		}
		dec = append(dec, c)
	}
	if len(dec) == 0 || len(dec) > 255 || string(dec) == "." || bytes.Contains(dec, []byte("..")) {
		return "", false
	}
	for _, c := range dec {
		if !(isDigit(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || c == '.' || c == '_' || c == '-') {
			return "", false
		}
	}
	return string(dec), true
}

func unhex(c byte) int {
	switch {
	case isDigit(c):
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
