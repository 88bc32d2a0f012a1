package httpcheck

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"time"

	"loopbench/app"
	"loopbench/servers/model"
	"loopbench/servers/node"
)

// Reference is a server another project's HTTP/1.1 code parses for, serving
// the shared application's routes: the measure of the models' parsing and
// connection handling.
type Reference struct {
	// Name is "net/http" or "node".
	Name string
	// Addr is where it listens.
	Addr string
	stop func() error
}

// Stop stops the reference and waits for it.
func (r *Reference) Stop() error { return r.stop() }

// errNoUpstream is the reference's answer to /upstream, which it does not
// serve (no corpus request asks for it): 502, as a model without a backend.
var errNoUpstream = errors.New("the reference serves no /upstream")

// StartNetHTTP serves the routes with Go's net/http server on a free
// loopback port: net/http parses each request and handles its connection,
// and the shared application (app.Route) decides the answer from the
// method, the target (its path and query as sent, or as net/http read an
// absolute-form target) and the version, as a model would. Its header
// limit is the shared parser's (net/http adds 4 KiB of slack to it).
func StartNetHTTP(dataDir string) (*Reference, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: routes{dataDir}, MaxHeaderBytes: app.MaxHeaderBytes, ErrorLog: log.New(io.Discard, "", 0),
		ReadHeaderTimeout: model.DefaultHeadTimeout}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	stop := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := srv.Shutdown(ctx)
		if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
		if err != nil {
			srv.Close()
		}
		return err
	}
	return &Reference{Name: "net/http", Addr: ln.Addr().String(), stop: stop}, nil
}

// routes is the net/http handler of the shared application's routes.
type routes struct{ dataDir string }

func (h routes) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req := app.Request{Method: appMethod(r.Method), Minor: r.ProtoMinor, KeepAlive: !r.Close, ContentLength: -1}
	target := r.RequestURI
	if !strings.HasPrefix(target, "/") {
		target = r.URL.RequestURI() // absolute-form: the path and query net/http read from it
	}
	path, query, _ := strings.Cut(target, "?")
	req.Path, req.Query = []byte(path), []byte(query)
	reply, a := app.Route(&req)
	if a.Op != app.OpNone {
		result, err := h.perform(&a)
		reply = app.FinishReply(nil, &a, result, err)
	}
	w.Header().Set("Content-Type", reply.Type)
	w.WriteHeader(reply.Status)
	w.Write(reply.Body)
}

// perform does a deferred operation the plain way.
func (h routes) perform(a *app.Action) ([]byte, error) {
	switch a.Op {
	case app.OpSleep:
		time.Sleep(time.Duration(a.Millis) * time.Millisecond)
		return nil, nil
	case app.OpCPU:
		return app.CPU(a.Iter), nil
	case app.OpFile:
		return app.ReadFile(h.dataDir, a.Name)
	}
	return nil, errNoUpstream
}

func appMethod(m string) app.Method {
	switch m {
	case "GET":
		return app.MethodGet
	case "HEAD":
		return app.MethodHead
	}
	return app.MethodOther
}

// StartNode serves the routes with the node model (servers/node: Node's
// http module and its parser, llhttp) on a free loopback port, or says why
// it cannot (no node 20 or newer on PATH).
func StartNode(dataDir string) (*Reference, error) {
	if err := node.Check(); err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	m := &node.Model{Stderr: io.Discard}
	go func() { served <- m.Serve(ctx, model.Config{Addr: addr, DataDir: dataDir}) }()
	stop := func() error {
		cancel()
		if err := <-served; !errors.Is(err, model.ErrServerClosed) {
			return err
		}
		return nil
	}
	if err := waitListening(addr, served, 20*time.Second); err != nil {
		cancel()
		return nil, fmt.Errorf("node: %w", err)
	}
	return &Reference{Name: "node", Addr: addr, stop: stop}, nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// waitListening waits until addr accepts a connection, the server's
// goroutine ends (its error, put back) or limit passes.
func waitListening(addr string, served chan error, limit time.Duration) error {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return nil
		}
		select {
		case err := <-served:
			served <- err
			return fmt.Errorf("ended before it listened: %w", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	return fmt.Errorf("nothing listened on %s within %v", addr, limit)
}
