package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Write stores run in dir as run.json and points.csv, each through a
// temporary file and a rename, so a reader never sees half a file.
func Write(dir string, run *Run) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	run.Schema = SchemaVersion
	b, err := json.MarshalIndent(run, "", " ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", RunFile, err)
	}
	if err := WriteFileAtomic(filepath.Join(dir, RunFile), append(b, '\n'), 0o644); err != nil {
		return err
	}
	var csv bytes.Buffer
	if err := WriteCSV(&csv, run.Points); err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, CSVFile), csv.Bytes(), 0o644)
}

// WriteFileAtomic writes data to path with mode perm through a temporary
// file in the same directory, synced and renamed, so a reader sees the old
// file or the new one, never half of one. It is the harness's one atomic
// writer: run.json and points.csv, torture's files, REPORT.md.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(perm)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Read loads the run stored in dir. Errors name the file and say what to do.
func Read(dir string) (*Run, error) {
	path := filepath.Join(dir, RunFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: no results here; pass a directory written by `loopbench run` (for example results/latest)", path)
	}
	if err != nil {
		return nil, err
	}
	var run Run
	if err := json.Unmarshal(b, &run); err != nil {
		return nil, fmt.Errorf("%s: not a loopbench results file: %v", path, err)
	}
	if run.Schema != SchemaVersion {
		return nil, fmt.Errorf("%s: field \"schema\" is %d, this loopbench reads %d; use the loopbench version that wrote it", path, run.Schema, SchemaVersion)
	}
	return &run, nil
}

// Link points the symbolic link results/latest (the link's path) at dir,
// replacing it atomically.
func Link(link, dir string) error {
	target, err := filepath.Rel(filepath.Dir(link), dir)
	if err != nil {
		target = dir
	}
	tmp := link + ".tmp"
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return err
	}
	return os.Rename(tmp, link)
}
