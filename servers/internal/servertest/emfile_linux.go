package servertest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

const emfileChildEnv = "LOOPBENCH_EMFILE_CHILD"

// AcceptErrorStopsServer checks a limit the event-loop libraries share: when
// accept fails with EMFILE (the process is at its descriptor limit), the
// library stops instead of backing off, and Serve returns an error. The
// server runs in a child process, this test binary run again for t alone
// with a low RLIMIT_NOFILE; this process is the client. t must be a
// top-level test, and stopped names what stops in the failure message
// ("the engine", "evio").
func (s Suite) AcceptErrorStopsServer(t *testing.T, stopped string) {
	if os.Getenv(emfileChildEnv) != "" {
		s.emfileChild(t)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*IOTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^"+t.Name()+"$")
	cmd.Env = append(os.Environ(), emfileChildEnv+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	lines := bufio.NewScanner(stdout)
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for lines.Scan() {
		line := lines.Text()
		if addr, ok := strings.CutPrefix(line, "READY "); ok {
			for range 8 {
				if c, err := net.DialTimeout("tcp", addr, IOTimeout); err == nil {
					conns = append(conns, c)
				}
			}
		}
		if result, ok := strings.CutPrefix(line, "RESULT "); ok {
			if !strings.Contains(result, "stopped on its own") {
				t.Errorf("at the descriptor limit: %s; want Serve to report that %s stopped\n%s", result, stopped, stderr.Bytes())
			}
			return
		}
	}
	t.Fatalf("the child server printed no result\n%s", stderr.Bytes())
}

// emfileChild serves with room for two more descriptors and reports what
// Serve returned once clients have connected.
func (s Suite) emfileChild(t *testing.T) {
	cfg := Config(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.New().Serve(ctx, cfg) }()
	for {
		c, err := net.Dial("tcp", cfg.Addr)
		if err == nil {
			c.Close()
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // let the server accept and close the probe
	lim := syscall.Rlimit{Cur: uint64(OpenFDs(t) + 2)}
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	lim.Max = old.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	fmt.Println("READY " + cfg.Addr)
	select {
	case err := <-done:
		fmt.Printf("RESULT Serve returned: %v\n", err)
	case <-time.After(5 * time.Second):
		fmt.Println("RESULT still serving 5 s after the clients connected")
		cancel()
		<-done
	}
}
