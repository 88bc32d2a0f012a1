// Package servers defines the contract every server model implements and the
// explicit table of models by name.
package servers

import (
	"context"

	"loopbench/app"
)

// Model serves the shared application until ctx is cancelled. Serve always
// returns a non-nil error: app.ErrServerClosed after a clean stop.
type Model interface {
	Serve(ctx context.Context, cfg app.Config) error
}
