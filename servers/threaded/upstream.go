package threaded

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"loopbench/app"
	"loopbench/servers/internal/upstream"
)

// upstreamPool is the blocking backend client of this model: kept-alive
// connections on blocking sockets, one call in flight on each, so a thread
// calling the backend sleeps in the kernel until the reply arrives.
type upstreamPool struct {
	ep  endpoint
	err error // why there is no backend, if there is none

	mu     sync.Mutex
	idle   []sock
	busy   map[sock]struct{}
	closed bool
}

func newUpstreamPool(addr string) *upstreamPool {
	p := &upstreamPool{busy: make(map[sock]struct{})}
	if addr == "" {
		p.err = upstream.ErrNoBackend
		return p
	}
	ep, err := resolve(addr)
	if err != nil {
		p.err = fmt.Errorf("upstream: %w", err)
	}
	p.ep = ep
	return p
}

// errPoolClosed is returned for a call made while the server stops.
var errPoolClosed = errors.New("upstream: server stopping")

// do asks the backend for a delay of ms. The reply body is appended to
// buf[:0], which is returned.
func (p *upstreamPool) do(ms int, buf []byte) ([]byte, error) {
	if p.err != nil {
		return buf, p.err
	}
	s, err := p.get()
	if err != nil {
		return buf, err
	}
	buf, err = call(s, ms, buf)
	p.put(s, err == nil)
	return buf, err
}

func (p *upstreamPool) get() (sock, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return -1, errPoolClosed
	}
	if n := len(p.idle); n > 0 {
		s := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.busy[s] = struct{}{}
		p.mu.Unlock()
		return s, nil
	}
	p.mu.Unlock()
	s, err := p.ep.dial(upstream.Slack)
	if err != nil {
		return -1, fmt.Errorf("upstream: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		s.close()
		return -1, errPoolClosed
	}
	p.busy[s] = struct{}{}
	return s, nil
}

// put returns a connection after a call; a failed one is closed.
func (p *upstreamPool) put(s sock, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.busy, s)
	if !ok || p.closed || len(p.idle) >= upstream.MaxIdle {
		s.close()
		return
	}
	p.idle = append(p.idle, s)
}

// call performs one request on s: a write and blocking reads up to the
// reply line, all bounded by the delay plus upstream.Slack.
func call(s sock, ms int, buf []byte) ([]byte, error) {
	if err := s.setTimeout(time.Duration(ms)*time.Millisecond + upstream.Slack); err != nil {
		return buf, err
	}
	var line [64]byte
	if err := s.write(app.AppendUpstreamRequest(line[:0], ms)); err != nil {
		return buf, fmt.Errorf("upstream: %w", err)
	}
	got := 0
	for {
		n, err := s.read(line[got:])
		if err != nil {
			return buf, fmt.Errorf("upstream: %w", err)
		}
		got += n
		used, body, err := app.ParseUpstreamReply(line[:got])
		switch {
		case err != nil:
			return buf, err
		case used == got:
			return append(buf[:0], body...), nil
		case used > 0:
			return buf, fmt.Errorf("%w: reply longer than one line", app.ErrUpstreamProtocol)
		case got == len(line):
			return buf, app.ErrUpstreamProtocol
		}
	}
}

// close shuts every connection: idle ones close, and calls in flight fail
// at once, so a stopping server does not wait for the backend.
func (p *upstreamPool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, s := range p.idle {
		s.close()
	}
	p.idle = nil
	for s := range p.busy {
		s.shutdown()
	}
}
