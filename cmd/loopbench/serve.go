package main

import (
	"errors"
	"io"
)

// runServe is a placeholder until the command lands.
func runServe(args []string, stdout, stderr io.Writer) error {
	return errors.ErrUnsupported
}
