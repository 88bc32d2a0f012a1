package main

import (
	"errors"
	"io"
)

// runRun is a placeholder until the command lands.
func runRun(args []string, stdout, stderr io.Writer) error {
	return errors.ErrUnsupported
}
