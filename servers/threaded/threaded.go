package threaded

import (
	"context"
	"errors"
	"log"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"loopbench/app"
	"loopbench/servers/internal/fifo"
	"loopbench/servers/model"
)

// Grace is how long a stopping server lets connections finish the request
// they are serving before it interrupts sleeps and backend calls and shuts
// their sockets.
const Grace = 2 * time.Second

// Internal outcomes of the blocking calls in sock_*.go.
var (
	errClosed  = errors.New("threaded: listener closed")
	errEOF     = errors.New("threaded: connection closed by peer")
	errNoFDs   = errors.New("threaded: out of file descriptors")
	errStopped = errors.New("threaded: server stopping")
	errTimeout = errors.New("threaded: read timed out")
)

// errNoRoom answers a connection refused for want of a thread or a
// descriptor (a late request head gets app.ErrHeadTimeout).
var errNoRoom = &app.Error{Status: 503, Reason: "no thread or descriptor left"}

// acceptBackoff is how long the accept loop waits when it has no descriptor
// for a connection and no spare to refuse it with.
const acceptBackoff = 10 * time.Millisecond

// Differences lists what users of this model should know beside the shared
// application's rules, which it follows exactly (it uses app's parser).
var Differences = []string{
	"connections beyond the thread capacity are closed without an answer (15,186 under the default --max-threads 20000; see the package doc)",
	"GOMAXPROCS follows the live connections (a quarter more, at least 64), so the process shows more Go scheduler cost and memory than the design itself needs",
	"on stop, requests in flight get 2 s to finish, then sleeps and backend calls are interrupted; a /cpu job or a /fifo wait in progress is waited for",
	"/file opens the name with O_NOFOLLOW on the data directory's descriptor (as node does), so a symbolic link in the data directory answers 500 even where it points inside it",
	"--pool, --loops and --cpu-offload are ignored",
}

// Bounds says how the model bounds what a hostile client can take (see
// model.Config and `loopbench torture`).
var Bounds = []string{
	"head timeout: before each read within a request, SO_RCVTIMEO is set to what is left of --head-timeout; past it 408, then a lingering close (itself bounded to 1 s in all)",
	"idle timeout: SO_RCVTIMEO between requests, and SO_SNDTIMEO on every write, so a client that takes no byte of an answer for --idle-timeout is closed",
	"unsent output: answers go out in blocking writes, at most --max-unsent gathered per write; a client that does not read blocks only its own thread, and its requests stay in the kernel",
	"out of threads (--max-threads) or descriptors: the connection is answered 503 and closed (descriptors through a spare one, libuv's EMFILE trick); the accept thread waits in poll(2) meanwhile, never spins",
	"a slowloris connection costs a thread (and its stack) until the head timeout",
}

// Model is the thread-per-connection server model.
type Model struct{}

// New returns the model.
func New() *Model { return &Model{} }

// server is one running instance: the connections it serves and the
// resources their threads share.
type server struct {
	gov  *governor
	up   *upstreamPool
	wake waker

	data dataDir        // where /file reads
	fifo *fifo.Blocking // /fifo's writes, each blocking its connection's thread

	head, idle time.Duration // the connection bounds (see model.Config)
	unsent     int
	spare      spareFD // refuses connections when descriptors run out
	noRoom     []byte  // the 503 answer of a refused connection

	conns    [connShards]connShard
	wg       sync.WaitGroup
	stopping atomic.Bool

	refusedOnce, noFDsOnce sync.Once
}

// Serve accepts connections on cfg.Addr, each served by its own OS thread,
// until ctx is cancelled; then it stops as described in the package doc and
// returns model.ErrServerClosed.
func (*Model) Serve(ctx context.Context, cfg model.Config) error {
	ln, err := listen(cfg.Addr)
	if err != nil {
		return err
	}
	s, err := newServer(cfg)
	if err != nil {
		ln.close()
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- s.acceptLoop(ln) }()
	select {
	case <-ctx.Done():
		ln.shutdown()
		err = <-errc
	case err = <-errc:
	}
	ln.close()
	s.stop()
	if errors.Is(err, errClosed) {
		return model.ErrServerClosed
	}
	return err
}

func newServer(cfg model.Config) (*server, error) {
	wake, err := newWaker()
	if err != nil {
		return nil, err
	}
	s := &server{wake: wake, up: newUpstreamPool(cfg.Backend), head: cfg.Head(), idle: cfg.Idle(),
		unsent: cfg.Unsent(), spare: newSpareFD(), noRoom: app.AppendError(nil, errNoRoom)}
	for i := range s.conns {
		s.conns[i].m = make(map[sock]struct{})
	}
	s.data = openDataDir(cfg.DataDir)
	s.fifo = fifo.NewBlocking(cfg.DataDir)
	s.gov = newGovernor(cfg.MaxThreads)
	return s, nil
}

// acceptLoop blocks its own thread in accept(2) and starts one thread per
// connection, refusing connections the thread limit has no room for.
func (s *server) acceptLoop(ln sock) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for {
		c, err := ln.accept()
		if errors.Is(err, errNoFDs) {
			s.noFDsOnce.Do(func() { log.Printf("threaded: %v; refusing new connections with 503 until descriptors free up", err) })
			fresh, refused := s.spare.refuseOne(ln, s.noRoom, acceptBackoff)
			if fresh < 0 {
				if !refused {
					time.Sleep(acceptBackoff)
				}
				continue
			}
			c, err = fresh, nil // descriptors are free again
		}
		if err != nil {
			return err
		}
		if !s.gov.admit() {
			s.refusedOnce.Do(func() {
				log.Printf("threaded: refusing connections beyond %d threads with 503 (raise --max-threads)", s.gov.capacity)
			})
			c.refuse(s.noRoom)
			continue
		}
		s.track(c)
		s.wg.Add(1)
		go s.serveConn(c)
	}
}

// serveConn runs on a thread of its own until the connection ends. It then
// unlocks the thread, which waits among the runtime's idle threads for the
// next connection: ending a thread instead costs the runtime a scan of every
// thread under its scheduler lock (see the package doc).
func (s *server) serveConn(fd sock) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer s.wg.Done()
	defer s.gov.leave()
	defer s.untrack(fd)
	c := conn{s: s, fd: fd, in: make([]byte, 0, initialBuffer)}
	if fd.setWriteTimeout(s.idle) != nil {
		return
	}
	c.serve()
}

// connShards spreads the set of open connections over several locks: when
// thousands of connections end at once, their threads would otherwise queue
// on one mutex, and a locked thread that waits for a mutex hands its
// scheduler slot over and takes it back, two more context switches.
const connShards = 64

type connShard struct {
	mu sync.Mutex
	m  map[sock]struct{}
}

func (s *server) shard(fd sock) *connShard { return &s.conns[int(fd)%connShards] }

// track and untrack keep the set of open connections, so stop can shut
// them. untrack closes the socket under the lock, so stop never touches a
// descriptor number that has been closed and reused.
func (s *server) track(fd sock) {
	sh := s.shard(fd)
	sh.mu.Lock()
	sh.m[fd] = struct{}{}
	sh.mu.Unlock()
}

func (s *server) untrack(fd sock) {
	sh := s.shard(fd)
	sh.mu.Lock()
	delete(sh.m, fd)
	fd.close()
	sh.mu.Unlock()
}

func (s *server) eachConn(f func(sock)) {
	for i := range s.conns {
		sh := &s.conns[i]
		sh.mu.Lock()
		for fd := range sh.m {
			f(fd)
		}
		sh.mu.Unlock()
	}
}

// stop ends every connection: idle ones at once, busy ones after the
// request they serve or after Grace, whichever comes first. A /cpu job or
// a /fifo write in progress cannot be interrupted and is waited for (a
// write at most its delay: the backend drains it then).
func (s *server) stop() {
	s.stopping.Store(true)
	s.eachConn(sock.shutdownRead)
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(Grace):
		s.wake.stop()
		s.up.close()
		s.eachConn(sock.shutdown)
		<-done
	}
	s.up.close()
	s.gov.stop()
	s.wake.close()
	s.spare.close()
	s.data.close()
	s.fifo.Close()
}
