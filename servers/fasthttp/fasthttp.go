// Package fasthttp serves the shared application with
// github.com/valyala/fasthttp: a goroutine per connection on Go's netpoller,
// fasthttp's own request parser and connection handling, and deferred
// operations performed inline in the handler (a timer, a pooled blocking
// backend call, a file read, PBKDF2, /fifo's FIFO write), the model most Go
// developers would choose.
//
// The handler builds an app.Request from what fasthttp parsed (method, the
// raw request target, version, keep-alive), gets the answer's app.Reply
// (status, Content-Type and body) from app.Route or app.FinishReply, and
// sets those on fasthttp's response. fasthttp writes the Server (Name
// "loopbench"), Date, Content-Length and Connection headers itself, so the
// bytes on the wire differ from app's only in header order. Bad input that fasthttp's parser
// refuses or accepts its own way never reaches app: those differences are
// listed in Differences and checked by the conformance suite.
//
// Two of fasthttp's goroutines outlive Serve: the Date header's updater,
// started once per process, and the worker pool's cleaner, which notices the
// stop only after its current sleep (up to MaxIdleWorkerDuration, 10 s).
package fasthttp

import (
	"context"
	"io"
	"log"
	"net"
	"sync"
	"time"

	fh "github.com/valyala/fasthttp"

	"loopbench/app"
	"loopbench/servers/model"
)

// Grace is how long a stopping server lets requests in progress finish
// before it interrupts sleeps and closes their connections.
const Grace = 2 * time.Second

// Differences lists where this model's answers knowingly differ from the
// shared application's rules, because fasthttp parses requests itself.
var Differences = []string{
	"fasthttp never answers a head whose lines end in a bare LF: it waits for more bytes",
	"fasthttp serves every version but HTTP/1.1 as HTTP/1.0 (answer, then close): 1.2 is not read as 1.1, 2.0 and 0.9 get no 505",
	"an absolute-form target is passed whole to the routes, which answer 404: the shared parser reads its path",
	"Content-Length together with Transfer-Encoding: chunked is served (chunked wins), not 400",
	"fasthttp takes Transfer-Encoding: identity as no body at all, so the chunked bytes that follow are read as the next request",
	"identical duplicate Content-Length lines get 400, which RFC 9110 allows (the shared parser and net/http accept them)",
	"an obs-fold continuation line is unfolded and the request served, not 400",
	"fasthttp refuses an empty Host, which RFC 9112 allows when the target has no authority",
	"fasthttp accepts a Host value with userinfo (a@b), which is no uri-host",
	"fasthttp accepts a header name with a space inside, which is no token",
	"a body over 64 KiB is answered 400 by fasthttp's parser, not 405 by the route (both close)",
	"a chunked request body up to 64 KiB is read and the connection kept alive; the shared parser reads one up to 8 KiB and answers and closes beyond",
	"a request target over 8 KiB is answered 431 (the head must fit fasthttp's 8 KiB read buffer), where app answers 414",
	"headers come in fasthttp's order and status lines use its reason phrases",
	"on stop, requests in flight get 2 s to finish, then sleeps are interrupted and connections closed",
	"--pool, --loops, --cpu-offload, --max-threads and --max-unsent are ignored",
	"a request head cut off by --head-timeout (fasthttp's ReadTimeout) is answered 400, not 408: fasthttp's error handler sees the timeout wrapped in a parse error",
	"refusals (400, 431) carry fasthttp's own bodies (\"Error when parsing request\", \"Too big request header\"), not app's",
}

// Bounds says how the model bounds what a hostile client can take, and what
// fasthttp does not let it bound (see model.Config and `loopbench torture`).
var Bounds = []string{
	"head timeout: fasthttp's ReadTimeout, from a request's first byte; idle timeout: its IdleTimeout between requests",
	"writes: fasthttp's WriteTimeout (--idle-timeout) is a deadline for each whole answer, not for progress: a client reading a large answer more slowly than that is cut off",
	"unsent output: fasthttp writes each answer with blocking writes on the connection's goroutine, so a client that does not read blocks only its own connection (--max-unsent is not used)",
	"out of descriptors: fasthttp's Serve would return on EMFILE (it retries only temporary errors) and stop the server; the model's listener waits instead, backing off from 5 ms to 1 s as net/http does, so new clients wait in the listen queue rather than being refused",
}

// Model is the fasthttp server model.
type Model struct{}

// New returns the model.
func New() *Model { return &Model{} }

// Serve runs fasthttp's server on cfg.Addr until ctx is cancelled, then stops
// it: the listener closes at once and idle connections with it; requests in
// progress get Grace to finish, then sleeps are interrupted and connections
// closed. It returns model.ErrServerClosed.
func (*Model) Serve(ctx context.Context, cfg model.Config) error {
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	h := newHandler(cfg)
	defer h.ops.Close()
	srv := &fh.Server{
		Handler:                      h.serve,
		Name:                         "loopbench",
		ReadBufferSize:               app.MaxHeaderBytes,
		MaxRequestBodySize:           app.MaxBodyBytes,
		CloseOnShutdown:              true,
		NoDefaultContentType:         true,
		DisablePreParseMultipartForm: true,
		ConnState:                    h.conns.state,
		// The bounds of model.Config: fasthttp's ReadTimeout runs from a
		// request's first byte (408 past it), IdleTimeout between requests,
		// and WriteTimeout bounds the writing of each whole answer.
		ReadTimeout:  cfg.Head(),
		IdleTimeout:  cfg.Idle(),
		WriteTimeout: cfg.Idle(),
		Logger:       log.New(io.Discard, "", 0),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(&backoffListener{Listener: ln}) }()
	select {
	case <-ctx.Done():
	case err := <-errc:
		return err
	}
	h.shutdown(srv)
	<-errc
	return model.ErrServerClosed
}

// shutdown stops srv within Grace, then forces the connections still open.
func (h *handler) shutdown(srv *fh.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), Grace)
	err := srv.ShutdownWithContext(ctx)
	cancel()
	if err == nil {
		return
	}
	h.ops.Stop()
	h.conns.closeAll()
	for srv.GetOpenConnectionsCount() > 0 {
		time.Sleep(10 * time.Millisecond)
	}
}

// connSet tracks open connections through fasthttp's ConnState hook, which
// sees the *net.TCPConn itself, so fasthttp keeps its writev path.
type connSet struct {
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func (s *connSet) state(c net.Conn, st fh.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch st {
	case fh.StateNew:
		s.conns[c] = struct{}{}
	case fh.StateClosed, fh.StateHijacked:
		delete(s.conns, c)
	}
}

func (s *connSet) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Close()
	}
}
