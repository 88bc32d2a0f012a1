// Package upstream is the blocking client of the backend that the models
// built on goroutines share (fasthttp, and the goroutine pools of gnet and
// evio): a pool of kept-alive net.Conn, one request in flight on each.
package upstream

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"loopbench/app"
)

// Slack is how long past the requested delay a call may take before it is
// abandoned as a timeout.
const Slack = 5 * time.Second

// Pool keeps idle connections to one backend address for reuse.
type Pool struct {
	addr    string
	maxIdle int

	mu     sync.Mutex
	idle   []*conn
	closed bool
}

type conn struct {
	c   net.Conn
	r   *bufio.Reader
	buf []byte
}

// MaxIdle is the bound every model puts on its idle backend connections.
// It is above any useful concurrency, so a pool keeps one connection per
// call in flight at the peak: a lower bound would close and redial
// connections on every call beyond it, and the benchmark would measure that
// churn instead of the wait. One value for all models keeps them comparable.
const MaxIdle = 1 << 16

// NewPool returns a pool for addr that keeps at most maxIdle idle connections.
func NewPool(addr string, maxIdle int) *Pool {
	return &Pool{addr: addr, maxIdle: maxIdle}
}

// ErrNoBackend is returned when the model was started without --backend.
var ErrNoBackend = errors.New("upstream: no backend address configured (start the server with --backend HOST:PORT)")

// Do asks the backend for a delay of ms and returns the reply body to relay.
func (p *Pool) Do(ms int) ([]byte, error) {
	if p.addr == "" {
		return nil, ErrNoBackend
	}
	c, err := p.get()
	if err != nil {
		return nil, err
	}
	body, err := c.call(ms)
	if err != nil {
		c.c.Close()
		return nil, err
	}
	p.put(c)
	return body, nil
}

func (p *Pool) get() (*conn, error) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		c := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return c, nil
	}
	p.mu.Unlock()
	c, err := net.DialTimeout("tcp", p.addr, Slack)
	if err != nil {
		return nil, fmt.Errorf("upstream: %w", err)
	}
	return &conn{c: c, r: bufio.NewReaderSize(c, 256), buf: make([]byte, 0, 16)}, nil
}

func (p *Pool) put(c *conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.idle) >= p.maxIdle {
		c.c.Close()
		return
	}
	p.idle = append(p.idle, c)
}

func (c *conn) call(ms int) ([]byte, error) {
	if err := c.c.SetDeadline(time.Now().Add(time.Duration(ms)*time.Millisecond + Slack)); err != nil {
		return nil, err
	}
	c.buf = app.AppendUpstreamRequest(c.buf[:0], ms)
	if _, err := c.c.Write(c.buf); err != nil {
		return nil, fmt.Errorf("upstream: %w", err)
	}
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return nil, fmt.Errorf("upstream: %w", err)
	}
	_, body, err := app.ParseUpstreamReply(line)
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), body...), nil
}

// Close closes the idle connections; connections in use close when returned.
func (p *Pool) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, c := range p.idle {
		c.c.Close()
	}
	p.idle = nil
	return nil
}
