package backend

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// childEnv makes the test binary serve as a backend process (see
// serveChild), so BenchmarkProcess can measure the backend's CPU alone.
const childEnv = "LOOPBENCH_BACKEND_CHILD"

// serveChild serves on a free port, prints the address on stdout and stops
// when stdin closes.
func serveChild() int {
	s, err := Listen("127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(s.Addr())
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	if err := s.Serve(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// BenchmarkPipelined measures the backend's own cost per request: 100
// pipelined requests of 0 ms per round trip on one connection.
func BenchmarkPipelined(b *testing.B) {
	s, err := Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(ctx) }()
	defer func() { cancel(); <-errc }()
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	const depth = 100
	req := []byte(strings.Repeat("0\n", depth))
	r := bufio.NewReader(c)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		for range depth {
			if _, err := r.ReadSlice('\n'); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*depth), "ns/request")
}

// BenchmarkRoundTrip measures requests that are not pipelined, as the
// models' upstream pools send them: 64 connections, one 0 ms request in
// flight on each. It reports the process's CPU time (backend and client
// together) per request, an upper bound on the backend's own cost.
func BenchmarkRoundTrip(b *testing.B) {
	s, err := Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(ctx) }()
	defer func() { cancel(); <-errc }()
	before := cpuTime()
	b.ResetTimer()
	closedLoop(b, s.Addr(), 64, []byte("0\n"))
	b.ReportMetric(float64((cpuTime()-before).Nanoseconds())/float64(b.N), "cpu-ns/request")
}

// BenchmarkProcess runs the backend as a separate process and measures its
// own CPU time per request (user+system from /proc, 10 ms resolution), with
// 64 or 256 connections each keeping one request in flight, as the models'
// pools do. Pin it for meaningful figures, e.g.
//
//	taskset -c 0 go test -run '^$' -bench Process -benchtime 5s ./backend
func BenchmarkProcess(b *testing.B) {
	for _, bb := range []struct{ ms, conns int }{{0, 64}, {5, 64}, {5, 256}} {
		b.Run(fmt.Sprintf("ms-%d/conns-%d", bb.ms, bb.conns), func(b *testing.B) {
			addr, pid, stop := startChild(b)
			defer stop()
			before := procCPU(b, pid)
			b.ResetTimer()
			closedLoop(b, addr, bb.conns, []byte(strconv.Itoa(bb.ms)+"\n"))
			b.StopTimer()
			b.ReportMetric(float64((procCPU(b, pid)-before).Microseconds())/float64(b.N), "backend-µs/request")
		})
	}
}

// startChild starts the test binary as a backend process.
func startChild(b *testing.B) (addr string, pid int, stop func()) {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	stop = func() {
		stdin.Close()
		cmd.Wait()
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		stop()
		b.Fatalf("backend child: %v", err)
	}
	return strings.TrimSpace(line), cmd.Process.Pid, stop
}

// closedLoop sends b.N requests over conns connections, one in flight on each.
func closedLoop(b *testing.B, addr string, conns int, req []byte) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		wg.Go(func() {
			r := bufio.NewReader(c)
			for next.Add(1) <= int64(b.N) {
				if _, err := c.Write(req); err != nil {
					return
				}
				if _, err := r.ReadSlice('\n'); err != nil {
					return
				}
			}
		})
	}
	wg.Wait()
}

// procCPU reads a process's user+system time from /proc/PID/stat.
func procCPU(b *testing.B, pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Skipf("no /proc: %v", err)
	}
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
