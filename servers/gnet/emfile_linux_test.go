package gnet_test

import "testing"

// TestAcceptErrorStopsServer documents a limit of gnet: when accept fails
// with EMFILE (the process is at its descriptor limit), gnet's engine stops
// instead of backing off, and Serve returns an error.
func TestAcceptErrorStopsServer(t *testing.T) { suite.AcceptErrorStopsServer(t, "the engine") }
