package engine

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// The GetFile exists modes, named as the reference's #:exists flags (which
// are Racket's open-output-file flags).
const (
	ExistsError           = "error"            // fail if the file exists (the default)
	ExistsAppend          = "append"           // append to the file, creating it if needed
	ExistsUpdate          = "update"           // overwrite the existing file in place from offset 0; fail if absent
	ExistsReplace         = "replace"          // replace the file (atomic rename)
	ExistsTruncate        = "truncate"         // replace the file's contents (atomic rename)
	ExistsTruncateReplace = "truncate/replace" // as truncate
)

// checkFileMode validates the reference's #:mode flag: "binary" (default)
// or "text". They mean the same on every OS we run on: bytes are written
// unchanged.
func checkFileMode(fn, mode string) error {
	switch mode {
	case "", "binary", "text":
		return nil
	}
	return fmt.Errorf("engine.%s: mode %q: want \"binary\" or \"text\"", fn, mode)
}

// fileSink is where GetFile writes a download. Replacing modes write a
// temporary file in the target's directory and rename it over the target on
// commit, so a failed download never leaves a truncated or partial file under
// the final name. Append and update write in place; they cannot be atomic.
type fileSink struct {
	*os.File
	final   string
	exists  string
	temp    bool // File is a temporary file to rename to final on commit
	noClobb bool // commit must not replace an existing final file (mode "error")
}

// checkExists is the part of the exists-mode check that runs before any
// request: "error" fails when the file exists and "update" when it doesn't.
func checkExists(fn, file, exists string) error {
	switch exists {
	case "", ExistsError:
		if _, err := os.Lstat(file); err == nil {
			return fmt.Errorf("engine.%s: %s: %w", fn, file, fs.ErrExist)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("engine.%s: %w", fn, err)
		}
	case ExistsUpdate:
		st, err := os.Stat(file)
		if err != nil {
			return fmt.Errorf("engine.%s: exists mode \"update\" needs an existing file: %w", fn, err)
		}
		if st.IsDir() {
			return fmt.Errorf("engine.%s: %s is a directory", fn, file)
		}
	case ExistsAppend, ExistsReplace, ExistsTruncate, ExistsTruncateReplace:
	default:
		return fmt.Errorf("engine.%s: exists mode %q: want one of error, append, update, replace, truncate, truncate/replace", fn, exists)
	}
	return nil
}

// openSink opens the destination for a download according to exists. Call
// checkExists first; openSink repeats the checks that matter at open time.
func openSink(fn, file, exists string) (*fileSink, error) {
	switch exists {
	case ExistsAppend:
		f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666)
		if err != nil {
			return nil, fmt.Errorf("engine.%s: %w", fn, err)
		}
		return &fileSink{File: f, final: file, exists: exists}, nil
	case ExistsUpdate:
		f, err := os.OpenFile(file, os.O_WRONLY, 0)
		if err != nil {
			return nil, fmt.Errorf("engine.%s: %w", fn, err)
		}
		return &fileSink{File: f, final: file, exists: exists}, nil
	}
	dir, base := filepath.Split(file)
	if dir == "" {
		dir = "."
	}
	f, err := createTemp(dir, base)
	if err != nil {
		return nil, fmt.Errorf("engine.%s: %w", fn, err)
	}
	if st, err := os.Stat(file); err == nil && st.Mode().IsRegular() {
		// Keep the permissions of the file we replace, as truncating would.
		if err := f.Chmod(st.Mode().Perm()); err != nil {
			f.Close()
			os.Remove(f.Name())
			return nil, fmt.Errorf("engine.%s: %w", fn, err)
		}
	}
	return &fileSink{File: f, final: file, exists: exists, temp: true, noClobb: exists == "" || exists == ExistsError}, nil
}

// createTemp creates a new hidden file next to the target. Unlike
// os.CreateTemp it asks for mode 0666, so the umask decides the permissions
// of a downloaded file as it would for a file created in place.
func createTemp(dir, base string) (*os.File, error) {
	var b [6]byte
	for range 100 {
		rand.Read(b[:])
		name := filepath.Join(dir, "."+base+".s3lua-"+hex.EncodeToString(b[:])+".tmp")
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, fmt.Errorf("cannot create a temporary file in %s", dir)
}

// commit makes the written data durable and visible under the final name.
func (s *fileSink) commit(fn string) error {
	if !s.temp {
		if err := s.File.Close(); err != nil {
			return fmt.Errorf("engine.%s: %w", fn, err)
		}
		return nil
	}
	tmp := s.File.Name()
	err := s.File.Sync()
	if cerr := s.File.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		if s.noClobb {
			err = linkNoClobber(tmp, s.final)
		} else {
			err = os.Rename(tmp, s.final)
		}
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("engine.%s: %w", fn, err)
	}
	syncDir(filepath.Dir(s.final))
	return nil
}

// abort closes the file and removes it when it was temporary. Data already
// appended or updated in place stays: those modes cannot be undone.
func (s *fileSink) abort() {
	s.File.Close()
	if s.temp {
		os.Remove(s.File.Name())
	}
}

// linkNoClobber moves tmp to final unless final exists (someone created it
// during the download): a hard link fails with EEXIST instead of replacing.
// Where hard links are not supported it falls back to check-then-rename.
func linkNoClobber(tmp, final string) error {
	err := os.Link(tmp, final)
	if err == nil {
		os.Remove(tmp)
		return nil
	}
	if errors.Is(err, fs.ErrExist) {
		return err
	}
	if _, serr := os.Lstat(final); serr == nil {
		return &fs.PathError{Op: "create", Path: final, Err: fs.ErrExist}
	}
	return os.Rename(tmp, final)
}

// syncDir flushes a directory entry change (the rename) where the OS allows
// it; failures are ignored because some systems cannot fsync directories.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
