package app

import (
	"strings"
	"testing"
)

// BenchmarkPlaintext measures the /plaintext hot path a model runs per
// request: parse, route and render into a reused buffer. With -benchmem it
// shows 0 allocs/op.
func BenchmarkPlaintext(b *testing.B) {
	in := []byte("GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: loopbench\r\nAccept: */*\r\n\r\n")
	dst := make([]byte, 0, 4096)
	var r Request
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		n, err := Parse(in, &r)
		if n != len(in) || err != nil {
			b.Fatalf("Parse = %d, %v", n, err)
		}
		dst, _ = Handle(dst[:0], &r)
	}
}

// BenchmarkPipelined measures 16 pipelined /plaintext requests parsed from
// one buffer and answered into one output buffer; one op is the 16 requests.
func BenchmarkPipelined(b *testing.B) {
	in := []byte(strings.Repeat("GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n", 16))
	dst := make([]byte, 0, 16<<10)
	var r Request
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		dst = dst[:0]
		for buf := in; len(buf) > 0; {
			n, err := Parse(buf, &r)
			if n == 0 || err != nil {
				b.Fatalf("Parse = %d, %v", n, err)
			}
			dst, _ = Handle(dst, &r)
			buf = buf[n:]
		}
	}
}

// BenchmarkCPU measures one /cpu job of 1000 iterations, to size the cpu
// workload's iteration count for a target duration on a given host.
func BenchmarkCPU(b *testing.B) {
	for b.Loop() {
		CPU(1000)
	}
}
