//go:build !race

package loadgen

import "testing"

// TestParseAllocs checks that reading answers allocates nothing.
func TestParseAllocs(t *testing.T) {
	exp, err := Expect("/plaintext")
	if err != nil {
		t.Fatal(err)
	}
	c := newConn(nil, []route{{target: "/plaintext", request: []byte("GET /plaintext HTTP/1.1\r\n\r\n"), expect: exp}}, 16)
	resp := []byte(okHead + "Hello, World!")
	ans := make([]answer, 0, 16)
	allocs := testing.AllocsPerRun(100, func() {
		for range 16 {
			c.push(flight{})
			c.w += copy(c.rbuf[c.w:], resp)
		}
		c.wbuf = c.wbuf[:0]
		var err error
		ans, err = c.parse(ans[:0])
		if err != nil || len(ans) != 16 {
			t.Fatalf("%d answers, error %v", len(ans), err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per 16 answers, want 0", allocs)
	}
}

func BenchmarkParse16(b *testing.B) {
	exp, _ := Expect("/plaintext")
	c := newConn(nil, []route{{target: "/plaintext", expect: exp}}, 16)
	resp := []byte(okHead + "Hello, World!")
	ans := make([]answer, 0, 16)
	b.SetBytes(int64(16 * len(resp)))
	for b.Loop() {
		for range 16 {
			c.push(flight{})
			c.w += copy(c.rbuf[c.w:], resp)
		}
		c.wbuf = c.wbuf[:0]
		ans, _ = c.parse(ans[:0])
	}
}
