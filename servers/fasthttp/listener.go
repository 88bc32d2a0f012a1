package fasthttp

import (
	"errors"
	"log"
	"net"
	"sync"
	"syscall"
	"time"
)

// Backoff bounds of backoffListener, as net/http's Server.Serve uses.
const (
	minAcceptBackoff = 5 * time.Millisecond
	maxAcceptBackoff = time.Second
)

// backoffListener keeps fasthttp serving when the process runs out of
// descriptors: fasthttp's accept loop retries only timeouts, so EMFILE
// would end Server.Serve and the whole server with it. Accept instead
// waits, doubling from minAcceptBackoff up to maxAcceptBackoff, and tries
// again, as net/http does; connections already open keep being served, new
// clients wait in the listen queue until descriptors are free, and the
// accept goroutine sleeps rather than spins.
type backoffListener struct {
	net.Listener
	logOnce sync.Once
}

// Accept returns the next connection, waiting out descriptor exhaustion.
func (l *backoffListener) Accept() (net.Conn, error) {
	delay := time.Duration(0)
	for {
		c, err := l.Listener.Accept()
		if err == nil || !outOfDescriptors(err) {
			return c, err
		}
		l.logOnce.Do(func() {
			log.Printf("fasthttp: %v; waiting (%v, doubling up to %v) while existing connections are served; logged once",
				err, minAcceptBackoff, maxAcceptBackoff)
		})
		delay = min(max(2*delay, minAcceptBackoff), maxAcceptBackoff)
		time.Sleep(delay)
	}
}

// outOfDescriptors reports whether err is the process's or the system's
// descriptor limit.
func outOfDescriptors(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)
}
