package eventloop

import (
	"context"
	"strconv"
	"testing"

	"loopbench/servers/internal/testkit"
	"loopbench/servers/model"
)

// testServer is a running server and the server itself, for the tests that
// look inside it.
type testServer struct {
	*testkit.Server
	s *server
}

// startServer runs a server on a free loopback port with cfg (Addr is
// filled in, DataDir too when empty), tuned first by tune if not nil, until
// the test ends.
func startServer(t *testing.T, cfg model.Config, tune func(*server)) *testServer {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	if cfg.DataDir == "" {
		cfg.DataDir = testkit.DataDir(t)
	}
	s, err := newServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if tune != nil {
		tune(s)
	}
	cfg.Addr = "127.0.0.1:" + strconv.Itoa(s.port)
	return &testServer{Server: testkit.Start(t, created{s}, cfg), s: s}
}

// created is a model.Model that serves a server already created (and
// tuned) by the test.
type created struct{ s *server }

func (m created) Serve(ctx context.Context, _ model.Config) error {
	if err := m.s.run(ctx); err != nil {
		return err
	}
	return model.ErrServerClosed
}
