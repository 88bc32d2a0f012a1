package evio_test

import "testing"

// TestAcceptErrorStopsServer documents a limit of evio: when accept fails
// with EMFILE (the process is at its descriptor limit), evio's loop returns
// the error and the server stops instead of backing off, and Serve returns
// an error.
func TestAcceptErrorStopsServer(t *testing.T) { suite.AcceptErrorStopsServer(t, "evio") }
