package main

import (
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"

	"github.com/s3lua/s3lua/engine"
	"github.com/s3lua/s3lua/engine/localstore"
	"github.com/s3lua/s3lua/luabind"
	lua "github.com/yuin/gopher-lua"
)

// This file is the only place where the command meets the engine, the
// embedded store and the Lua module: it turns the options, the environment
// and the AWS config files into an engine.Config and opens the s3 module.

// progressFunc is luabind.Options.Progress.
type progressFunc = func(desc string, total int64) (update func(done int64), finish func())

// s3Session is the S3 side of one s3lua process.
type s3Session struct {
	client *engine.Client
	local  *localstore.Server // nil unless --local
	where  string             // "https://s3.amazonaws.com (us-east-1)", for the REPL banner
}

// newS3Session builds the client. Precedence: flags, then the environment,
// then the config files (engine.LoadConfig does the last two), then the
// defaults. Credentials are resolved lazily by the engine, at the first request.
func newS3Session(o *options) (*s3Session, error) {
	s := &s3Session{}
	var cfg engine.Config
	if o.local {
		st, err := localstore.Start(o.localDir)
		if err != nil {
			return nil, fmt.Errorf("--local: %w", err)
		}
		s.local = st
		ak, sk := st.Credentials()
		cfg = engine.Config{
			Host:        st.Host(),
			Scheme:      "http",
			Region:      st.Region(),
			PathStyle:   true,
			Credentials: engine.StaticCredentials{AccessKeyID: ak, SecretAccessKey: sk},
		}
	} else {
		// The AWS CLI's conventions are the engine's (engine.LoadConfig);
		// the flags change what they name.
		loaded, err := engine.LoadConfig(o.profile)
		if err != nil {
			return nil, err
		}
		cfg = loaded
		if o.endpoint != nil {
			cfg.Scheme, cfg.Host = o.endpoint.Scheme, o.endpoint.Host
			cfg.PathStyle = engine.IsLocalHost(o.endpoint.Hostname())
		} else if o.region != "" && cfg.Host == engine.RegionalHost(cfg.Region) {
			// The host came from the configured region: follow --region.
			cfg.Host = engine.RegionalHost(o.region)
		}
		cfg.CABundle = firstOf(o.caBundle, cfg.CABundle)
		cfg.InsecureSkipVerify = o.insecure
	}
	if o.region != "" {
		cfg.Region = o.region
	}
	if o.pathStyle {
		cfg.PathStyle = true
	}
	cfg.MaxTries = o.maxTries
	if o.debug {
		var mu sync.Mutex
		cfg.Trace = func(e engine.TraceEvent) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(os.Stderr, "s3lua: %s\n", e)
		}
	}
	c, err := engine.New(cfg)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.client = c
	got := c.Config()
	s.where = (&url.URL{Scheme: got.Scheme, Host: got.Host}).String() + " (" + got.Region + ")"
	if s.local != nil {
		s.where = "embedded store " + s.where
		if o.localDir != "" {
			s.where += " in " + o.localDir
		}
	}
	return s, nil
}

// open puts the module on L as the global s3 (and require "s3"), with the
// stdlib modules; os.exit closes the session (the embedded store) first.
//
// It is luabind.Open without Options.Globals, which the command does not
// use: a call of Open would link gopher-luar's reflection (through
// luabind.Expose), and with it every exported method of every type in the
// program, a quarter of the binary, all of it paged in at start.
func (s *s3Session) open(L *lua.LState, progress progressFunc) error {
	err := luabind.Preload(L, luabind.Options{Client: s.client, Progress: progress, Exit: func(code int) {
		_ = s.Close()
		os.Exit(code)
	}})
	if err != nil {
		return err
	}
	if err := L.CallByParam(lua.P{Fn: L.GetGlobal("require"), NRet: 1, Protect: true}, lua.LString(luabind.ModuleName)); err != nil {
		return fmt.Errorf("require %q: %w", luabind.ModuleName, err)
	}
	L.SetGlobal(luabind.ModuleName, L.Get(-1))
	L.Pop(1)
	return nil
}

// Close stops the embedded store, if any.
func (s *s3Session) Close() error {
	if s.local != nil {
		return s.local.Close()
	}
	return nil
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}
