package main

import (
	"errors"
	"io"
)

// runReport is a placeholder until the command lands.
func runReport(args []string, stdout, stderr io.Writer) error {
	return errors.ErrUnsupported
}
