// Package evio is a server model (placeholder until its implementation lands).
package evio

import (
	"context"
	"errors"

	"loopbench/app"
)

// Model is the evio server model.
type Model struct{}

// New returns the model.
func New() *Model { return &Model{} }

// Serve is not implemented yet.
func (*Model) Serve(ctx context.Context, cfg app.Config) error {
	return errors.ErrUnsupported
}
