package main

import (
	"errors"
	"io"
)

// runPlot is a placeholder until the command lands.
func runPlot(args []string, stdout, stderr io.Writer) error {
	return errors.ErrUnsupported
}
