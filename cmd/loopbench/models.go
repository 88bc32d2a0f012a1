package main

import (
	"errors"
	"io"
)

// runModels is a placeholder until the command lands.
func runModels(args []string, stdout, stderr io.Writer) error {
	return errors.ErrUnsupported
}
