package remote

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// DefaultDir is where Install puts loopbench on a host, and where a run
// keeps its files there.
const DefaultDir = "/tmp/loopbench"

// Install makes local (this loopbench binary) available on host and returns
// its path there: dir/loopbench-<first 16 hex digits of its SHA-256>. A copy
// already there with the same hash is reused; otherwise the binary is
// streamed over the transport's stdin into a temporary name, checked by its
// hash on the host, and renamed into place, so two runs installing at once
// never see half a file.
func (t Transport) Install(ctx context.Context, host, local, dir string) (string, error) {
	sum, err := fileHash(local)
	if err != nil {
		return "", err
	}
	remote := path.Join(dir, "loopbench-"+sum[:16])
	out, err := t.Output(ctx, host, nil, "sh", "-c", `sha256sum "$1" 2>/dev/null; true`, "sh", remote)
	if err != nil {
		return "", fmt.Errorf("reaching %s: %w", host, err)
	}
	if strings.HasPrefix(string(out), sum) {
		return remote, nil
	}
	f, err := os.Open(local)
	if err != nil {
		return "", err
	}
	defer f.Close()
	script := `set -e; mkdir -p "$(dirname "$1")"; t="$1.part.$$"; cat > "$t"; chmod 755 "$t"; mv -f "$t" "$1"; sha256sum "$1"`
	out, err = t.Output(ctx, host, f, "sh", "-c", script, "sh", remote)
	if err != nil {
		return "", fmt.Errorf("copying loopbench to %s:%s: %w", host, remote, err)
	}
	if got, _, _ := strings.Cut(string(out), " "); got != sum {
		return "", fmt.Errorf("copied loopbench to %s:%s, but its SHA-256 there is %q, not %s", host, remote, strings.TrimSpace(got), sum)
	}
	return remote, nil
}

// fileHash is a file's SHA-256 in hex.
func fileHash(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hashing %s: %w", name, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
