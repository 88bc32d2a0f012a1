package fasthttp

import (
	"bytes"
	"net"
	"strconv"
	"sync"

	fh "github.com/valyala/fasthttp"

	"loopbench/app"
	"loopbench/servers/internal/deferred"
	"loopbench/servers/internal/upstream"
	"loopbench/servers/model"
)

// handler adapts fasthttp's request context to the shared application.
type handler struct {
	pool  *upstream.Pool
	stop  chan struct{}
	ops   deferred.Ops
	conns connSet
	bufs  sync.Pool // *[]byte render buffers
}

func newHandler(cfg model.Config) *handler {
	h := &handler{pool: newPool(cfg.Backend), stop: make(chan struct{})}
	h.ops = deferred.Ops{DataDir: cfg.DataDir, Upstream: h.pool, Quit: h.stop}
	h.conns.conns = make(map[net.Conn]struct{})
	h.bufs.New = func() any { b := make([]byte, 0, 512); return &b }
	return h
}

// serve answers one request parsed by fasthttp, performing its deferred
// operation inline on the connection's goroutine.
func (h *handler) serve(ctx *fh.RequestCtx) {
	var req app.Request
	request(ctx, &req)
	bp := h.bufs.Get().(*[]byte)
	out, a := app.Handle((*bp)[:0], &req)
	if a.Op != app.OpNone {
		result, err := h.perform(&a)
		out = app.Finish(out, &a, result, err)
	}
	respond(ctx, out, &a)
	if cap(out) <= 64<<10 {
		*bp = out[:0]
		h.bufs.Put(bp)
	}
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

// perform does a deferred operation inline, blocking this connection's goroutine.
func (h *handler) perform(a *app.Action) ([]byte, error) { return h.ops.Perform(a) }

var (
	crlf        = []byte("\r\n")
	headEnd     = []byte("\r\n\r\n")
	contentType = []byte("\r\nContent-Type: ")
	contentLen  = []byte("\r\nContent-Length: ")
)

// respond copies app's rendered response into fasthttp's: the status, the
// Content-Type, and the body, or for HEAD the Content-Length of the body
// that GET would carry. fasthttp adds Server, Date and Connection itself.
func respond(ctx *fh.RequestCtx, rendered []byte, a *app.Action) {
	status, _ := strconv.Atoi(string(rendered[len("HTTP/1.1 "):len("HTTP/1.1 200")]))
	end := bytes.Index(rendered, headEnd)
	head, body := rendered[:end], rendered[end+len(headEnd):]
	ctx.SetStatusCode(status)
	ctx.SetContentTypeBytes(headerValue(head, contentType))
	if a.Head {
		n, _ := strconv.Atoi(string(headerValue(head, contentLen)))
		ctx.Response.Header.SetContentLength(n)
	} else {
		ctx.SetBody(body)
	}
	if !a.KeepAlive {
		ctx.SetConnectionClose()
	}
}

// headerValue finds the value of the header whose "\r\nName: " is prefix.
func headerValue(head, prefix []byte) []byte {
	i := bytes.Index(head, prefix)
	if i < 0 {
		return nil
	}
	v := head[i+len(prefix):]
	if j := bytes.Index(v, crlf); j >= 0 {
		v = v[:j]
	}
	return v
}
