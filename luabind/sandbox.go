package luabind

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// The sandbox and the root directory.

// path checks file argument n against Options.Root and returns the name
// to give the engine: unchanged without a Root; with one, the name relative
// to Root (relative paths are relative to Root), or an argument error
// before any I/O. The check gives a clear message; the confinement itself
// is the engine's os.Root (Config.Root), which every open goes through, so
// a symbolic link swapped in after the check leads nowhere.
func (c *call) path(n int) string {
	file := c.str(n)
	if file == "" {
		c.argError(n, "file name expected, got an empty string")
		return ""
	}
	if c.m.root == "" {
		if c.m.opts.Sandbox {
			c.argError(n, "no file access in the sandbox without a Root")
			return ""
		}
		return file
	}
	p, err := resolveInRoot(c.m.root, file)
	if err != nil {
		c.argError(n, "%s", err.Error())
		return ""
	}
	rel, err := filepath.Rel(c.m.root, p)
	if err != nil {
		c.argError(n, "path '%s' %s", file, errOutsideRoot.Error())
		return ""
	}
	return rel
}

// errOutsideRoot is the reason a path is refused.
var errOutsideRoot = errors.New("is outside the allowed root directory")

// resolveInRoot resolves file inside root (an absolute path with symbolic
// links already resolved): a relative file is joined to root; the parent
// directory's symbolic links are followed, and the file's own if it is a
// link; the result must lie inside root.
func resolveInRoot(root, file string) (string, error) {
	p := file
	if !filepath.IsAbs(p) {
		p = filepath.Join(root, p)
	}
	p = filepath.Clean(p)
	dir, base := filepath.Split(p)
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if !within(root, p) {
				return "", fmt.Errorf("path '%s' %w", file, errOutsideRoot)
			}
			return "", fmt.Errorf("path '%s': directory %s does not exist", file, dir)
		}
		return "", fmt.Errorf("path '%s': %v", file, err)
	}
	real := filepath.Join(realDir, base)
	if base == "" || base == "." || base == ".." {
		real = realDir
	}
	if st, err := os.Lstat(real); err == nil && st.Mode()&fs.ModeSymlink != 0 {
		target, err := filepath.EvalSymlinks(real)
		if err != nil {
			return "", fmt.Errorf("path '%s' is a symbolic link that does not resolve: %v", file, err)
		}
		if !within(root, target) {
			return "", fmt.Errorf("path '%s' %w", file, errOutsideRoot)
		}
	}
	if !within(root, real) || real == root {
		return "", fmt.Errorf("path '%s' %w", file, errOutsideRoot)
	}
	return real, nil
}

// within reports whether p is root or inside it.
func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	if err != nil {
		return false
	}
	return rel == "." || (rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel))
}
