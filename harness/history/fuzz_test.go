package history

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// FuzzRead checks that any bytes give records or an error naming the file,
// never a panic, and that what reads writes back and reads again alike.
func FuzzRead(f *testing.F) {
	var b bytes.Buffer
	for _, r := range synthetic(2, 1) {
		line, _ := json.Marshal(r)
		b.Write(append(line, '\n'))
	}
	f.Add(b.Bytes())
	f.Add([]byte(`{"schema":1,"commit":"a","time":"2026-12-01T10:00:00Z","machine":{"fingerprint":"f"},"rows":[]}`))
	f.Add([]byte("{\n}\n"))
	f.Add([]byte(`{"schema":1,"rows":[{"head":{"median":1e999}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := Read(bytes.NewReader(data), "f.jsonl")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.jsonl") {
				t.Errorf("error %q does not name the file", err)
			}
			return
		}
		var out bytes.Buffer
		for _, r := range recs {
			line, err := json.Marshal(r)
			if err != nil {
				t.Fatalf("a record read cannot be written: %v", err)
			}
			out.Write(append(line, '\n'))
		}
		again, err := Read(&out, "f.jsonl")
		if err != nil || len(again) != len(recs) {
			t.Errorf("written back, %d records read as %d: %v", len(recs), len(again), err)
		}
	})
}
