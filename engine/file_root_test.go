package engine

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFileSystemRoot: with Config.Root every file access stays inside the
// directory, whatever the name: "..", absolute paths and symbolic links
// leading out are refused by the open itself (os.Root), not by a check made
// before it.
func TestFileSystemRoot(t *testing.T) {
	base := t.TempDir()
	rootDir := filepath.Join(base, "root")
	outside := filepath.Join(base, "outside")
	for _, d := range []string{rootDir, outside} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	secret := filepath.Join(outside, "secret")
	if err := os.WriteFile(secret, []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rootDir, "in"), []byte("in"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(rootDir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(rootDir, "dirlink")); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(rootDir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	fsys := fileSystem{root: root}

	if f, _, err := fsys.openRegular("PutFile", "in"); err != nil {
		t.Errorf("open a file inside: %v", err)
	} else {
		f.Close()
	}
	for _, name := range []string{"../outside/secret", secret, "link", "dirlink/secret"} {
		if f, _, err := fsys.openRegular("PutFile", name); err == nil {
			f.Close()
			t.Errorf("openRegular(%q) read a file outside the root", name)
		}
		if s, err := fsys.openSink("GetFile", name, ExistsAppend); err == nil {
			s.abort()
			t.Errorf("openSink(%q, append) opened a file outside the root", name)
		}
	}
	if s, err := fsys.openSink("GetFile", "dirlink/new", ExistsError); err == nil {
		s.abort()
		t.Error("openSink through a directory link leading out succeeded")
	}
	got, _ := os.ReadFile(secret)
	if string(got) != "secret" {
		t.Errorf("the file outside changed: %q", got)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 1 {
		t.Errorf("files created outside the root: %v", entries)
	}
}

// TestFileSystemRootSwappedDirectory: a directory replaced by a symbolic
// link leading out while a download is written (after every check) does not
// let the commit write outside the root.
func TestFileSystemRootSwappedDirectory(t *testing.T) {
	base := t.TempDir()
	rootDir := filepath.Join(base, "root")
	outside := filepath.Join(base, "outside")
	for _, d := range []string{rootDir, filepath.Join(rootDir, "sub"), outside} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	root, err := os.OpenRoot(rootDir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	fsys := fileSystem{root: root}
	for _, exists := range []string{ExistsError, ExistsReplace} {
		t.Run(exists, func(t *testing.T) {
			if err := fsys.checkExists("GetFile", "sub/f", exists); err != nil {
				t.Fatal(err)
			}
			s, err := fsys.openSink("GetFile", "sub/f", exists)
			if err != nil {
				t.Fatal(err)
			}
			s.WriteString("download")
			moved := filepath.Join(base, "moved-"+exists)
			if err := os.Rename(filepath.Join(rootDir, "sub"), moved); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(outside, filepath.Join(rootDir, "sub")); err != nil {
				t.Fatal(err)
			}
			err = s.commit("GetFile")
			if err == nil {
				t.Error("commit through a swapped-in link succeeded")
			} else if !strings.Contains(err.Error(), "escapes") && !errors.Is(err, fs.ErrNotExist) {
				t.Logf("commit: %v", err)
			}
			if entries, _ := os.ReadDir(outside); len(entries) != 0 {
				t.Errorf("written outside the root: %v", entries)
			}
			os.Remove(filepath.Join(rootDir, "sub"))
			if err := os.Mkdir(filepath.Join(rootDir, "sub"), 0o755); err != nil {
				t.Fatal(err)
			}
		})
	}
}
