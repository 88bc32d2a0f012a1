package main

import (
	"errors"
	"io"
)

// runBackend is a placeholder until the command lands.
func runBackend(args []string, stdout, stderr io.Writer) error {
	return errors.ErrUnsupported
}
