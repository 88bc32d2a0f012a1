package node

import (
	"io"
	"testing"

	"loopbench/servers/internal/testkit"
	"loopbench/servers/model"
)

// requireNode skips the test when node cannot run here, with the reason.
func requireNode(t *testing.T) {
	t.Helper()
	if err := Check(); err != nil {
		t.Skipf("node model unavailable: %v", err)
	}
}

// start serves cfg with the node model until the test ends; cfg.Addr and
// cfg.DataDir are filled in when empty. Node's standard error is not shown:
// Serve's error carries its end.
func start(t *testing.T, cfg model.Config) *testkit.Server {
	t.Helper()
	requireNode(t)
	if cfg.Addr == "" {
		cfg.Addr = testkit.FreeAddr(t)
	}
	if cfg.DataDir == "" {
		cfg.DataDir = testkit.DataDir(t)
	}
	return testkit.Start(t, &Model{Stderr: io.Discard}, cfg)
}

// get sends one GET of target on a fresh connection and reads the answer.
func get(addr, target string) (*testkit.Response, error) {
	c, err := testkit.DialErr(addr)
	if err != nil {
		return nil, err
	}
	defer c.Conn.Close()
	return c.Exchange(testkit.Get(target))
}
