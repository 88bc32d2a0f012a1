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
	OpFIFO        // a blocking write to the backend's FIFO, drained after Millis: a pooled wait (fifo.go)
)

var opNames = [...]string{"none", "sleep", "upstream", "file", "cpu", "fifo"}

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
	Millis int    // OpSleep, OpUpstream, OpFIFO
	Iter   int    // OpCPU
	Name   string // OpFile: a validated plain file name
	// Head suppresses the body; KeepAlive and Minor frame the connection header.
	Head      bool
	KeepAlive bool
	Minor     int
}

// Deferred reports whether a's answer waits for an operation that the model
// performs before it calls Finish (or FinishReply): every operation does but
// /cpu, which only does when cpuOffload says so. An event-loop model passes
// its --cpu-offload flag: without it the loop computes /cpu itself, inside
// FinishInline, as Node's pbkdf2Sync blocks Node's loop. A model that blocks
// a thread or goroutine per connection performs /cpu like the other
// operations and passes true.
func (a *Action) Deferred(cpuOffload bool) bool {
	switch a.Op {
	case OpNone:
		return false
	case OpCPU:
		return cpuOffload
	}
	return true
}

// Handle routes one parsed request. For a request it can answer at once it
// appends the whole response to dst and returns an Action with Op == OpNone.
// Otherwise it returns dst unchanged and the deferred operation; the model
// performs it and then calls Finish.
func Handle(dst []byte, r *Request) ([]byte, Action) {
	injected()
	a := frame(r)
	status, ctype, body := route(r, &a)
	if a.Op != OpNone {
		return dst, a
	}
	return appendResponse(dst, &a, status, ctype, body), a
}

// Route routes one parsed request, as Handle does, for a model whose library
// frames responses itself: for a request it can answer at once it returns
// the Reply and an Action with Op == OpNone; otherwise a zero Reply and the
// deferred operation, which the model performs before it calls FinishReply.
func Route(r *Request) (Reply, Action) {
	injected()
	a := frame(r)
	status, ctype, body := route(r, &a)
	return Reply{Status: status, Type: ctype, Body: body}, a
}

// frame is the Action of an immediate answer to r: how it is framed.
func frame(r *Request) Action {
	return Action{Head: r.Method == MethodHead, KeepAlive: r.KeepAlive && !r.BodyUnread, Minor: r.Minor}
}

// route returns the parts of an immediate answer, or sets a's deferred
// operation and returns none. The parts are three results, not a Reply,
// and the Action is written only for a deferred operation: a Reply or an
// Action is too large for the compiler to keep in registers, and returning
// them made Handle copy them through memory, 120 ns per plaintext request
// against 87.
func route(r *Request, a *Action) (status int, ctype string, body []byte) {
	if r.Method == MethodOther {
		return statusAnswer(405)
	}
	switch string(r.Path) {
	case "/plaintext":
		return 200, typeText, plaintextBody
	case "/json":
		return 200, typeJSON, jsonBody
	case "/sleep":
		return routeMillis(r, a, OpSleep)
	case "/upstream":
		return routeMillis(r, a, OpUpstream)
	case "/cpu":
		return routeCPU(r, a)
	case "/file":
		return routeFile(r, a)
	case "/fifo":
		return routeMillis(r, a, OpFIFO)
	}
	return statusAnswer(404)
}

func routeMillis(r *Request, a *Action, op Op) (int, string, []byte) {
	ms, ok := intParam(r.Query, "ms", 0, MaxMillis)
	if !ok {
		return statusAnswer(400)
	}
	a.Op, a.Millis = op, ms
	return 0, "", nil
}

func routeCPU(r *Request, a *Action) (int, string, []byte) {
	iter, ok := intParam(r.Query, "iter", MinIter, MaxIter)
	if !ok {
		return statusAnswer(400)
	}
	a.Op, a.Iter = OpCPU, iter
	return 0, "", nil
}

func routeFile(r *Request, a *Action) (int, string, []byte) {
	raw, found := param(r.Query, "name")
	if !found {
		return statusAnswer(400)
	}
	name, ok := fileName(raw)
	if !ok {
		return statusAnswer(404)
	}
	a.Op, a.Name = OpFile, name
	return 0, "", nil
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
	var buf [maxFileName]byte // on the stack: a request for a data file allocates nothing
	dec := buf[:0]
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '%' {
			if i+2 >= len(raw) || unhex(raw[i+1]) < 0 || unhex(raw[i+2]) < 0 {
				return "", false
			}
			c = byte(unhex(raw[i+1])<<4 | unhex(raw[i+2]))
			i += 2
		}
		if len(dec) == maxFileName {
			return "", false
		}
		dec = append(dec, c)
	}
	if len(dec) == 0 || string(dec) == "." || bytes.Contains(dec, []byte("..")) {
		return "", false
	}
	for _, c := range dec {
		if !(isDigit(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || c == '.' || c == '_' || c == '-') {
			return "", false
		}
	}
	for _, f := range DataFiles {
		if string(dec) == f.Name {
			return f.Name, true
		}
	}
	return string(dec), true
}

// maxFileName is the longest name /file accepts.
const maxFileName = 255

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
