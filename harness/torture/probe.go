package torture

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The probe: probeConns keep-alive connections, opened before the attack,
// each making a GET /plaintext every probeGap (about 200 requests a second
// in all), each bounded by probeTimeout. A failed connection is replaced.
const (
	probeConns   = 4
	probeGap     = 20 * time.Millisecond
	probeTimeout = 2 * time.Second
)

const plaintextGet = "GET /plaintext HTTP/1.1\r\nHost: loopbench\r\n\r\n"

type probe struct {
	addr  string
	stopc chan struct{}
	wg    sync.WaitGroup

	mu        sync.Mutex
	ok        int
	failed    int
	latencies []time.Duration
}

// probed is what the probe measured.
type probed struct {
	ok, failed int
	latencies  []time.Duration
}

func startProbe(addr string) *probe {
	p := &probe{addr: addr, stopc: make(chan struct{})}
	for range probeConns {
		c, _ := net.DialTimeout("tcp", addr, probeTimeout)
		p.wg.Go(func() { p.run(c) })
	}
	return p
}

func (p *probe) run(c net.Conn) {
	var br *bufio.Reader
	if c != nil {
		br = bufio.NewReader(c)
	}
	defer func() {
		if c != nil {
			c.Close()
		}
	}()
	for {
		select {
		case <-p.stopc:
			return
		case <-time.After(probeGap):
		}
		if c == nil {
			var err error
			if c, err = net.DialTimeout("tcp", p.addr, probeTimeout); err != nil {
				c = nil
				p.record(0, err)
				continue
			}
			br = bufio.NewReader(c)
		}
		begin := time.Now()
		err := exchange(c, br)
		p.record(time.Since(begin), err)
		if err != nil {
			c.Close()
			c = nil
		}
	}
}

func exchange(c net.Conn, br *bufio.Reader) error {
	c.SetDeadline(time.Now().Add(probeTimeout))
	if _, err := io.WriteString(c, plaintextGet); err != nil {
		return err
	}
	return readAnswer(br)
}

// readAnswer reads one answer and wants it to be 200 with a body of the
// length it declares.
func readAnswer(br *bufio.Reader) error {
	tp := textproto.NewReader(br)
	line, err := tp.ReadLine()
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "HTTP/1.1 200") {
		return fmt.Errorf("answered %q", line)
	}
	h, err := tp.ReadMIMEHeader()
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(h.Get("Content-Length"))
	if err != nil {
		return errors.New("answer without Content-Length")
	}
	_, err = br.Discard(n)
	return err
}

func (p *probe) record(d time.Duration, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.failed++
		return
	}
	p.ok++
	p.latencies = append(p.latencies, d)
}

func (p *probe) stop() probed {
	close(p.stopc)
	p.wg.Wait()
	return probed{ok: p.ok, failed: p.failed, latencies: p.latencies}
}

// p99Ms is the 99th percentile of the successful requests' latency, in
// milliseconds (nearest rank; 0 without any).
func (p probed) p99Ms() float64 {
	if len(p.latencies) == 0 {
		return 0
	}
	l := slices.Clone(p.latencies)
	slices.Sort(l)
	i := (len(l)*99 + 99) / 100
	return float64(l[min(i, len(l))-1].Microseconds()) / 1000
}
