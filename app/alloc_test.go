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
