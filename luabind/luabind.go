package luabind

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/s3lua/s3lua/stdlib"
	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/engine"
)

// ModuleName is the name scripts require: local s3 = require "s3".
const ModuleName = "s3"

// Options configures the module on one *lua.LState.
type Options struct {
	// Client is the engine client the module starts with. The setters
	// (s3.region("eu-west-1"), s3.with{...}) derive new clients from it with
	// Client.WithConfig, sharing its connection pool; Client itself is never
	// changed. nil means engine.New(engine.Config{}): AWS defaults and the
	// AWS CLI credential chain.
	Client *engine.Client

	// Sandbox gives the state a fixed environment for untrusted scripts,
	// built from an allow-list: the base functions that cannot reach the
	// host (no dofile, loadfile, getfenv, setfenv, collectgarbage, module),
	// string, table, math, coroutine, s3 and the stdlib modules; no debug;
	// require finds preloaded modules only; load and loadstring refuse
	// binary chunks. io and os are replaced: os keeps time, clock, date
	// and difftime; with a Root, io.open, io.lines and io.close, file
	// methods read/write/lines/seek/close, and os.remove and os.rename work
	// on files inside Root only (through os.Root); without a Root there is
	// no file access at all (the file functions of s3 and fs fail too).
	// io.write writes to standard output, as print does. Globals an
	// embedder sets after Open stay.
	//
	// The endpoint and the credentials belong to the host: the setters
	// host, scheme, path_requests and region, s3.with with those keys,
	// and set_credentials, credentials_from_environment and
	// credentials_from_file fail with an error, unless AllowEndpoint or
	// AllowCredentials says otherwise.
	//
	// A sandbox is no CPU limit: give the state a context with a deadline
	// (SetContext); see also MaxMemory.
	Sandbox bool

	// AllowEndpoint lets a sandboxed script change host, scheme,
	// path_requests and region (requests then go where the script says,
	// signed with the host's credentials). Without Sandbox it has no effect.
	AllowEndpoint bool

	// AllowCredentials lets a sandboxed script change the credentials:
	// set_credentials, credentials_from_environment (the host's
	// environment) and credentials_from_file, which in a sandbox reads
	// only the file .aws/credentials inside Root (through os.Root). Without
	// Sandbox it has no effect.
	AllowCredentials bool

	// MaxMemory, if positive, is a memory guard for untrusted scripts: when
	// the Go heap of the process grows beyond MaxMemory bytes while a
	// script runs, the script is cancelled (its running S3 operation fails
	// with code "Canceled") with a MemoryLimitError, "memory limit
	// exceeded: ...". The heap is sampled every few milliseconds, so a
	// script may briefly go beyond the limit: with MaxMemory set, the
	// string limit (MaxString) defaults to a quarter of it, so that no
	// single step can allocate much more. The guard works through the
	// state's context: set it with SetContext, not L.SetContext. The heap
	// is the whole process's: leave room for the host's own data.
	MaxMemory int64

	// MaxString is the longest string (in bytes) string.rep and
	// table.concat build; longer results are a Lua error instead of an
	// allocation that could end the process. 0 means a quarter of
	// MaxMemory when that is set, else DefaultMaxString (1 GiB).
	MaxString int64

	// Exit, if set, is what os.exit(code) calls (the s3lua command closes
	// its embedded store and exits). nil means os.Exit. A sandbox has no
	// os.exit.
	Exit func(code int)

	// Root, if set, is the directory the file functions are confined to:
	// get_file, put_file, the multipart_*_file functions, the fs module
	// and, in a sandbox, io and os. Every file is opened through os.Root
	// (openat, one directory at a time), so neither "..", an absolute path
	// outside Root nor a symbolic link leading out (even one swapped in
	// during a transfer) reaches a file outside it; a path that visibly
	// leads out fails with an argument error before any I/O. Relative
	// paths are relative to Root. Root must exist.
	Root string

	// Buckets, if set, are the only buckets a script may touch: any call on
	// another bucket (both buckets of copy, presigning included) fails with
	// an argument error before any request, and list_buckets returns only
	// the allowed buckets that exist.
	Buckets []string

	// Progress, if set, is called when a transfer with a known size starts
	// (get_file, put_file, multipart_put_file, resume_multipart_put_file):
	// desc names it ("get_file bucket/key"), total is its size in bytes.
	// update is then called with the bytes done so far, and finish once when
	// the transfer ends, successfully or not. All three run on the goroutine
	// running the script. A script's own {progress = fn} option is called
	// as well. A batch (s3.batch, the prefix functions, s3.sync) calls it
	// with desc "batch" and total -1, and done counts finished operations.
	Progress func(desc string, total int64) (update func(done int64), finish func())

	// TraceOutput is where s3.trace(true) writes its lines; nil means
	// os.Stderr.
	TraceOutput io.Writer

	// Globals are Go values Open gives scripts as globals, through Expose:
	// a host's own functions and objects (gopher-luar maps them), with Go
	// error results raised as the module's error tables.
	Globals map[string]any
}

// module is the state of the s3 module on one LState: everything a setter
// changes lives here, never in a package variable.
type module struct {
	opts    Options
	client  *engine.Client // current settings; replaced by setters and s3.with
	mime    *lua.LFunction // path_to_mime_proc set by the script; nil = the client's
	root    string         // resolved Options.Root, "" when unset
	rootFS  *os.Root       // Options.Root opened: every file access goes through it
	buckets map[string]bool

	// callbacks counts, per thread, the callbacks of this module running
	// on it: coroutine.yield there would cross the module's Go frame.
	callbacks map[*lua.LState]int

	// secrets are the secret keys and session tokens the script has
	// installed, for Secrets.
	secrets []string

	ctl *control // the state's context: interrupts and the memory guard

	trace *tracer // s3.trace's state; nil until s3.trace is called
}

// Preload makes require "s3" and the stdlib modules (pretty, fs, ...)
// work on L with opts, and applies the module's changes to the base
// library (base.go: pcall and xpcall that keep locals and error values,
// assert, os.exit, string limits, the yield guard) and, with opts.Sandbox,
// the sandbox (see Options.Sandbox). Call it once per state.
func Preload(L *lua.LState, opts Options) error {
	m, err := newModule(opts)
	if err != nil {
		return err
	}
	registerModule(L, m)
	if pkg, ok := L.GetGlobal("package").(*lua.LTable); !ok || pkg.RawGetString("preload").Type() != lua.LTTable {
		return errors.New("luabind: package.preload is missing: open the package library first (lua.OpenPackage)")
	}
	if err := applyBase(L, m); err != nil {
		return err
	}
	if err := stdlib.PreloadWith(L, stdlib.Options{Root: m.root, NoFiles: opts.Sandbox && m.root == ""}); err != nil {
		return fmt.Errorf("luabind: %w", err)
	}
	L.PreloadModule(ModuleName, m.loader)
	return nil
}

// Open is Preload, then require "s3", then the global s3: one call gives a
// state the module. It returns the module table. NewState creates a state
// and calls Open.
func Open(L *lua.LState, opts Options) (*lua.LTable, error) {
	if err := Preload(L, opts); err != nil {
		return nil, err
	}
	require, ok := L.GetGlobal("require").(*lua.LFunction)
	if !ok {
		return nil, errors.New("luabind: require is missing: open the package library first (lua.OpenPackage)")
	}
	if err := L.CallByParam(lua.P{Fn: require, NRet: 1, Protect: true}, lua.LString(ModuleName)); err != nil {
		return nil, fmt.Errorf("luabind: require %q: %w", ModuleName, err)
	}
	mod, ok := L.Get(-1).(*lua.LTable)
	L.Pop(1)
	if !ok {
		return nil, fmt.Errorf("luabind: require %q did not return a table", ModuleName)
	}
	L.SetGlobal(ModuleName, mod)
	for name, v := range opts.Globals {
		if err := Expose(L, name, v); err != nil {
			return nil, err
		}
	}
	return mod, nil
}

func newModule(opts Options) (*module, error) {
	m := &module{opts: opts, client: opts.Client, ctl: &control{maxMemory: opts.MaxMemory}}
	if m.client == nil {
		c, err := engine.New(engine.Config{})
		if err != nil {
			return nil, fmt.Errorf("luabind: default client: %w", err)
		}
		m.client = c
	}
	if opts.Root != "" {
		abs, err := filepath.Abs(opts.Root)
		if err != nil {
			return nil, fmt.Errorf("luabind: Root: %w", err)
		}
		real, err := filepath.EvalSymlinks(abs)
		if err != nil {
			return nil, fmt.Errorf("luabind: Root: %w", err)
		}
		st, err := os.Stat(real)
		if err != nil {
			return nil, fmt.Errorf("luabind: Root: %w", err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("luabind: Root %s is not a directory", opts.Root)
		}
		m.root = real
		if m.rootFS, err = os.OpenRoot(real); err != nil {
			return nil, fmt.Errorf("luabind: Root: %w", err)
		}
		cfg := m.client.Config()
		cfg.Root = m.rootFS
		if m.client, err = m.client.WithConfig(cfg); err != nil {
			return nil, fmt.Errorf("luabind: Root: %w", err)
		}
	}
	if opts.Buckets != nil {
		m.buckets = make(map[string]bool, len(opts.Buckets))
		for _, b := range opts.Buckets {
			m.buckets[b] = true
		}
	}
	return m, nil
}

// constants are the module's numeric values.
var constants = map[string]int64{
	"aws_chunk_len_minimum":    engine.ChunkLenMinimum,
	"aws_chunk_len_default":    engine.ChunkLenDefault,
	"multipart_size_minimum":   engine.MultipartSizeMinimum,
	"multipart_size_default":   engine.MultipartSizeDefault,
	"multipart_number_minimum": multipartNumberMin,
	"multipart_number_maximum": multipartNumberMax,
}

const (
	multipartNumberMin = engine.MinPartNumber
	multipartNumberMax = engine.MaxPartNumber
)

// loader is the package.preload entry: it builds the module table, whose
// functions are closures over m.
func (m *module) loader(L *lua.LState) int {
	registerTypes(L)
	fns := moduleFunctions()
	mod := L.CreateTable(0, len(fns)+len(constants))
	for _, f := range fns {
		mod.RawSetString(f.name, L.NewFunction(m.bind(f)))
	}
	for name, v := range constants {
		mod.RawSetString(name, lua.LNumber(v))
	}
	L.Push(mod)
	return 1
}

// call is one invocation of a module function: the state, the module and
// the function's Lua name.
type call struct {
	L    *lua.LState
	m    *module
	name string

	// collect keeps the first argument error in argErr, for the binding
	// to return (see checkArgs); without it (legacy bindings, helpers
	// called from callbacks) an argument check raises at once.
	collect bool
	argErr  error
}

// ctx is the context of every request: the state's, so that an embedding
// program (or the REPL's Ctrl-C) cancels a transfer with L.SetContext.
func (c *call) ctx() context.Context { return stateContext(c.L) }

// stateContext is L's context, or context.Background() when it has none.
func stateContext(L *lua.LState) context.Context {
	if ctx := L.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

// client is the engine client with the current settings.
func (c *call) client() *engine.Client { return c.m.client }

// callback calls a script's callback (protected) on L, marking L as running
// a callback for the yield guard.
func (m *module) callback(L *lua.LState, p lua.P, args ...lua.LValue) error {
	if err := m.deliverTrace(L); err != nil {
		return err
	}
	leave := m.enterCallback(L)
	defer leave()
	return L.CallByParam(p, args...)
}

func (m *module) enterCallback(L *lua.LState) (leave func()) {
	if m.callbacks == nil {
		m.callbacks = map[*lua.LState]int{}
	}
	m.callbacks[L]++
	return func() {
		if m.callbacks[L]--; m.callbacks[L] <= 0 {
			delete(m.callbacks, L)
		}
	}
}
