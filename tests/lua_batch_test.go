package tests

import (
	"context"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/luabind"
	"github.com/s3lua/s3lua/tests/testenv"
	"github.com/s3lua/s3lua/tests/testenv/enginetest"
)

// TestLuaBatchStateCancel cancels the state's context (what Ctrl-C does)
// while a batch runs: the script stops with a cancellation, and a later
// wait() under a new context returns the round's summary, every queued
// operation counted, the dropped ones failed with code "Canceled".
func TestLuaBatchStateCancel(t *testing.T) {
	for _, srv := range testenv.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			client := enginetest.Client(t, srv)
			bucket := enginetest.Bucket(t, client, "lua-bcancel")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			L := luaState(t, luabind.Options{Client: client}, map[string]string{"BUCKET": bucket, "PREFIX": "", "SERVER": srv.Name})
			L.SetGlobal("cancel", L.NewFunction(func(L *lua.LState) int { cancel(); return 0 }))
			L.SetContext(ctx)
			err := L.DoString(`
				QUEUED = 0
				B = s3.batch({workers = 2, on_result = function(r) cancel() end})
				for i = 1, 300 do
					B:put_bytes(BUCKET .. "/k" .. i, "x", "text/plain")
					QUEUED = QUEUED + 1
				end
				B:wait()`)
			if err == nil || !strings.Contains(err.Error(), "cancel") {
				t.Fatalf("the script should stop with the cancellation, got %v", err)
			}
			L.SetContext(context.Background())
			if err := L.DoString(`
				local s = B:wait()
				assert(s.ok + s.failed >= QUEUED and s.ok + s.failed <= QUEUED + 1, "counted: " .. s.ok .. "+" .. s.failed .. " of " .. QUEUED)
				assert(s.failed > 0 and s.errors[#s.errors].error.code == "Canceled", "dropped operations fail as Canceled")
				assert(#s3.ls(BUCKET .. "/") < 300, "the batch stopped")
				-- and it works again
				B:head(BUCKET .. "/k1")
				local s2 = B:wait()
				assert(s2.ok + s2.failed == 1)`); err != nil {
				t.Fatal(err)
			}
		})
	}
}
