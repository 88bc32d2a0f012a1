package app

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

// response is one HTTP response as a client reads it from the bytes the
// application rendered.
type response struct {
	status int
	header map[string]string
	body   string
}

// converse feeds in to the parser and router the way a model does: parse,
// route, perform deferred operations (with stand-in results), stop at the
// first error or at the first answer that closes the connection. It returns
// what the server wrote, the bytes it consumed and whether it closed.
func converse(t *testing.T, in []byte) (out []byte, consumed int, closed bool) {
	t.Helper()
	buf := in
	for len(buf) > 0 {
		var r Request
		n, err := Parse(buf, &r)
		if err != nil {
			return AppendError(out, err), consumed, true
		}
		if n == 0 {
			return out, consumed, false
		}
		if n > len(buf) {
			t.Fatalf("Parse consumed %d of %d bytes", n, len(buf))
		}
		consumed += n
		buf = buf[n:]
		var a Action
		out, a = Handle(out, &r)
		out = perform(out, &a)
		if !a.KeepAlive {
			return out, consumed, true
		}
	}
	return out, consumed, false
}

// perform completes a deferred operation with a stand-in result.
func perform(out []byte, a *Action) []byte {
	switch a.Op {
	case OpSleep:
		return Finish(out, a, nil, nil)
	case OpUpstream:
		reply := AppendUpstreamReply(nil, a.Millis)
		return Finish(out, a, bytes.TrimSuffix(reply, []byte("\n")), nil)
	case OpFile:
		return Finish(out, a, []byte("file "+a.Name), nil)
	case OpCPU:
		return Finish(out, a, CPU(a.Iter), nil)
	case OpFIFO:
		return Finish(out, a, nil, nil)
	}
	return out
}

// readResponses splits rendered bytes into responses. head says the
// responses answer HEAD requests, so they carry no body.
func readResponses(t *testing.T, out []byte, head bool) []response {
	t.Helper()
	var rs []response
	for len(out) > 0 {
		end := bytes.Index(out, []byte("\r\n\r\n"))
		if end < 0 {
			t.Fatalf("response without the end of its header block: %q", out)
		}
		lines := strings.Split(string(out[:end]), "\r\n")
		out = out[end+4:]
		r := response{header: map[string]string{}}
		status, ok := strings.CutPrefix(lines[0], "HTTP/1.1 ")
		if !ok || len(status) < 4 {
			t.Fatalf("bad status line %q", lines[0])
		}
		r.status, _ = strconv.Atoi(status[:3])
		for _, l := range lines[1:] {
			k, v, ok := strings.Cut(l, ": ")
			if !ok {
				t.Fatalf("bad header line %q", l)
			}
			r.header[k] = v
		}
		n, err := strconv.Atoi(r.header["Content-Length"])
		if err != nil {
			t.Fatalf("bad Content-Length in %v", r.header)
		}
		if !head {
			if n > len(out) {
				t.Fatalf("body shorter (%d) than its Content-Length %d", len(out), n)
			}
			r.body, out = string(out[:n]), out[n:]
		}
		rs = append(rs, r)
	}
	return rs
}

// get is a GET request for target with the given extra header lines.
func get(target string, headers ...string) string {
	return request("GET", target, "HTTP/1.1", headers...)
}

func request(method, target, version string, headers ...string) string {
	var b strings.Builder
	b.WriteString(method + " " + target + " " + version + "\r\nHost: localhost\r\n")
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}
