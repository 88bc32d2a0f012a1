//go:build !linux

package threaded

import (
	"errors"
	"fmt"
	"time"
)

// sock is a blocking socket; this model runs only on Linux.
type sock int

// endpoint is a resolved TCP address.
type endpoint struct{}

func listen(string) (sock, error)                 { return -1, errors.ErrUnsupported }
func resolve(string) (endpoint, error)            { return endpoint{}, errors.ErrUnsupported }
func (endpoint) dial(time.Duration) (sock, error) { return -1, errors.ErrUnsupported }
func (sock) accept() (sock, error)                { return -1, errors.ErrUnsupported }
func (sock) read([]byte) (int, error)             { return 0, errors.ErrUnsupported }
func (sock) write([]byte) error                   { return errors.ErrUnsupported }
func (sock) shutdownRead()                        {}
func (sock) shutdownWrite()                       {}
func (sock) shutdown()                            {}
func (sock) refuse([]byte)                        {}
func (sock) close() error                         { return errors.ErrUnsupported }
func (sock) setTimeout(time.Duration) error       { return errors.ErrUnsupported }
func (sock) setReadTimeout(time.Duration) error   { return errors.ErrUnsupported }
func (sock) setWriteTimeout(time.Duration) error  { return errors.ErrUnsupported }
func systemThreadLimit() int                      { return 0 }

// spareFD is a reserved descriptor; this model runs only on Linux.
type spareFD int

func newSpareFD() spareFD                                           { return -1 }
func (*spareFD) refuseOne(sock, []byte, time.Duration) (sock, bool) { return -1, false }
func (spareFD) close()                                              {}

// waker interrupts sleeping threads; this model runs only on Linux.
type waker int

func newWaker() (waker, error)          { return -1, errors.ErrUnsupported }
func (waker) sleep(time.Duration) error { return errors.ErrUnsupported }
func (waker) stop()                     {}
func (waker) close()                    {}

// Check reports why the model cannot run here: it uses Linux system calls.
func Check() error {
	return fmt.Errorf("threaded: needs Linux (blocking raw sockets through golang.org/x/sys/unix): %w", errors.ErrUnsupported)
}
