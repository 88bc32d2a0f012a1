//go:build !race

package fasthttp

import (
	"bufio"
	"strings"
	"testing"

	fh "github.com/valyala/fasthttp"

	"loopbench/servers/model"
)

// TestHandlerAllocations wants the handler to allocate nothing for an
// immediate answer: app's Reply goes into fasthttp's reused response
// fields, with no rendering in between.
func TestHandlerAllocations(t *testing.T) {
	tests := []struct {
		name, req string
		status    int
		body      string
	}{
		{"plaintext", "GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", 200, "Hello, World!"},
		{"json", "GET /json HTTP/1.1\r\nHost: x\r\n\r\n", 200, `{"message":"Hello, World!"}`},
		{"head", "HEAD /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", 200, ""},
		{"not found", "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n", 404, "Not Found"},
	}
	h := newHandler(model.Config{})
	defer h.ops.Close()
	for _, tt := range tests {
		var ctx fh.RequestCtx
		if err := ctx.Request.Read(bufio.NewReader(strings.NewReader(tt.req))); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if allocs := testing.AllocsPerRun(1000, func() { h.serve(&ctx) }); allocs != 0 {
			t.Errorf("%s: the handler allocated %v times per request, want 0", tt.name, allocs)
		}
		if ctx.Response.StatusCode() != tt.status || string(ctx.Response.Body()) != tt.body {
			t.Errorf("%s: answered %d %q, want %d %q", tt.name, ctx.Response.StatusCode(), ctx.Response.Body(), tt.status, tt.body)
		}
	}
}
