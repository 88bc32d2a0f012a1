package fasthttp

import (
	"bytes"
	"net"

	fh "github.com/valyala/fasthttp"

	"loopbench/app"
	"loopbench/servers/internal/deferred"
	"loopbench/servers/model"
)

// handler adapts fasthttp's request context to the shared application.
type handler struct {
	ops   *deferred.Ops
	conns connSet
}

func newHandler(cfg model.Config) *handler {
	return &handler{ops: deferred.New(cfg), conns: connSet{conns: make(map[net.Conn]struct{})}}
}

// serve answers one request parsed by fasthttp, performing its deferred
// operation inline on the connection's goroutine, /cpu included.
func (h *handler) serve(ctx *fh.RequestCtx) {
	var req app.Request
	request(ctx, &req)
	rep, a := app.Route(&req)
	if a.Deferred(true) {
		h.finish(ctx, &a)
		return
	}
	respond(ctx, &rep, &a)
}

// sleepScratch holds the longest /sleep body, "slept 60000 ms", with room
// to spare.
const sleepScratch = 32

// finish performs a's operation, blocking this connection's goroutine, and
// responds with its answer. The /sleep body is rendered on the stack, and
// fasthttp copies it.
func (h *handler) finish(ctx *fh.RequestCtx, a *app.Action) {
	var scratch [sleepScratch]byte
	result, err := h.ops.Perform(a)
	rep := app.FinishReply(scratch[:0], a, result, err)
	respond(ctx, &rep, a)
}

// request fills r from what fasthttp parsed. The target is taken raw, as
// the client sent it, so app sees the path and query it would have parsed.
func request(ctx *fh.RequestCtx, r *app.Request) {
	*r = app.Request{Method: app.MethodOther, ContentLength: ctx.Request.Header.ContentLength()}
	switch {
	case ctx.IsGet():
		r.Method = app.MethodGet
	case ctx.IsHead():
		r.Method = app.MethodHead
	}
	if ctx.Request.Header.IsHTTP11() {
		r.Minor = 1
	}
	r.KeepAlive = !ctx.Request.Header.ConnectionClose()
	r.Path = ctx.RequestURI()
	if i := bytes.IndexByte(r.Path, '?'); i >= 0 {
		r.Path, r.Query = r.Path[:i], r.Path[i+1:]
	}
}

// respond sets app's reply on fasthttp's response: the status, the
// Content-Type, and the body, or for HEAD the Content-Length of the body
// that GET would carry. fasthttp adds Server, Date and Connection itself.
func respond(ctx *fh.RequestCtx, rep *app.Reply, a *app.Action) {
	ctx.SetStatusCode(rep.Status)
	ctx.SetContentType(rep.Type)
	if a.Head {
		ctx.Response.Header.SetContentLength(len(rep.Body))
	} else {
		ctx.SetBody(rep.Body)
	}
	if !a.KeepAlive {
		ctx.SetConnectionClose()
	}
}
