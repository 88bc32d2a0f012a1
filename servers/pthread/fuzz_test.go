package pthread

import (
	"bytes"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"loopbench/servers/internal/child"
	"loopbench/servers/internal/testkit"
	"loopbench/servers/model"
)

// maxSleeps bounds the /sleep waits an input may ask for: longer ones are
// skipped, so that a fuzzed input cannot make a test wait for a minute.
const maxSleeps = 20 * time.Millisecond

// FuzzServer sends each input over a socket to the server and wants the
// shared application's answers to it byte for byte (the Date aside): the
// C parser against app's, and no input may crash or hang the server.
func FuzzServer(f *testing.F) {
	for _, in := range inputs {
		f.Add([]byte(in.raw))
	}
	if err := Check(); err != nil {
		f.Skipf("pthread model unavailable: %v", err)
	}
	srv := testkit.Start(f, &Model{Stderr: io.Discard}, model.Config{Addr: testkit.FreeAddr(f)})
	f.Fuzz(func(t *testing.T, raw []byte) {
		if expect(raw).sleeps > maxSleeps {
			t.Skip("the input sleeps too long")
		}
		if err := checkInput(srv.Addr, raw); err != nil {
			t.Fatal(err)
		}
	})
}

// randomInputs is how many inputs TestRandomInput sends, from this seed.
const (
	randomInputs = 400
	randomSeed   = 24
)

// TestRandomInput sends a bounded number of random inputs, mutated from
// the requests and bad inputs of TestAnswers, to a build of the server
// with the address and undefined-behaviour sanitizers where the compiler
// has them: every answer must be the shared application's, the server
// must not crash or report a fault, and every connection thread must end.
func TestRandomInput(t *testing.T) {
	requireServer(t)
	bin, sanitized := sanitizedBuild(t)
	addr, pid, stderr := startBinary(t, bin)
	seeds := make([][]byte, len(inputs))
	for i, in := range inputs {
		seeds[i] = []byte(in.raw)
	}
	rng := rand.New(rand.NewPCG(randomSeed, 0))
	work := make(chan []byte)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	for range 8 {
		wg.Go(func() {
			for raw := range work {
				if err := checkInput(addr, raw); err != nil {
					mu.Lock()
					failures = append(failures, err.Error())
					mu.Unlock()
				}
			}
		})
	}
	for sent := 0; sent < randomInputs; {
		if raw := mutate(rng, seeds); expect(raw).sleeps <= maxSleeps {
			work <- raw
			sent++
		}
	}
	close(work)
	wg.Wait()
	for i, f := range failures {
		if i == 5 {
			t.Errorf("... and %d more", len(failures)-i)
			break
		}
		t.Error(f)
	}
	if r, err := exchangeAll(addr, []byte(testkit.Get("/plaintext"))); err != nil || !bytes.Contains(r, []byte("Hello, World!")) {
		t.Errorf("the server no longer answers after the random inputs: %q, %v; stderr:\n%s", r, err, stderr)
	}
	if n := waitThreads(t, pid, 1); n != 1 {
		t.Errorf("%d threads 10 s after the random inputs, want 1", n)
	}
	if s := stderr.String(); strings.Contains(s, "Sanitizer") || strings.Contains(s, "runtime error") {
		t.Errorf("the sanitizers report:\n%s", s)
	}
	t.Logf("%d random inputs (seed %d), sanitizers: %v", randomInputs, randomSeed, sanitized)
}

// sanitizedBuild builds the server with the address and undefined
// behaviour sanitizers, or returns the plain build where the compiler
// lacks them or their binary cannot run here.
func sanitizedBuild(t *testing.T) (bin string, sanitized bool) {
	plain, _ := find()
	path := filepath.Join(t.TempDir(), BinaryName+"-sanitized")
	if out, err := Build(path, "-g", "-fno-omit-frame-pointer", "-fsanitize=address,undefined", "-fno-sanitize-recover=all"); err != nil {
		t.Logf("no sanitizers, the plain build instead: %v\n%s", err, out)
		return plain, false
	}
	if err := exec.Command(path, "--max-threads").Run(); err != nil && !strings.Contains(err.Error(), "exit status 2") {
		t.Logf("the sanitized build cannot run here (%v); the plain build instead", err)
		return plain, false
	}
	return path, true
}

// startBinary runs bin on a free address until the test ends, and
// returns the address, the process's pid and its standard error.
func startBinary(t *testing.T, bin string) (addr string, pid int, stderr *testkit.SyncBuffer) {
	t.Helper()
	addr = testkit.FreeAddr(t)
	cmd := exec.Command(bin, "--addr", addr)
	cmd.Env = append(os.Environ(), "ASAN_OPTIONS=detect_leaks=0", "UBSAN_OPTIONS=print_stacktrace=1")
	stderr = &testkit.SyncBuffer{}
	cmd.Stderr = stderr
	cmd.SysProcAttr = child.SysProcAttr()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s exited with %v; stderr:\n%s", bin, err, stderr)
			}
		case <-time.After(stopTimeout):
			cmd.Process.Kill()
			<-done
			t.Errorf("%s did not stop on SIGTERM", bin)
		}
	})
	if err := testkit.WaitListening(addr, done); err != nil {
		t.Fatalf("%v; stderr:\n%s", err, stderr)
	}
	return addr, cmd.Process.Pid, stderr
}

// tokens are what mutate inserts: the bytes and pieces a parser decides on.
var tokens = []string{"\r", "\n", "\r\n", "\r\n\r\n", " ", "\t", ":", ";", ",", "@", "#", "*", "\x00", "\x7f", "\xff", "?", "&", "=", "%", "/",
	"ms=", "0", "9", "a", "99999", "HTTP/1.0", "HTTP/1.1", "HTTP/1.2", "HEAD", "OPTIONS", "CONNECT", "http://loopbench",
	"Host: loopbench\r\n", "Host: a b\r\n", "Content-Length: 3\r\n", "Content-Length: 70000\r\n",
	"Transfer-Encoding: chunked\r\n", "Transfer-Encoding: gzip, chunked\r\n", "Expect: 100-continue\r\n",
	"3\r\nabc\r\n", "0\r\n\r\n", "Connection: close\r\n", "Connection: keep-alive\r\n",
	"GET /sleep?ms=1 HTTP/1.1\r\nHost: loopbench\r\n\r\n", "GET /plaintext HTTP/1.0\r\n\r\n"}

// mutate returns a seed changed one to four times at random.
func mutate(rng *rand.Rand, seeds [][]byte) []byte {
	b := slices.Clone(seeds[rng.IntN(len(seeds))])
	for range 1 + rng.IntN(4) {
		i := rng.IntN(len(b) + 1)
		j := i + rng.IntN(len(b)-i+1)
		switch rng.IntN(7) {
		case 0:
			if i < len(b) {
				b[i] = byte(rng.IntN(256))
			}
		case 1:
			b = slices.Insert(b, i, []byte(tokens[rng.IntN(len(tokens))])...)
		case 2:
			b = slices.Delete(b, i, j)
		case 3:
			b = slices.Insert(b, j, slices.Clone(b[i:j])...)
		case 4:
			b = b[:i]
		case 5:
			b = append(b, seeds[rng.IntN(len(seeds))]...)
		case 6:
			noise := make([]byte, rng.IntN(64))
			for k := range noise {
				noise[k] = byte(rng.IntN(256))
			}
			b = slices.Insert(b, i, noise...)
		}
	}
	return b
}
