//go:build !linux

package eventloop

import (
	"context"
	"errors"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"loopbench/app"
)

// server exists only on Linux, where the loop runs on epoll.
type server struct{}

func newServer(app.Config) (*server, error) { return nil, errors.ErrUnsupported }

func (*server) run(context.Context) error { return errors.ErrUnsupported }

func (*server) lagHistograms() []*hdrhistogram.Histogram { return nil }
