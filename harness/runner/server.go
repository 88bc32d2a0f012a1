package runner

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"loopbench/app"
	"loopbench/harness/cgroup"
	"loopbench/harness/proc"
	"loopbench/harness/results"
	"loopbench/servers/model"
)

// readyTimeout bounds how long a server may take to answer its first
// /plaintext correctly.
const readyTimeout = 15 * time.Second

// server is one `loopbench serve` child.
type server struct {
	*proc.Child
	addr      string
	statsFile string
	group     *cgroup.Group // the server's own cgroup, or nil where the host has none
}

// serverSpec is what a server is started with.
type serverSpec struct {
	// binary runs `loopbench serve`: the run's, or its side's in an A/B run.
	binary  string
	model   string
	flags   []string
	cpus    proc.CPUSet
	dataDir string
	backend string
	tmpDir  string // where its stats file goes
}

// startServer starts `loopbench serve` on a free port, pins it and waits
// until it answers GET /plaintext correctly. On failure the server is
// stopped and the error carries the tail of its output.
func (r *Runner) startServer(s serverSpec) (*server, error) {
	addr, err := proc.FreeAddr()
	if err != nil {
		return nil, err
	}
	stats, err := os.CreateTemp(s.tmpDir, "stats-*.json")
	if err != nil {
		return nil, err
	}
	stats.Close()
	os.Remove(stats.Name()) // the server writes it on stop; a stale file would be misread
	argv := []string{s.binary, "serve", "--model", s.model, "--addr", addr, "--stats-file", stats.Name()}
	if s.dataDir != "" {
		argv = append(argv, "--data", s.dataDir)
	}
	if s.backend != "" {
		argv = append(argv, "--backend", s.backend)
	}
	argv = append(argv, s.flags...)
	g := r.newGroup()
	c, err := proc.Start(proc.Spec{Name: "server " + s.model, Argv: argv, CPUs: s.cpus, Taskset: r.taskset, Group: g})
	if err != nil {
		if g != nil {
			g.Remove()
		}
		return nil, err
	}
	srv := &server{Child: c, addr: addr, statsFile: stats.Name(), group: g}
	if err := c.Poll(context.Background(), readyTimeout, func() error { return checkPlaintext(addr) }); err != nil {
		c.Kill()
		srv.removeGroup()
		return nil, &serverError{reason: err.Error(), output: c.Output()}
	}
	// Pin again: threads started while the server got ready inherited the
	// affinity already, but a server started without taskset may have made
	// threads between its start and the first pinning.
	if err := proc.Pin(c.PID(), s.cpus); err != nil && !c.Exited() {
		c.Kill()
		srv.removeGroup()
		return nil, err
	}
	return srv, nil
}

// newGroup makes a cgroup for the next server, so its CPU time is read in
// nanoseconds and its memory with the kernel's share. Where the host allows
// none, the runner says so once and measures from /proc alone.
func (r *Runner) newGroup() *cgroup.Group {
	if r.noGroups {
		return nil
	}
	r.groups++
	g, err := cgroup.Create(fmt.Sprintf("loopbench-%d-%d", os.Getpid(), r.groups))
	if err != nil {
		r.noGroups = true
		r.note(fmt.Sprintf("no cgroup for the servers (%v): server CPU comes from /proc's clock ticks and memory is RSS alone, without the kernel's share", err))
		return nil
	}
	if r.groups == 1 {
		r.note(fmt.Sprintf("each server runs in a cgroup of its own (%s, e.g. %s): CPU time in nanoseconds, memory with the kernel's share (stacks, page tables, slab, socket buffers)", g.Layout, strings.Join(g.Dirs(), " and ")))
	}
	return g
}

// removeGroup deletes the server's cgroup once its process has exited.
func (srv *server) removeGroup() {
	if srv.group != nil && srv.Exited() {
		srv.group.Remove()
		srv.group = nil
	}
}

// serverError is a server that failed to start or to keep answering, with
// the tail of its output.
type serverError struct {
	reason string
	output string
}

func (e *serverError) Error() string { return e.reason }

// checkPlaintext sends one GET /plaintext and checks the answer is 200 with
// the right body. It reads the answer by its Content-Length, so a server
// that keeps the connection open despite "Connection: close" does not stall it.
func checkPlaintext(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.WriteString(conn, "GET /plaintext HTTP/1.1\r\nHost: loopbench\r\nConnection: close\r\n\r\n"); err != nil {
		return err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 || !bytes.Equal(body, app.PlaintextBody()) {
		return fmt.Errorf("GET /plaintext answered %q with body %.40q, want 200 %q", resp.Status, body, app.PlaintextBody())
	}
	return nil
}

// stopAndReadLag stops the server and reads the loop lag it wrote on stop,
// if it measures one.
func (srv *server) stopAndReadLag() (*results.LoopLag, error) {
	stopErr := srv.Stop()
	defer os.Remove(srv.statsFile)
	stats, ok, err := model.ReadStats(srv.statsFile)
	if errors.Is(err, os.ErrNotExist) || (err == nil && !ok) {
		return nil, stopErr
	}
	if err != nil {
		return nil, errors.Join(stopErr, err)
	}
	return &stats.LoopLag, stopErr
}
