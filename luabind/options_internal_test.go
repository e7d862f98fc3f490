package luabind

import (
	"net/http"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

type testOptions struct {
	Exists   string         `lua:"exists" enum:"error,overwrite"`
	Workers  int64          `lua:"workers" range:"1,64"`
	PartSize int64          `lua:"part_size" range:"multipart_size_minimum,"`
	Inline   bool           `lua:"inline"`
	Progress *lua.LFunction `lua:"progress"`
	Headers  http.Header    `lua:"headers"`
	Dry      *bool          `lua:"dry_run"`
	Extra    lua.LValue     `lua:"extra"`
}

// decodeOptionsTable: each key named once in the struct, types, enums and
// ranges checked, unknown keys refused with the valid ones listed.
func TestDecodeOptions(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	for _, tc := range []struct {
		lua  string
		want string // the message, "" for success
		// check inspects a successful decode
		check func(t *testing.T, o testOptions)
	}{
		{lua: `{}`, check: func(t *testing.T, o testOptions) {
			if o.Exists != "error" || o.Workers != 8 || o.Dry != nil || o.Headers != nil {
				t.Errorf("defaults changed: %+v", o)
			}
		}},
		{lua: `{exists = "overwrite", workers = 64, inline = true, dry_run = false, part_size = 5242880,
			headers = {["x-amz-acl"] = "private", ["x-n"] = 3}, progress = print, extra = 1.5}`,
			check: func(t *testing.T, o testOptions) {
				if o.Exists != "overwrite" || o.Workers != 64 || !o.Inline || o.PartSize != 5242880 {
					t.Errorf("decoded %+v", o)
				}
				if o.Dry == nil || *o.Dry {
					t.Errorf("dry_run = false not told from absent: %v", o.Dry)
				}
				if o.Headers.Get("x-amz-acl") != "private" || o.Headers.Get("x-n") != "3" {
					t.Errorf("headers %v", o.Headers)
				}
				if o.Progress == nil || o.Extra != lua.LNumber(1.5) {
					t.Errorf("progress %v extra %v", o.Progress, o.Extra)
				}
			}},
		{lua: `{exsts = "error"}`, want: "unknown option 'exsts' (valid: dry_run, exists, extra, headers, inline, part_size, progress, workers)"},
		{lua: `{[1] = true}`, want: "option names must be strings, got number"},
		{lua: `{exists = 1}`, want: "option 'exists' must be a string, got number"},
		{lua: `{exists = "ignore"}`, want: "option 'exists': invalid value 'ignore' (valid: error, overwrite)"},
		{lua: `{workers = 0}`, want: "option 'workers': 0 is out of range: 1 to 64"},
		{lua: `{workers = 1.5}`, want: "option 'workers' must be an integer, got number"},
		{lua: `{workers = "2"}`, want: "option 'workers' must be an integer, got string"},
		{lua: `{part_size = 1}`, want: "option 'part_size': 1 is out of range: at least 5242880"},
		{lua: `{inline = "yes"}`, want: "option 'inline' must be a boolean, got string"},
		{lua: `{progress = {}}`, want: "option 'progress' must be a function, got table"},
		{lua: `{headers = "x"}`, want: "option 'headers' must be a table, got string"},
		{lua: `{headers = {[1] = "x"}}`, want: "option 'headers': header names must be non-empty strings, got number"},
	} {
		if err := L.DoString("return " + tc.lua); err != nil {
			t.Fatal(err)
		}
		tbl := L.Get(-1).(*lua.LTable)
		L.Pop(1)
		o := testOptions{Exists: "error", Workers: 8}
		got := decodeOptionsTable(tbl, &o)
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.lua, got, tc.want)
			continue
		}
		if got == "" && tc.check != nil {
			tc.check(t, o)
		}
	}
}
