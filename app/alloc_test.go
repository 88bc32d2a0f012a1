//go:build !race

package app

import "testing"

// TestPlaintextAllocs keeps the /plaintext hot path free of allocations:
// parse, route and render into a reused buffer, as a model does per request.
func TestPlaintextAllocs(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"plaintext", get("/plaintext")},                                                            // the TechEmpower request
		{"json", get("/json", "Accept: application/json")},                                          // the other immediate route
		{"HTTP/1.0 keep-alive", request("GET", "/plaintext", "HTTP/1.0", "Connection: keep-alive")}, // the keep-alive header
		{"not found", get("/nowhere")},                                                              // a status answer
	}
	for _, tt := range tests {
		in := []byte(tt.in)
		dst := make([]byte, 0, 4096)
		var r Request
		allocs := testing.AllocsPerRun(1000, func() {
			n, err := Parse(in, &r)
			if n != len(in) || err != nil {
				t.Fatalf("Parse = %d, %v", n, err)
			}
			dst, _ = Handle(dst[:0], &r)
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per request; want 0", tt.name, allocs)
		}
	}
}

// TestReplyAllocs keeps the structured answers free of allocations: Route
// for an immediate answer, and a /sleep (or /fifo) answer rendered into a
// stack buffer, as Finish and a model calling FinishReply do.
func TestReplyAllocs(t *testing.T) {
	r := Request{Method: MethodGet, Path: []byte("/plaintext"), Minor: 1, KeepAlive: true}
	sleep := Action{Op: OpSleep, Millis: 60000, KeepAlive: true}
	fifo := Action{Op: OpFIFO, Millis: 60000, KeepAlive: true}
	dst := make([]byte, 0, 4096)
	tests := []struct {
		name string
		run  func()
	}{
		{"Route", func() { _, _ = Route(&r) }},
		{"FinishReply sleep", func() {
			var scratch [32]byte
			_ = FinishReply(scratch[:0], &sleep, nil, nil)
		}},
		{"Finish sleep", func() { dst = Finish(dst[:0], &sleep, nil, nil) }},
		{"Finish fifo", func() { dst = Finish(dst[:0], &fifo, nil, nil) }},
	}
	for _, tt := range tests {
		if allocs := testing.AllocsPerRun(1000, tt.run); allocs != 0 {
			t.Errorf("%s: %v allocations; want 0", tt.name, allocs)
		}
	}
}
