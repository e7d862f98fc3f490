// Command s3lua runs Lua scripts against Amazon S3 and S3-compatible stores,
// and offers an interactive REPL for exploring buckets.
//
//	s3lua [options] [script [args...]]
//
// It behaves like lua(1): the script gets its arguments in the global table
// arg (arg[0] is the script, arg[1]... its arguments, negative indices the
// interpreter and its options) and as ... in the main chunk; -e CHUNK runs
// code first, -l MODULE requires a module into a global, -i enters the REPL
// after the script, "-" (or a pipe on stdin with no script) reads the script
// from stdin, and a "#!" first line is skipped. The global s3 is the S3 module
// (see docs/lua-api.md), already required, and require finds the embedded
// stdlib modules (pretty, fs).
//
// S3 settings come from the flags --endpoint, --region, --profile,
// --path-style and --max-tries, which override the environment (AWS_REGION,
// AWS_PROFILE, AWS_ENDPOINT_URL_S3, AWS_ACCESS_KEY_ID, ...), which overrides
// ~/.aws/config and ~/.aws/credentials. --local[=DIR] starts an embedded S3
// store instead, in memory or persisted under DIR.
//
// Exit status: 0 on success, 1 when the script raises an error (printed with
// its fields and a Lua traceback on stderr), 2 on a usage error. The first
// Ctrl-C cancels the running S3 operation (the script sees an error it may
// catch with pcall; uncaught, it is a raised error: status 1); a second
// Ctrl-C exits at once with status 130.
//
// See docs/cli.md for the full reference.
package main

import (
	"fmt"
	"os"
	"runtime/debug"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// version is set at link time (-ldflags "-X main.version=v1.2.3"); otherwise
// it comes from the module's build information.
var version = ""

func versionString() string {
	v := version
	if v == "" {
		v = "devel"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
	}
	return fmt.Sprintf("s3lua %s (%s, gopher-lua)", v, strings.TrimSuffix(lua.LuaVersion, "."))
}

func main() {
	if os.Getenv("GOGC") == "" {
		// Scripts build many small Lua tables (a listing's items are a
		// handful of maps each): letting the heap grow by twice the live
		// heap between collections instead of once halves the collector's
		// work per listed object (docs/performance.md) for a few MiB of
		// peak memory. GOGC set in the environment wins.
		debug.SetGCPercent(gcPercent)
	}
	os.Exit(run(os.Args))
}

// gcPercent is the command's GOGC when the environment sets none.
const gcPercent = 200
