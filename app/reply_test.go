package app

import (
	"errors"
	"io/fs"
	"strconv"
	"strings"
	"testing"
)

// TestDeferred checks which answers wait for an operation the model
// performs, and that --cpu-offload moves /cpu alone.
func TestDeferred(t *testing.T) {
	tests := []struct {
		op         Op
		cpuOffload bool
		want       bool
	}{
		{OpNone, false, false},    // answered by Handle already
		{OpNone, true, false},     // offload changes nothing for it
		{OpCPU, false, false},     // computed by the loop, in FinishInline
		{OpCPU, true, true},       // offloaded, or a thread-per-connection model
		{OpSleep, false, true},    // a timer
		{OpUpstream, false, true}, // network I/O
		{OpFile, false, true},     // disk I/O
		{OpFile, true, true},      // offload changes nothing for it
	}
	for _, tt := range tests {
		a := Action{Op: tt.op}
		if got := a.Deferred(tt.cpuOffload); got != tt.want {
			t.Errorf("Action{Op: %v}.Deferred(%v) = %v, want %v", tt.op, tt.cpuOffload, got, tt.want)
		}
	}
}

// TestFinishInline checks the answers a model completes on its own thread:
// an immediate one stays as Handle rendered it, /cpu gets its key.
func TestFinishInline(t *testing.T) {
	r := Request{Method: MethodGet, Path: []byte("/plaintext"), Minor: 1, KeepAlive: true}
	out, a := Handle(nil, &r)
	if got := FinishInline(out, &a); string(got) != string(out) {
		t.Errorf("FinishInline changed an immediate answer %q to %q", out, got)
	}
	cpu := Action{Op: OpCPU, Iter: 1, KeepAlive: true}
	rs := readResponses(t, FinishInline(nil, &cpu), false)
	if len(rs) != 1 || rs[0].status != 200 || rs[0].body != string(CPU(1)) {
		t.Errorf("FinishInline for /cpu answered %+v, want 200 with the key", rs)
	}
}

// TestRouteReply checks the Reply of every kind of route: the answers
// Route gives at once, and none for a deferred operation.
func TestRouteReply(t *testing.T) {
	tests := []struct {
		method Method
		target string
		reply  Reply // the zero Reply for a deferred operation
		op     Op
	}{
		{MethodGet, "/plaintext", Reply{200, typeText, plaintextBody}, OpNone},
		{MethodGet, "/json", Reply{200, typeJSON, jsonBody}, OpNone},
		{MethodHead, "/plaintext", Reply{200, typeText, plaintextBody}, OpNone}, // the body HEAD gives the length of
		{MethodOther, "/plaintext", Reply{405, typeText, textMethodNotAllowed}, OpNone},
		{MethodGet, "/nowhere", Reply{404, typeText, textNotFound}, OpNone},
		{MethodGet, "/sleep?ms=x", Reply{400, typeText, textBadRequest}, OpNone},
		{MethodGet, "/file?name=..", Reply{404, typeText, textNotFound}, OpNone},
		{MethodGet, "/sleep?ms=5", Reply{}, OpSleep},
		{MethodGet, "/cpu?iter=1", Reply{}, OpCPU},
	}
	for _, tt := range tests {
		r := Request{Method: tt.method, Path: []byte(tt.target), Minor: 1, KeepAlive: true}
		if p, q, ok := strings.Cut(tt.target, "?"); ok {
			r.Path, r.Query = []byte(p), []byte(q)
		}
		rep, a := Route(&r)
		if !equalReply(rep, tt.reply) || a.Op != tt.op {
			t.Errorf("%s: Route = %d %q %q, %v; want %d %q %q, %v", tt.target, rep.Status, rep.Type, rep.Body, a.Op, tt.reply.Status, tt.reply.Type, tt.reply.Body, tt.op)
		}
	}
}

func equalReply(a, b Reply) bool {
	return a.Status == b.Status && a.Type == b.Type && string(a.Body) == string(b.Body)
}

// TestFinishReply checks the Reply of every deferred operation, done or
// failed, and that /sleep's body is rendered into the scratch buffer.
func TestFinishReply(t *testing.T) {
	tests := []struct {
		name   string
		a      Action
		result string
		err    error
		reply  Reply
	}{
		{"sleep", Action{Op: OpSleep, Millis: 60000}, "", nil, Reply{200, typeText, []byte("slept 60000 ms")}},
		{"upstream", Action{Op: OpUpstream, Millis: 5}, "upstream 5 ms", nil, Reply{200, typeText, []byte("upstream 5 ms")}},
		{"file", Action{Op: OpFile, Name: "x"}, "data", nil, Reply{200, typeBinary, []byte("data")}},
		{"cpu", Action{Op: OpCPU, Iter: 1}, "key", nil, Reply{200, typeText, []byte("key")}},
		{"missing file", Action{Op: OpFile, Name: "x"}, "", fs.ErrNotExist, Reply{404, typeText, textNotFound}},
		{"backend down", Action{Op: OpUpstream}, "", errors.New("refused"), Reply{502, typeText, textBadGateway}},
		{"other failure", Action{Op: OpSleep}, "", errors.New("x"), Reply{500, typeText, textInternalServerError}},
	}
	for _, tt := range tests {
		var scratch [maxSleepBody]byte
		rep := FinishReply(scratch[:0], &tt.a, []byte(tt.result), tt.err)
		if !equalReply(rep, tt.reply) {
			t.Errorf("%s: FinishReply = %d %q %q, want %d %q %q", tt.name, rep.Status, rep.Type, rep.Body, tt.reply.Status, tt.reply.Type, tt.reply.Body)
		}
		if tt.a.Op == OpSleep && tt.err == nil && &rep.Body[0] != &scratch[0] {
			t.Errorf("%s: the body was not rendered into the scratch buffer", tt.name)
		}
	}
}

// TestReplyFramed checks that the bytes Handle and Finish render carry
// exactly the Reply that Route and FinishReply give a model that frames
// answers itself: status, Content-Type, Content-Length, and the body for
// GET only.
func TestReplyFramed(t *testing.T) {
	for _, method := range []string{"GET", "HEAD"} {
		for _, target := range []string{"/plaintext", "/json", "/nowhere", "/sleep?ms=7", "/cpu?iter=1", "/file?name=small.bin", "/upstream?ms=x"} {
			var r Request
			if _, err := Parse([]byte(request(method, target, "HTTP/1.1")), &r); err != nil {
				t.Fatal(err)
			}
			out, a := Handle(nil, &r)
			rep, _ := Route(&r)
			if a.Op != OpNone {
				out = Finish(out, &a, []byte("result"), nil)
				rep = FinishReply(nil, &a, []byte("result"), nil)
			}
			rs := readResponses(t, out, method == "HEAD")
			got := rs[0]
			wantBody := string(rep.Body)
			if method == "HEAD" {
				wantBody = ""
			}
			if len(rs) != 1 || got.status != rep.Status || got.header["Content-Type"] != rep.Type ||
				got.header["Content-Length"] != strconv.Itoa(len(rep.Body)) || got.body != wantBody {
				t.Errorf("%s %s: rendered %+v, Reply %d %q %q", method, target, got, rep.Status, rep.Type, rep.Body)
			}
		}
	}
}
