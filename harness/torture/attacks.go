package torture

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// dial connects to the server with a bound.
func dial(addr string) (*net.TCPConn, error) {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return nil, err
	}
	return c.(*net.TCPConn), nil
}

// reset closes c with a reset instead of a FIN.
func reset(c *net.TCPConn) {
	c.SetLinger(0)
	c.Close()
}

// slowloris opens connections that each send the start of a request head,
// then one more header byte a second, and waits for the server to close
// them: every one must be closed within the head timeout plus a margin.
// slowlorisConns is how many connections slowloris opens.
const slowlorisConns = 2000

func slowloris(ctx context.Context, env *Env) error {
	n := env.count(slowlorisConns)
	margin := 2 * time.Second
	limit := env.HeadTimeout + margin
	var closedInTime, late, dialFailed, answered408 atomic.Int64
	var slowest atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64) // dials in flight
	for range n {
		sem <- struct{}{}
		c, err := dial(env.Addr)
		<-sem
		if err != nil {
			dialFailed.Add(1)
			continue
		}
		wg.Go(func() {
			defer c.Close()
			took, got408 := trickle(ctx, c, limit+time.Second)
			slowest.Store(max(slowest.Load(), int64(took)))
			if got408 {
				answered408.Add(1)
			}
			if took <= limit {
				closedInTime.Add(1)
			} else {
				late.Add(1)
			}
		})
	}
	wg.Wait()
	env.Notef("%d of %d closed within %v (head timeout + %v), %d answered 408, slowest %v, %d dials failed",
		closedInTime.Load(), n, limit, margin, answered408.Load(), time.Duration(slowest.Load()).Round(10*time.Millisecond), dialFailed.Load())
	switch {
	case late.Load() > 0:
		return fmt.Errorf("slowloris: %d of %d connections still open %v after their first byte", late.Load(), n, limit)
	case dialFailed.Load() > int64(n/100):
		return fmt.Errorf("slowloris: %d of %d connections could not be opened", dialFailed.Load(), n)
	}
	return nil
}

// trickle sends a head one byte a second until the server closes c or
// giveUp passes; it returns how long the server took and whether it
// answered 408 first.
func trickle(ctx context.Context, c *net.TCPConn, giveUp time.Duration) (time.Duration, bool) {
	begin := time.Now()
	if _, err := io.WriteString(c, "GET /plaintext HTTP/1.1\r\nHost: loopbench\r\nX-A: "); err != nil {
		return time.Since(begin), false
	}
	buf := make([]byte, 512)
	got408 := false
	for time.Since(begin) < giveUp && ctx.Err() == nil {
		c.SetReadDeadline(time.Now().Add(time.Second))
		n, err := c.Read(buf)
		if n > 0 {
			got408 = got408 || strings.HasPrefix(string(buf[:n]), "HTTP/1.1 408")
		}
		var ne net.Error
		switch {
		case err == nil:
		case errors.As(err, &ne) && ne.Timeout():
			if _, err := c.Write([]byte("a")); err != nil {
				return time.Since(begin), got408
			}
		default:
			return time.Since(begin), got408
		}
	}
	return time.Since(begin), got408
}

// nonReadingPipeliner writes pipelined requests as fast as the server
// takes them and never reads an answer.
func nonReadingPipeliner(ctx context.Context, env *Env) error {
	chunk := []byte(strings.Repeat(plaintextGet, 64<<10/len(plaintextGet)))
	var sent atomic.Int64
	var wg sync.WaitGroup
	d := env.dur(5 * time.Second)
	for range 4 {
		c, err := dial(env.Addr)
		if err != nil {
			return err
		}
		wg.Go(func() {
			defer c.Close()
			for end := time.Now().Add(d); time.Now().Before(end) && ctx.Err() == nil; {
				c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
				n, err := c.Write(chunk)
				sent.Add(int64(n))
				var ne net.Error
				if err != nil && !(errors.As(err, &ne) && ne.Timeout()) {
					return // the server closed it
				}
			}
		})
	}
	wg.Wait()
	env.Notef("the server took %s of requests it could not send answers to", mib(sent.Load()))
	return nil
}

// slowReader fetches the 1 MiB file on many connections with a tiny
// receive buffer and reads a few bytes a second.
// slowReaders is how many clients slow-reader opens.
const slowReaders = 100

func slowReader(ctx context.Context, env *Env) error {
	n, d := env.count(slowReaders), env.dur(5*time.Second)
	var read atomic.Int64
	var wg sync.WaitGroup
	for range n {
		c, err := dial(env.Addr)
		if err != nil {
			return err
		}
		c.SetReadBuffer(4096)
		wg.Go(func() {
			defer c.Close()
			if _, err := io.WriteString(c, "GET /file?name=large.bin HTTP/1.1\r\nHost: loopbench\r\n\r\n"); err != nil {
				return
			}
			buf := make([]byte, 4)
			for end := time.Now().Add(d); time.Now().Before(end) && ctx.Err() == nil; time.Sleep(500 * time.Millisecond) {
				c.SetReadDeadline(time.Now().Add(time.Second))
				k, err := io.ReadFull(c, buf)
				read.Add(int64(k))
				if err != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	env.Notef("%d clients read %d bytes in all", n, read.Load())
	return nil
}

// churn connects and closes as fast as it can: a third closes at once, a
// third resets at once, a third sends a request and closes before reading.
func churn(ctx context.Context, env *Env) error {
	var failed atomic.Int64
	d := env.dur(4 * time.Second)
	ran := workers(ctx, 16, d, int64(env.count(20000)), func(i int64) {
		c, err := dial(env.Addr)
		if err != nil {
			failed.Add(1)
			return
		}
		switch i % 3 {
		case 0:
			c.Close()
		case 1:
			reset(c)
		default:
			io.WriteString(c, plaintextGet)
			reset(c)
		}
	})
	env.Notef("%d connect-and-close in %v (%.0f/s), %d connects failed", ran, d, float64(ran)/d.Seconds(), failed.Load())
	if failed.Load() > ran/10 {
		return fmt.Errorf("churn: %d of %d connects failed", failed.Load(), ran)
	}
	return nil
}

// resetRequests are what a connection sends before it resets, and how much
// of the answer it reads first.
var resetRequests = []struct {
	send string
	read int
}{
	{"GET /plain", 0}, // in the request line
	{"GET /plaintext HTTP/1.1\r\nHost: loop", 0},                           // in the head
	{"POST /plaintext HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc", 0},      // in a body
	{"GET /sleep?ms=200 HTTP/1.1\r\nHost: loopbench\r\n\r\n", 0},           // while the answer waits on a timer
	{"GET /file?name=large.bin HTTP/1.1\r\nHost: loopbench\r\n\r\n", 4096}, // in the middle of a large answer
	{strings.Repeat(plaintextGet, 50), 1000},                               // in the middle of pipelined answers
}

// resets resets connections in the middle of requests and answers.
func resets(ctx context.Context, env *Env) error {
	var failed atomic.Int64
	d := env.dur(4 * time.Second)
	ran := workers(ctx, 16, d, int64(env.count(6000)), func(i int64) {
		c, err := dial(env.Addr)
		if err != nil {
			failed.Add(1)
			return
		}
		rr := resetRequests[i%int64(len(resetRequests))]
		c.SetDeadline(time.Now().Add(time.Second))
		io.WriteString(c, rr.send)
		if rr.read > 0 {
			io.ReadFull(c, make([]byte, rr.read))
		} else {
			time.Sleep(2 * time.Millisecond)
		}
		reset(c)
	})
	env.Notef("%d connections reset in %v, %d connects failed", ran, d, failed.Load())
	return nil
}

// fdExhaustion lowers the server's descriptor limit just above what it
// holds, opens more clients than fit, and wants the server to keep serving
// what it holds, to refuse the rest without spinning, and to recover once
// the clients leave.
func fdExhaustion(ctx context.Context, env *Env) error {
	base := env.server.snapshot()
	if err := env.server.setFileLimit(uint64(base.fds + 40)); err != nil {
		return fmt.Errorf("fd-exhaustion: %w", err)
	}
	n := env.count(200)
	var served, refused atomic.Int64
	var conns []*net.TCPConn
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			c, err := dial(env.Addr)
			if err != nil {
				refused.Add(1)
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			c.SetDeadline(time.Now().Add(2 * time.Second))
			io.WriteString(c, plaintextGet)
			if readAnswer(bufio.NewReader(c)) == nil {
				served.Add(1)
			} else {
				refused.Add(1)
			}
		})
	}
	wg.Wait()
	before := env.server.snapshot().cpu
	hold := env.dur(2 * time.Second)
	time.Sleep(hold) // every client still held: does the server spin?
	busy := env.server.snapshot().cpu - before
	for _, c := range conns {
		c.Close()
	}
	time.Sleep(300 * time.Millisecond)
	env.Notef("limit %d descriptors: %d clients served, %d refused or unanswered; server CPU %.0f%% of a core while exhausted",
		base.fds+40, served.Load(), refused.Load(), 100*busy.Seconds()/hold.Seconds())
	if share := busy.Seconds() / hold.Seconds(); share > 0.5 {
		return fmt.Errorf("fd-exhaustion: the server spun at %.0f%% of a core while out of descriptors", 100*share)
	}
	if served.Load() == 0 {
		return errors.New("fd-exhaustion: no client was served")
	}
	return nil
}

// malformed are the malformed requests of the conformance suite
// (servers/conformance_badinput_test.go), which every model must refuse
// without harm, sent here at volume.
var malformed = []string{
	"GARBAGE\r\n\r\n",
	"GET /plaintext\r\n\r\n",
	"GET /plaintext HTTP/1.1\nHost: loopbench\n\n",
	"GET /plaintext HTTP/1.1\r\nHost: loopbench\r\nNoColon\r\n\r\n",
	"GET /plaintext HTTP/1.1\r\nHost: loopbench\r\nX-Big: " + strings.Repeat("a", 9000) + "\r\n\r\n",
	"GET /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\nHost: loopbench\r\n\r\n",
	"GET /plaintext HTTP/2.0\r\n\r\n",
	"GET /plaintext HTTP/x.y\r\n\r\n",
	"GET http://loopbench/plaintext HTTP/1.1\r\nHost: loopbench\r\n\r\n",
	"GET /plaintext HTTP/1.1\r\nHost: loopbench\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	"GET /plaintext HTTP/1.1\r\nHost: loopbench\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx",
	"GET /plaintext HTTP/1.1\r\nHost: loopbench\r\nContent-Length: abc\r\n\r\n",
	"GET /plaintext HTTP/1.1\r\nHost: loopbench\r\nX-A: a\r\n b\r\n\r\n",
	"GET /plaintext HTTP/1.1\r\nHost: loopbench\r\nX-A: a\x00b\r\n\r\n",
	"GET /plain\x00text HTTP/1.1\r\nHost: loopbench\r\n\r\n",
	"GET /plaintext HTTP/1.1\r\n\r\n",
	"POST /plaintext HTTP/1.1\r\nHost: loopbench\r\nContent-Length: 70000\r\n\r\n" + strings.Repeat("b", 70000),
	"POST /plaintext HTTP/1.1\r\nHost: loopbench\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
	"GET /file?name=../../etc/passwd HTTP/1.1\r\n\r\n",
	"GET /cpu?iter=-1 HTTP/1.1\r\n\r\n",
	"GET /sleep?ms=99999999999999999999 HTTP/1.1\r\n\r\n",
}

// garbage sends random bytes or malformed requests on many connections,
// each read until the server closes it or a second has passed.
func garbage(ctx context.Context, env *Env) error {
	var failed atomic.Int64
	d := env.dur(4 * time.Second)
	ran := workers(ctx, 32, d, int64(env.count(8000)), func(i int64) {
		c, err := dial(env.Addr)
		if err != nil {
			failed.Add(1)
			return
		}
		defer c.Close()
		rng := rand.New(rand.NewPCG(uint64(i), 14))
		var payload []byte
		if i%2 == 0 {
			payload = make([]byte, 1+rng.IntN(16<<10))
			for j := range payload {
				payload[j] = byte(rng.Uint32())
			}
		} else {
			payload = []byte(strings.Repeat(malformed[rng.IntN(len(malformed))], 1+rng.IntN(4)))
		}
		c.SetDeadline(time.Now().Add(time.Second))
		c.Write(payload)
		io.Copy(io.Discard, c)
	})
	env.Notef("%d connections of garbage in %v, %d connects failed", ran, d, failed.Load())
	return nil
}

// hugeBody declares bodies of 10 GB and streams zeros: the server must
// answer or close each within 5 s, without reading the body.
func hugeBody(ctx context.Context, env *Env) error {
	n, limit := env.count(20), 5*time.Second
	heads := []string{
		"POST /plaintext HTTP/1.1\r\nHost: loopbench\r\nContent-Length: 10000000000\r\n\r\n",
		"GET /plaintext HTTP/1.1\r\nHost: loopbench\r\nContent-Length: 10000000000\r\n\r\n",
		"POST /json HTTP/1.1\r\nHost: loopbench\r\nTransfer-Encoding: chunked\r\n\r\n2540BE400\r\n",
	}
	var late, sent atomic.Int64
	var wg sync.WaitGroup
	for i := range n {
		c, err := dial(env.Addr)
		if err != nil {
			return err
		}
		wg.Go(func() {
			defer c.Close()
			k, ok := streamUntilAnswered(ctx, c, heads[i%len(heads)], limit)
			sent.Add(k)
			if !ok {
				late.Add(1)
			}
		})
	}
	wg.Wait()
	env.Notef("%d clients sent %s of body in all before the server answered or closed", n, mib(sent.Load()))
	if late.Load() > 0 {
		return fmt.Errorf("huge-body: %d of %d connections neither answered nor closed within %v", late.Load(), n, limit)
	}
	return nil
}

// streamUntilAnswered sends head, then zeros, until the server answers or
// closes (true) or limit passes (false); it returns the body bytes sent.
func streamUntilAnswered(ctx context.Context, c *net.TCPConn, head string, limit time.Duration) (int64, bool) {
	if _, err := io.WriteString(c, head); err != nil {
		return 0, true
	}
	answered := make(chan struct{})
	go func() {
		c.SetReadDeadline(time.Now().Add(limit))
		var b [1]byte
		if _, err := c.Read(b[:]); !errors.Is(err, os.ErrDeadlineExceeded) {
			close(answered)
		}
	}()
	zeros := make([]byte, 64<<10)
	var sent int64
	for end := time.Now().Add(limit); time.Now().Before(end) && ctx.Err() == nil; {
		select {
		case <-answered:
			return sent, true
		default:
		}
		c.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
		k, err := c.Write(zeros)
		sent += int64(k)
		var ne net.Error
		if err != nil && !(errors.As(err, &ne) && ne.Timeout()) {
			return sent, true // closed or reset by the server
		}
	}
	select {
	case <-answered:
		return sent, true
	case <-time.After(100 * time.Millisecond):
		return sent, false
	}
}
