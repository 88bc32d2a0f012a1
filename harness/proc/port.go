package proc

import (
	"net"
	"strconv"
)

// FreePort returns a TCP port that was free on host ("" for every address
// of this machine, "127.0.0.1" for loopback) a moment ago, for a child to
// listen on.
func FreePort(host string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// FreeAddr returns a loopback address, 127.0.0.1:PORT, that was free a
// moment ago.
func FreeAddr() (string, error) {
	port, err := FreePort("127.0.0.1")
	if err != nil {
		return "", err
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), nil
}
