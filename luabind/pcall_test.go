package luabind_test

import (
	"testing"

	"github.com/s3lua/s3lua/luabind"
)

// TestOpenKeepsLocalsAfterCaughtErrors checks the pcall fix Open installs: a
// helper that counts failures, defined before the first caught S3 error,
// still updates the script's local afterwards (gopher-lua#448).
func TestOpenKeepsLocalsAfterCaughtErrors(t *testing.T) {
	L := openState(t, luabind.Options{Client: localClient(t)})
	run(t, L, `
		s3.create_bucket("pcb")
		local failures, codes = 0, {}
		local function try(f, ...)
			local ok, err = pcall(f, ...)
			if not ok then
				failures = failures + 1
				codes[#codes + 1] = err.code
			end
			return ok
		end
		assert(not try(s3.get_bytes, "pcb/missing"))
		assert(try(s3.put_bytes, "pcb/k", "v", "text/plain"))
		assert(not try(s3.head, "pcb/missing-too"))
		local seen = 0
		s3.ls_proc("pcb/", function(acc, items) seen = seen + #items; return acc end, nil)
		assert(failures == 2, "failures = " .. failures)
		assert(codes[1] == "NoSuchKey", tostring(codes[1]))
		assert(seen == 1, "seen = " .. seen)
		local ok, e = pcall(s3.ls_proc, "pcb/", function() error({mine = true}) end, 0)
		assert(not ok and e.mine)
		failures = failures + 1
		assert(failures == 3)`)
}
