package main

import (
	"errors"
	"io"
)

// runData is a placeholder until the command lands.
func runData(args []string, stdout, stderr io.Writer) error {
	return errors.ErrUnsupported
}
