//go:build !linux

package sample

import (
	"errors"
	"time"
)

// Read needs Linux's /proc.
func Read(pid int) (Stat, error) { return Stat{}, errors.ErrUnsupported }

// Self needs Linux.
func Self() (user, sys time.Duration, err error) { return 0, 0, errors.ErrUnsupported }

func readLight(pid int) (Stat, error) { return Stat{}, errors.ErrUnsupported }

func readTreeCtxSw(pid int) (vol, invol int64, err error) { return 0, 0, errors.ErrUnsupported }
