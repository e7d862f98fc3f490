package engine

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckExists(t *testing.T) {
	dir := t.TempDir()
	present := filepath.Join(dir, "present")
	if err := os.WriteFile(present, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	absent := filepath.Join(dir, "absent")
	tests := []struct {
		file, exists string
		wantErr      string // "" = no error
	}{
		{present, "", "file already exists"},
		{present, "error", "file already exists"},
		{absent, "", ""},
		{absent, "error", ""},
		{present, "update", ""},
		{absent, "update", "needs an existing file"},
		{dir, "update", "is a directory"},
		{absent, "append", ""},
		{present, "replace", ""},
		{present, "truncate", ""},
		{present, "truncate/replace", ""},
		{present, "must-truncate", `exists mode "must-truncate"`},
	}
	for _, tt := range tests {
		err := noRoot.checkExists("GetFile", tt.file, tt.exists)
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("checkExists(%s, %q) = %v, want nil", filepath.Base(tt.file), tt.exists, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "engine.GetFile") {
			t.Errorf("checkExists(%s, %q) = %v, want an error containing %q", filepath.Base(tt.file), tt.exists, err, tt.wantErr)
		}
	}
}

func TestCheckFileMode(t *testing.T) {
	for _, m := range []string{"", "binary", "text"} {
		if err := checkFileMode("GetFile", m); err != nil {
			t.Errorf("checkFileMode(%q) = %v", m, err)
		}
	}
	if err := checkFileMode("GetFile", "bin"); err == nil || !strings.Contains(err.Error(), "engine.GetFile: mode") {
		t.Errorf("checkFileMode(bin) = %v, want an error", err)
	}
}

// TestFileSink writes through every exists mode, then commits or aborts, and
// checks what is left under the final name and that no temporary file stays.
func TestFileSink(t *testing.T) {
	tests := []struct {
		exists string
		old    string // "" = no file before
		commit bool
		want   string // content after; "<none>" = no file
	}{
		{"error", "", true, "new"},
		{"error", "", false, "<none>"},
		{"replace", "old-content", true, "new"},
		{"replace", "old-content", false, "old-content"},
		{"truncate", "old-content", true, "new"},
		{"truncate", "old-content", false, "old-content"},
		{"truncate/replace", "old-content", true, "new"},
		{"truncate/replace", "", false, "<none>"},
		{"append", "old", true, "oldnew"},
		{"append", "", true, "new"},
		{"update", "old-content", true, "new-content"},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.exists, "/", "_"), func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "f.bin")
			if tt.old != "" {
				if err := os.WriteFile(file, []byte(tt.old), 0o640); err != nil {
					t.Fatal(err)
				}
			}
			if err := noRoot.checkExists("GetFile", file, tt.exists); err != nil {
				t.Fatal(err)
			}
			s, err := noRoot.openSink("GetFile", file, tt.exists)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.WriteString("new"); err != nil {
				t.Fatal(err)
			}
			if tt.commit {
				if err := s.commit("GetFile"); err != nil {
					t.Fatal(err)
				}
			} else {
				s.abort()
			}
			got, err := os.ReadFile(file)
			switch {
			case tt.want == "<none>":
				if !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("file exists after abort (%q, %v)", got, err)
				}
			case err != nil:
				t.Errorf("read: %v", err)
			case string(got) != tt.want:
				t.Errorf("content %q, want %q", got, tt.want)
			}
			if tt.old != "" && tt.commit {
				st, err := os.Stat(file)
				if err == nil && st.Mode().Perm() != 0o640 {
					t.Errorf("permissions %v, want the old file's 0640", st.Mode().Perm())
				}
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if e.Name() != "f.bin" {
					t.Errorf("left behind: %s", e.Name())
				}
			}
		})
	}
}

// TestFileSinkNoClobber: in mode "error", a file created by someone else
// during the download is not replaced at commit.
func TestFileSinkNoClobber(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	s, err := noRoot.openSink("GetFile", file, "error")
	if err != nil {
		t.Fatal(err)
	}
	s.WriteString("download")
	if err := os.WriteFile(file, []byte("theirs"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.commit("GetFile"); !errors.Is(err, fs.ErrExist) {
		t.Errorf("commit = %v, want fs.ErrExist", err)
	}
	if got, _ := os.ReadFile(file); string(got) != "theirs" {
		t.Errorf("content %q, want theirs", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d entries, want 1 (no temporary file left)", len(entries))
	}
}

// noRoot is the file system without Config.Root.
var noRoot = fileSystem{}
