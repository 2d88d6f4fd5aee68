//go:build !unix

package bench

import (
	"errors"
	"time"
)

func processCPU() time.Duration { return 0 }

func serverCPU(int) time.Duration { return -1 }

// RSS returns 0: process sizes are read from /proc.
func RSS(int) int64 { return 0 }

// RaiseFileLimit is not supported here.
func RaiseFileLimit(uint64) (uint64, error) { return 0, errors.New("no file limit to raise") }
