package eventloop

import (
	"context"
	"fmt"
	"net"
	"sync/atomic"

	"loopbench/app"
	"loopbench/servers/internal/fifo"
	"loopbench/servers/model"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"golang.org/x/sys/unix"
)

// server is a set of loops, each with its own SO_REUSEPORT listener on the
// same address, sharing one thread pool (libuv has one pool per process).
type server struct {
	cfg         model.Config
	loops       []*loop
	pool        *pool
	backendAddr unix.Sockaddr // nil without cfg.Backend
	port        int           // the port the listeners are bound to

	files *dataDir       // /file's directory, opened once and read by the workers
	fifo  *fifo.Blocking // /fifo's writes, blocking the workers

	ioName        string // the loops' backend: backendEpoll or backendIOUring
	stopRequested atomic.Bool
	sndbuf        int // SO_SNDBUF of accepted sockets; 0 keeps the kernel's (tests make it tiny)

	// The connection bounds of cfg, in loop time (ns) and bytes.
	head, idle int64
	unsent     int
	noRoom     []byte // the 503 answer to a connection refused for want of a descriptor
}

// newServer resolves the addresses and opens every loop's listener, so an
// address already in use is reported before Serve starts serving.
func newServer(cfg model.Config) (*server, error) {
	s := &server{cfg: cfg}
	s.setBounds(cfg)
	sa, err := resolve(cfg.Addr, "--addr")
	if err != nil {
		return nil, err
	}
	if cfg.Backend != "" {
		if s.backendAddr, err = resolve(cfg.Backend, "--backend"); err != nil {
			return nil, err
		}
	}
	s.files = openDataDir(cfg.DataDir)
	s.fifo = fifo.NewBlocking(cfg.DataDir)
	s.ioName = chooseBackend(cfg)
	for range cfg.LoopCount() {
		if err := s.addLoop(sa); err != nil {
			s.closeLoops()
			s.files.close()
			return nil, err
		}
		setPort(sa, s.port) // with port 0, every loop shares the first one's port
	}
	return s, nil
}

// setBounds takes the connection bounds of cfg, its defaults for zero fields.
func (s *server) setBounds(cfg model.Config) {
	s.head, s.idle, s.unsent = int64(cfg.Head()), int64(cfg.Idle()), cfg.Unsent()
	s.noRoom = app.AppendError(nil, errNoRoom)
}

// addLoop creates one loop and its listener.
func (s *server) addLoop(sa unix.Sockaddr) error {
	l, err := newLoop(s)
	if err != nil {
		return err
	}
	s.loops = append(s.loops, l)
	fd, err := listen(sa)
	if err != nil {
		return fmt.Errorf("eventloop: listen on %s: %w", s.cfg.Addr, err)
	}
	if s.port == 0 {
		if s.port, err = boundPort(fd); err != nil {
			unix.Close(fd)
			return err
		}
	}
	if err := l.startListener(fd); err != nil {
		unix.Close(fd)
		return err
	}
	return nil
}

// run serves until ctx is cancelled or a loop fails, then stops every loop,
// then the pool, and only then closes the loops' eventfds.
func (s *server) run(ctx context.Context) error {
	size := poolSize(s.cfg.Pool)
	defer giveEveryThreadAProcessor(len(s.loops) + size)()
	s.pool = newPool(size)
	errc := make(chan error, len(s.loops))
	for _, l := range s.loops {
		go func() { errc <- l.run() }()
	}
	var first error
	running := len(s.loops)
	select {
	case <-ctx.Done():
	case first = <-errc:
		running--
	}
	for _, l := range s.loops {
		l.requestStop()
	}
	for ; running > 0; running-- {
		if err := <-errc; first == nil {
			first = err
		}
	}
	s.pool.close()
	s.fifo.Close()
	s.closeLoops()
	s.files.close()
	return first
}

// closeLoops releases what the loops hold outside their run.
func (s *server) closeLoops() {
	for _, l := range s.loops {
		if l.ln != nil {
			unix.Close(l.ln.fd)
			l.ln.closeSpare()
			l.ln = nil
		}
		l.closeFDs()
	}
}

// lagStats is the loops' lag over the server's life, with every loop's
// readings; call it after run.
func (s *server) lagStats() model.Stats {
	hists := make([]*hdrhistogram.Histogram, len(s.loops))
	var rs []model.LagReading
	var dropped int64
	for i, l := range s.loops {
		hists[i] = l.lag.hist
		rs = append(rs, l.lag.readings()...)
		dropped += l.lag.log.dropped
	}
	return lagStats(hists, rs, dropped)
}

// backendName is the backend the loops served with.
func (s *server) backendName() string { return s.ioName }

// resolve turns a host:port into a socket address, once, at startup: the
// data path never touches the net package.
func resolve(addr, flag string) (unix.Sockaddr, error) {
	ta, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("eventloop: %s %q: %w", flag, addr, err)
	}
	if ip4 := ta.IP.To4(); ip4 != nil || ta.IP == nil {
		sa := &unix.SockaddrInet4{Port: ta.Port}
		copy(sa.Addr[:], ip4)
		return sa, nil
	}
	sa := &unix.SockaddrInet6{Port: ta.Port}
	copy(sa.Addr[:], ta.IP.To16())
	return sa, nil
}

func setPort(sa unix.Sockaddr, port int) {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		sa.Port = port
	case *unix.SockaddrInet6:
		sa.Port = port
	}
}

func domainOf(sa unix.Sockaddr) int {
	if _, ok := sa.(*unix.SockaddrInet6); ok {
		return unix.AF_INET6
	}
	return unix.AF_INET
}

// cloneSockaddr copies a TCP socket address, so each loop has its own.
func cloneSockaddr(sa unix.Sockaddr) unix.Sockaddr {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		c := *sa
		return &c
	case *unix.SockaddrInet6:
		c := *sa
		return &c
	}
	return nil
}
