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

// fileSystem is where the file functions find files: the whole file
// system, or Config.Root. Every file access of the engine goes through it.
type fileSystem struct{ root *os.Root }

func (c *Client) files() fileSystem { return fileSystem{root: c.cfg.Root} }

func (fsys fileSystem) open(name string) (*os.File, error) {
	if fsys.root != nil {
		return fsys.root.Open(name)
	}
	return os.Open(name)
}

func (fsys fileSystem) openFile(name string, flag int, perm fs.FileMode) (*os.File, error) {
	if fsys.root != nil {
		return fsys.root.OpenFile(name, flag, perm)
	}
	return os.OpenFile(name, flag, perm)
}

func (fsys fileSystem) stat(name string) (fs.FileInfo, error) {
	if fsys.root != nil {
		return fsys.root.Stat(name)
	}
	return os.Stat(name)
}

func (fsys fileSystem) lstat(name string) (fs.FileInfo, error) {
	if fsys.root != nil {
		return fsys.root.Lstat(name)
	}
	return os.Lstat(name)
}

func (fsys fileSystem) mkdirAll(name string) error {
	if fsys.root != nil {
		return fsys.root.MkdirAll(name, 0o777)
	}
	return os.MkdirAll(name, 0o777)
}

func (fsys fileSystem) remove(name string) error {
	if fsys.root != nil {
		return fsys.root.Remove(name)
	}
	return os.Remove(name)
}

func (fsys fileSystem) rename(from, to string) error {
	if fsys.root != nil {
		return fsys.root.Rename(from, to)
	}
	return os.Rename(from, to)
}

func (fsys fileSystem) link(from, to string) error {
	if fsys.root != nil {
		return fsys.root.Link(from, to)
	}
	return os.Link(from, to)
}

// fileSink is where GetFile writes a download. Replacing modes write a
// temporary file in the target's directory and rename it over the target on
// commit, so a failed download never leaves a truncated or partial file under
// the final name. Append and update write in place; they cannot be atomic.
type fileSink struct {
	*os.File
	fsys    fileSystem
	name    string // the name File was opened with (File.Name() differs under a Root)
	final   string
	exists  string
	temp    bool // File is a temporary file to rename to final on commit
	noClobb bool // commit must not replace an existing final file (mode "error")
	sync    bool // commit fsyncs the file (and the directory after a rename)
}

// checkExists is the part of the exists-mode check that runs before any
// request: "error" fails when the file exists and "update" when it doesn't.
func (fsys fileSystem) checkExists(fn, file, exists string) error {
	switch exists {
	case "", ExistsError:
		if _, err := fsys.lstat(file); err == nil {
			return fmt.Errorf("engine.%s: %s: %w", fn, file, fs.ErrExist)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("engine.%s: %w", fn, err)
		}
	case ExistsUpdate:
		st, err := fsys.stat(file)
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
func (fsys fileSystem) openSink(fn, file, exists string) (*fileSink, error) {
	switch exists {
	case ExistsAppend:
		f, err := fsys.openFile(file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666)
		if err != nil {
			return nil, fmt.Errorf("engine.%s: %w", fn, err)
		}
		return &fileSink{File: f, fsys: fsys, name: file, final: file, exists: exists}, nil
	case ExistsUpdate:
		f, err := fsys.openFile(file, os.O_WRONLY, 0)
		if err != nil {
			return nil, fmt.Errorf("engine.%s: %w", fn, err)
		}
		return &fileSink{File: f, fsys: fsys, name: file, final: file, exists: exists}, nil
	}
	dir, base := filepath.Split(file)
	if dir == "" {
		dir = "."
	}
	f, name, err := fsys.createTemp(dir, base)
	if err != nil {
		return nil, fmt.Errorf("engine.%s: %w", fn, err)
	}
	if st, err := fsys.stat(file); err == nil && st.Mode().IsRegular() {
		// Keep the permissions of the file we replace, as truncating would.
		if err := f.Chmod(st.Mode().Perm()); err != nil {
			f.Close()
			fsys.remove(name)
			return nil, fmt.Errorf("engine.%s: %w", fn, err)
		}
	}
	return &fileSink{File: f, fsys: fsys, name: name, final: file, exists: exists, temp: true, noClobb: exists == "" || exists == ExistsError}, nil
}

// createTemp creates a new hidden file next to the target and returns it
// with its name. Unlike os.CreateTemp it asks for mode 0666, so the umask
// decides the permissions of a downloaded file as it would for a file
// created in place.
func (fsys fileSystem) createTemp(dir, base string) (*os.File, string, error) {
	var b [6]byte
	for range 100 {
		rand.Read(b[:])
		name := filepath.Join(dir, "."+base+".s3lua-"+hex.EncodeToString(b[:])+".tmp")
		f, err := fsys.openFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, name, err
	}
	return nil, "", fmt.Errorf("cannot create a temporary file in %s", dir)
}

// commit makes the written data visible under the final name, and durable
// first when s.sync is set.
func (s *fileSink) commit(fn string) error {
	if !s.temp {
		var err error
		if s.sync {
			err = s.File.Sync()
		}
		if cerr := s.File.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("engine.%s: %w", fn, err)
		}
		return nil
	}
	tmp := s.name
	var err error
	if s.sync {
		err = s.File.Sync()
	}
	if cerr := s.File.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		if s.noClobb {
			err = s.fsys.linkNoClobber(tmp, s.final)
		} else {
			err = s.fsys.rename(tmp, s.final)
		}
	}
	if err != nil {
		s.fsys.remove(tmp)
		return fmt.Errorf("engine.%s: %w", fn, err)
	}
	if s.sync {
		s.fsys.syncDir(filepath.Dir(s.final))
	}
	return nil
}

// abort closes the file and removes it when it was temporary. Data already
// appended or updated in place stays: those modes cannot be undone.
func (s *fileSink) abort() {
	s.File.Close()
	if s.temp {
		s.fsys.remove(s.name)
	}
}

// linkNoClobber moves tmp to final unless final exists (someone created it
// during the download): a hard link fails with EEXIST instead of replacing.
// Where hard links are not supported it falls back to check-then-rename.
func (fsys fileSystem) linkNoClobber(tmp, final string) error {
	err := fsys.link(tmp, final)
	if err == nil {
		fsys.remove(tmp)
		return nil
	}
	if errors.Is(err, fs.ErrExist) {
		return err
	}
	if _, serr := fsys.lstat(final); serr == nil {
		return &fs.PathError{Op: "create", Path: final, Err: fs.ErrExist}
	}
	return fsys.rename(tmp, final)
}

// syncDir flushes a directory entry change (the rename) where the OS allows
// it; failures are ignored because some systems cannot fsync directories.
func (fsys fileSystem) syncDir(dir string) {
	if d, err := fsys.open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
