package testkit

import (
	"bufio"
	"bytes"
	"testing"

	"loopbench/app"
)

// Render is the shared application's answer to raw, one request, with its
// deferred operation performed the reference way: the backend's reply, the
// file read from dir, the CPU key, the FIFO's wait ("fifo N ms"). Every model must answer as it does,
// except where a difference is declared.
func Render(t testing.TB, raw, dir string) []byte {
	t.Helper()
	var r app.Request
	n, err := app.Parse([]byte(raw), &r)
	if err != nil {
		return app.AppendError(nil, err)
	}
	if n == 0 {
		t.Fatalf("app.Parse wants more bytes of %q", raw)
	}
	out, a := app.Handle(nil, &r)
	switch a.Op {
	case app.OpSleep:
		return app.Finish(out, &a, nil, nil)
	case app.OpUpstream:
		reply := app.AppendUpstreamReply(nil, a.Millis)
		return app.Finish(out, &a, reply[:len(reply)-1], nil)
	case app.OpFile:
		data, err := app.ReadFile(dir, a.Name)
		return app.Finish(out, &a, data, err)
	case app.OpCPU:
		return app.Finish(out, &a, app.CPU(a.Iter), nil)
	case app.OpFIFO:
		return app.Finish(out, &a, nil, nil)
	}
	return out
}

// Want is Render's answer as a client reads it.
func Want(t testing.TB, raw, dir string) *Response {
	t.Helper()
	b := Render(t, raw, dir)
	r, err := ReadResponse(bufio.NewReader(bytes.NewReader(b)), Method(raw))
	if err != nil {
		t.Fatalf("reading the shared application's answer %s: %v", Clip(b), err)
	}
	return r
}
