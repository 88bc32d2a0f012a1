package main

import (
	"errors"
	"io"
)

// runLoad is a placeholder until the command lands.
func runLoad(args []string, stdout, stderr io.Writer) error {
	return errors.ErrUnsupported
}
