//go:build !linux

package eventloop

import (
	"context"
	"errors"

	"loopbench/servers/model"
)

// server exists only on Linux, where the loop runs on epoll.
type server struct{}

func newServer(model.Config) (*server, error) { return nil, errors.ErrUnsupported }

func (*server) run(context.Context) error { return errors.ErrUnsupported }

func (*server) lagStats() model.Stats { return model.Stats{} }

func (*server) backendName() string { return "" }
