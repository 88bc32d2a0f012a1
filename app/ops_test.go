package app

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestCPU checks the /cpu key against values computed independently
// (Python's hashlib.pbkdf2_hmac with the same password and salt).
func TestCPU(t *testing.T) {
	tests := []struct {
		iter int
		want string
	}{
		{1, "81510d5b459aa99458a70de311caf59383b2dd789792caa57f649d17b6433557"},
		{1000, "b703d883031c0b97d8bcbf1e5562f1df395106bb1867eb69807ddfe0f719b2e3"},
	}
	for _, tt := range tests {
		if got := string(CPU(tt.iter)); got != tt.want {
			t.Errorf("CPU(%d) = %s; want %s", tt.iter, got, tt.want)
		}
	}
}

// TestDataFiles checks that the data files are written with their sizes and
// deterministic contents, and read back only from inside the directory.
func TestDataFiles(t *testing.T) {
	dir := t.TempDir()
	if HasDataFiles(dir) {
		t.Fatal("HasDataFiles of an empty directory is true")
	}
	if err := WriteDataFiles(dir); err != nil {
		t.Fatal(err)
	}
	if !HasDataFiles(dir) {
		t.Fatal("HasDataFiles after WriteDataFiles is false")
	}
	for _, f := range DataFiles {
		got, err := ReadFile(dir, f.Name)
		if err != nil || !bytes.Equal(got, DataContent(f.Size)) {
			t.Errorf("%s: %d bytes, %v; want the %d bytes of DataContent", f.Name, len(got), err, f.Size)
		}
	}
	if !bytes.Equal(DataContent(10), DataContent(100)[:10]) {
		t.Error("DataContent of a smaller size is not a prefix of a larger one")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(DataFiles) {
		t.Errorf("directory holds %d entries; want only the %d data files", len(entries), len(DataFiles))
	}
	if _, err := ReadFile(dir, "missing.bin"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v; want fs.ErrNotExist", err)
	}
	outside := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(outside, []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "link.bin")); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadFile(dir, "link.bin"); err == nil {
		t.Errorf("a symbolic link out of the data directory was followed: %q", got)
	}
}

// TestReadFileInto checks the buffer-reusing read the models use for /file.
func TestReadFileInto(t *testing.T) {
	dir := t.TempDir()
	if err := WriteDataFiles(dir); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	var buf []byte
	for _, f := range DataFiles {
		buf, err = ReadFileInto(root, f.Name, buf)
		if err != nil || !bytes.Equal(buf, DataContent(f.Size)) {
			t.Errorf("%s: %d bytes, %v; want the %d bytes of DataContent", f.Name, len(buf), err, f.Size)
		}
	}
	// A buffer large enough is reused, not replaced.
	big := make([]byte, 0, 2<<20)
	got, err := ReadFileInto(root, "small.bin", big)
	if err != nil || len(got) != 1<<10 || cap(got) != cap(big) {
		t.Errorf("small.bin into a 2 MiB buffer: %d bytes, capacity %d, %v; want 1024 bytes in the same buffer", len(got), cap(got), err)
	}
	if got, err := ReadFileInto(root, "missing.bin", big); !errors.Is(err, fs.ErrNotExist) || len(got) != 0 {
		t.Errorf("missing file: %d bytes, %v; want none and fs.ErrNotExist", len(got), err)
	}
	if got, err := ReadFileInto(root, "../escape", nil); err == nil {
		t.Errorf("a name out of the root was read: %q", got)
	}
}

// TestUpstreamProtocol checks both directions of the backend's line protocol.
func TestUpstreamProtocol(t *testing.T) {
	requests := []struct {
		in      string
		n, ms   int
		wantErr bool
	}{
		{"5\n", 2, 5, false},                    // one request
		{"60000\n7\n", 6, 60000, false},         // the largest delay, another request behind it
		{"0\n", 2, 0, false},                    // no delay
		{"12", 0, 0, false},                     // incomplete: wait
		{"", 0, 0, false},                       // nothing yet
		{"60001\n", 0, 0, true},                 // over the limit
		{"123456\n", 0, 0, true},                // too many digits
		{"\n", 0, 0, true},                      // empty line
		{"-1\n", 0, 0, true},                    // not a number
		{"5\r\n", 0, 0, true},                   // CRLF is not the protocol
		{string(make([]byte, 100)), 0, 0, true}, // a long line without its end
	}
	for _, tt := range requests {
		n, ms, err := ParseUpstreamRequest([]byte(tt.in))
		if n != tt.n || ms != tt.ms || (err != nil) != tt.wantErr {
			t.Errorf("ParseUpstreamRequest(%q) = %d, %d, %v; want %d, %d, error %v", tt.in, n, ms, err, tt.n, tt.ms, tt.wantErr)
		}
	}
	replies := []struct {
		in      string
		n       int
		body    string
		wantErr bool
	}{
		{"upstream 5 ms\n", 14, "upstream 5 ms", false},           // one reply
		{"upstream 5 ms\nupstream 6", 14, "upstream 5 ms", false}, // a partial one behind it
		{"upstream 5", 0, "", false},                              // incomplete: wait
		{"hello\n", 0, "", true},                                  // not a reply
		{string(bytes.Repeat([]byte("u"), 100)), 0, "", true},     // a long line without its end
	}
	for _, tt := range replies {
		n, body, err := ParseUpstreamReply([]byte(tt.in))
		if n != tt.n || string(body) != tt.body || (err != nil) != tt.wantErr {
			t.Errorf("ParseUpstreamReply(%q) = %d, %q, %v; want %d, %q, error %v", tt.in, n, body, err, tt.n, tt.body, tt.wantErr)
		}
	}
	if got := string(AppendUpstreamRequest(nil, 42)); got != "42\n" {
		t.Errorf("AppendUpstreamRequest(42) = %q", got)
	}
	if got := string(AppendUpstreamReply(nil, 42)); got != "upstream 42 ms\n" {
		t.Errorf("AppendUpstreamReply(42) = %q", got)
	}
}

// TestFIFOBlock checks the block a model writes for /fifo: the upstream
// request line, then zeros, FIFOBlock bytes in all, appended after what
// dst holds; and that the header parses back with the upstream parser.
func TestFIFOBlock(t *testing.T) {
	for _, ms := range []int{0, 7, 20, MaxMillis} {
		prefix := []byte("kept")
		b := AppendFIFOBlock(prefix, ms)
		if !bytes.Equal(b[:4], prefix) || len(b) != 4+FIFOBlock {
			t.Fatalf("ms=%d: %d bytes after %q; want the prefix kept and %d more", ms, len(b), b[:4], FIFOBlock)
		}
		block := b[4:]
		n, got, err := ParseUpstreamRequest(block)
		if err != nil || got != ms || n == 0 {
			t.Fatalf("ms=%d: the header parses as %d, %d, %v", ms, n, got, err)
		}
		if i := bytes.IndexFunc(block[n:], func(r rune) bool { return r != 0 }); i >= 0 {
			t.Fatalf("ms=%d: a non-zero byte at %d of the padding", ms, n+i)
		}
	}
	// A reused buffer full of other bytes is padded with zeros all the same.
	dirty := bytes.Repeat([]byte{0xff}, 2*FIFOBlock)
	if b := AppendFIFOBlock(dirty[:0], 5); bytes.Count(b, []byte{0}) != FIFOBlock-2 {
		t.Fatalf("a reused buffer keeps %d non-zero bytes; want the 2 of \"5\\n\"", FIFOBlock-bytes.Count(b, []byte{0}))
	}
	if got := string(AppendFIFOBody(nil, 20)); got != "fifo 20 ms" {
		t.Errorf("AppendFIFOBody(20) = %q", got)
	}
	if got, want := FIFOPath("/d", 7), filepath.Join("/d", "fifo", "7"); got != want || filepath.Dir(got) != FIFODir("/d") {
		t.Errorf("FIFOPath = %q in %q; want %q in its FIFODir", got, FIFODir("/d"), want)
	}
}
