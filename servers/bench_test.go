package servers_test

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"loopbench/servers/internal/testkit"
)

// BenchmarkPlaintext measures GET /plaintext against every row, with the
// client in this process: 1 and 64 keep-alive connections, and 64 connections
// pipelining 16 requests per write. ns/op is wall time per request. The client
// shares the CPUs (and, for threaded, GOMAXPROCS) with in-process models, so
// these figures track regressions of one model; comparisons between models
// come from `loopbench run`, which runs server and client as separate pinned
// processes.
func BenchmarkPlaintext(b *testing.B) {
	for _, r := range rows {
		b.Run(r.name, func(b *testing.B) {
			s := start(b, r)
			defer s.stop(b)
			for _, load := range []struct{ conns, depth int }{{1, 1}, {64, 1}, {64, 16}} {
				b.Run(fmt.Sprintf("conns-%d/depth-%d", load.conns, load.depth), func(b *testing.B) {
					drive(b, s.addr, load.conns, load.depth)
				})
			}
		})
	}
}

// drive makes b.N requests over conns connections, depth requests per write.
func drive(b *testing.B, addr string, conns, depth int) {
	cs := make([]*testkit.Client, conns)
	for i := range cs {
		cs[i] = testkit.Dial(b, addr)
	}
	batch := bytes.Repeat([]byte("GET /plaintext HTTP/1.1\r\nHost: loopbench\r\n\r\n"), depth)
	var left atomic.Int64
	left.Store(int64(b.N))
	var wg sync.WaitGroup
	var failed atomic.Value
	b.ResetTimer()
	for _, c := range cs {
		wg.Go(func() {
			for left.Add(-int64(depth)) > -int64(depth) {
				if err := roundTrip(c, batch, depth); err != nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if err := failed.Load(); err != nil {
		b.Fatal(err)
	}
}

// roundTrip writes a batch of requests and reads as many answers, checking
// only the status line and skipping the body by its Content-Length.
func roundTrip(c *testkit.Client, batch []byte, depth int) error {
	if _, err := c.Conn.Write(batch); err != nil {
		return err
	}
	for range depth {
		if err := skipResponse(c.R); err != nil {
			return err
		}
	}
	return nil
}

func skipResponse(br *bufio.Reader) error {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(line, []byte("HTTP/1.1 200 ")) {
		return fmt.Errorf("answered %q", line)
	}
	length := 0
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 {
			break
		}
		if v, ok := bytes.CutPrefix(bytes.ToLower(line), []byte("content-length:")); ok {
			length, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
		}
	}
	_, err = br.Discard(length)
	return err
}
