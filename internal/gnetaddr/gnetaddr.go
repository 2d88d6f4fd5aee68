// Package gnetaddr tells which address a gnet engine listens on, which
// gnet does not expose (needed when it was asked for port 0).
package gnetaddr

import (
	"net"
	"os"

	"github.com/panjf2000/gnet/v2"
)

// Of returns the "ip:port" of the engine's listener. Call it from OnBoot
// or later.
func Of(eng gnet.Engine) (string, error) {
	fd, err := eng.Dup()
	if err != nil {
		return "", err
	}
	f := os.NewFile(uintptr(fd), "listener")
	defer f.Close()
	ln, err := net.FileListener(f)
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
