package hostinfo

import (
	"runtime"
	"testing"
)

// TestDescribe describes this host with the loopback interface picked by
// its address.
func TestDescribe(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads Linux's /proc and /sys")
	}
	h := Describe("127.0.0.1")
	if h.Kernel == "" || h.Cores == 0 || h.MemoryBytes == 0 || h.Virtualization == "" || len(h.Sysctls) == 0 {
		t.Errorf("host: %+v", h)
	}
	if h.NIC == nil || h.NIC.Name != "lo" || h.NIC.Addr != "127.0.0.1" || h.NIC.MTU == 0 {
		t.Errorf("NIC for 127.0.0.1: %+v", h.NIC)
	}
	if d := Describe("192.0.2.1"); d.NIC == nil && len(d.Notes) == 0 { // TEST-NET-1: routed, if at all, by the default route
		t.Errorf("an address no interface holds: no NIC and no note")
	}
}

func TestBracketed(t *testing.T) {
	if got := Bracketed("always [madvise] never"); got != "madvise" {
		t.Errorf("Bracketed: %q", got)
	}
	if got := Bracketed("performance"); got != "performance" {
		t.Errorf("Bracketed: %q", got)
	}
}
