package engine

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// FileWalker walks the regular files under a directory in the order S3
// lists keys: by the bytes of their "/"-separated relative paths, so that
// "a-b" comes before "a/b" and "a/b" before "a0". Each directory is read
// whole when the walk reaches it (its entries sorted there) and forgotten
// once left, so memory grows with the depth of the tree and the size of its
// largest directory, never with the number of files.
//
// Symbolic links are reported (Symlink set, nothing else) and not followed,
// unless FollowSymlinks: then a link to a file is that file and a link to a
// directory is walked like one (a link back to a directory being walked is
// skipped, so a loop ends). Other files (devices, sockets, pipes) are left
// out. A FileWalker is not safe for concurrent use.
type FileWalker struct {
	fsys   fileSystem
	dir    string // the walked directory, as the client's file system names it
	follow bool
	stack  []*walkDir
	err    error
}

// WalkEntry is one file of a walk.
type WalkEntry struct {
	Rel     string    // relative path, "/"-separated
	Size    int64     // bytes
	ModTime time.Time // modification time
	Symlink bool      // a symbolic link that was not followed
}

type walkDir struct {
	rel     string // "" for the top, else "a/b/"
	info    fs.FileInfo
	entries []walkItem
	read    bool
}

type walkItem struct {
	name    string
	sortKey string // name, plus "/" for a directory
	isDir   bool
	info    fs.FileInfo
	symlink bool
}

// NewFileWalker returns a walker over dir, confined to Config.Root when the
// client has one. A missing dir or one that is not a directory is reported
// by the first call to Next.
func (c *Client) NewFileWalker(dir string, followSymlinks bool) *FileWalker {
	w := &FileWalker{fsys: c.files(), dir: dir, follow: followSymlinks}
	st, err := w.fsys.stat(dir)
	switch {
	case err != nil:
		w.err = fmt.Errorf("engine.FileWalker: %w", err)
	case !st.IsDir():
		w.err = fmt.Errorf("engine.FileWalker: %s is not a directory", dir)
	default:
		w.stack = []*walkDir{{info: st}}
	}
	return w
}

// Next returns the next file, io.EOF after the last one, or the error
// that ended the walk (an unreadable directory).
func (w *FileWalker) Next() (WalkEntry, error) {
	for {
		if w.err != nil {
			return WalkEntry{}, w.err
		}
		if len(w.stack) == 0 {
			return WalkEntry{}, io.EOF
		}
		d := w.stack[len(w.stack)-1]
		if !d.read {
			if err := w.readDir(d); err != nil {
				w.err = err
				return WalkEntry{}, err
			}
		}
		if len(d.entries) == 0 {
			w.stack = w.stack[:len(w.stack)-1]
			continue
		}
		it := d.entries[0]
		d.entries[0] = walkItem{}
		d.entries = d.entries[1:]
		rel := d.rel + it.name
		switch {
		case it.isDir:
			if w.onStack(it.info) {
				continue // a followed link back to a directory being walked
			}
			w.stack = append(w.stack, &walkDir{rel: rel + "/", info: it.info})
		case it.symlink:
			return WalkEntry{Rel: rel, Symlink: true}, nil
		default:
			return WalkEntry{Rel: rel, Size: it.info.Size(), ModTime: it.info.ModTime()}, nil
		}
	}
}

func (w *FileWalker) onStack(info fs.FileInfo) bool {
	for _, d := range w.stack {
		if os.SameFile(d.info, info) {
			return true
		}
	}
	return false
}

func (w *FileWalker) name(rel string) string {
	if rel == "" {
		return w.dir
	}
	return filepath.Join(w.dir, filepath.FromSlash(rel))
}

// readDir reads and sorts the entries of d.
func (w *FileWalker) readDir(d *walkDir) error {
	d.read = true
	f, err := w.fsys.open(w.name(d.rel))
	if err != nil {
		return fmt.Errorf("engine.FileWalker: %w", err)
	}
	des, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		return fmt.Errorf("engine.FileWalker: %w", err)
	}
	items := make([]walkItem, 0, len(des))
	for _, de := range des {
		name := de.Name()
		it := walkItem{name: name, sortKey: name}
		switch t := de.Type(); {
		case t&fs.ModeSymlink != 0:
			if !w.follow {
				it.symlink = true
				break
			}
			info, err := w.fsys.stat(w.name(d.rel + name))
			if err != nil {
				// A dangling link, or one leading out of Root: reported
				// as an unfollowed link.
				it.symlink = true
				break
			}
			it.info = info
			it.isDir = info.IsDir()
			if !it.isDir && !info.Mode().IsRegular() {
				continue
			}
		case t.IsDir():
			info, err := de.Info()
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					continue // removed meanwhile
				}
				return fmt.Errorf("engine.FileWalker: %w", err)
			}
			it.info, it.isDir = info, true
		case t.IsRegular():
			info, err := de.Info()
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					continue
				}
				return fmt.Errorf("engine.FileWalker: %w", err)
			}
			it.info = info
		default:
			continue
		}
		if it.isDir {
			it.sortKey = name + "/"
		}
		items = append(items, it)
	}
	// Sorting a directory by name, with "/" after each subdirectory's name,
	// makes the depth-first walk produce whole paths in byte order.
	sort.Slice(items, func(i, j int) bool { return items[i].sortKey < items[j].sortKey })
	d.entries = items
	return nil
}

// unsafeLocalRel reports whether a relative path taken from a key must not
// be turned into a local path: it starts with "/", has an empty, "." or
// ".." segment, or holds a NUL or (on Windows) a backslash or colon.
func unsafeLocalRel(rel string) bool {
	if rel == "" || strings.HasPrefix(rel, "/") || strings.ContainsRune(rel, 0) {
		return true
	}
	if filepath.Separator == '\\' && strings.ContainsAny(rel, `\:`) {
		return true
	}
	for _, seg := range strings.Split(rel, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return true
		}
	}
	return false
}
