package luabind_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/luabind"
)

// s3.sleep ends as soon as the state's context is cancelled (the script
// then stops: gopher-lua ends a state whose context is done).
func TestSleepCancelled(t *testing.T) {
	L := openState(t, luabind.Options{Client: localClient(t)})
	ctx, cancel := context.WithCancel(context.Background())
	L.SetContext(ctx)
	time.AfterFunc(50*time.Millisecond, cancel)
	err := L.DoString(`s3.sleep(3600) error("slept through the cancellation")`)
	var api *lua.ApiError
	if !errors.As(err, &api) {
		t.Fatalf("sleep under a cancelled context: %v", err)
	}
	// Either the sleep's Canceled error table, or gopher-lua's own stop.
	if msg := luabind.ErrorMessage(L, api.Object); !strings.Contains(msg, "Canceled") && !strings.Contains(msg, "context canceled") {
		t.Fatalf("sleep under a cancelled context: %s", msg)
	}
}
