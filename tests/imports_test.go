package tests

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// The packages import one way: signature <- engine <- luabind <- cmd/s3lua,
// and stdlib is a leaf (nothing of the module). A package may import only
// those left of it (and its own subpackages, such as engine/localstore from
// engine's tests, which go list does not count).
func TestImportDirection(t *testing.T) {
	const mod = "github.com/s3lua/s3lua/"
	allowed := map[string][]string{
		"signature":         {},
		"engine":            {"signature"},
		"engine/localstore": {"signature", "engine"},
		"luabind":           {"signature", "engine", "stdlib"},
		"stdlib":            {},
		"cmd/s3lua":         {"signature", "engine", "engine/localstore", "luabind", "stdlib"},
	}
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports", "../...")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkg := strings.TrimPrefix(p.ImportPath, mod)
		ok, checked := allowed[pkg]
		if !checked {
			continue
		}
		seen++
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, mod) {
				continue
			}
			dep := strings.TrimPrefix(imp, mod)
			if !importAllowed(ok, dep) {
				t.Errorf("%s imports %s: imports flow signature <- engine <- luabind <- cmd/s3lua, and stdlib is a leaf", pkg, dep)
			}
		}
	}
	if seen != len(allowed) {
		t.Errorf("go list showed %d of the %d packages checked", seen, len(allowed))
	}
}

func importAllowed(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
