package luabind

import (
	"fmt"
	"sort"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/engine"
)

// Settings: the reference's parameters as getter/setters, s3.with (the
// reference's parameterize), and credentials. A setter derives a new client
// with WithConfig (same connection pool) and makes it the module's current
// client; the embedder's Options.Client is never changed.

// setting is one getter/setter: get pushes the current value; set checks
// argument n and changes the module's state.
type setting struct {
	get func(c *call) lua.LValue
	set func(c *call, n int)
}

var settings = map[string]setting{
	"path_requests": {
		get: func(c *call) lua.LValue { return lua.LBool(c.client().Config().PathStyle) },
		set: func(c *call, n int) {
			v := c.boolean(n)
			c.reconfigure(func(cfg *engine.Config) { cfg.PathStyle = v })
		},
	},
	"host": {
		get: func(c *call) lua.LValue { return lua.LString(c.client().Config().Host) },
		set: func(c *call, n int) {
			v := c.str(n)
			if v == "" || strings.ContainsAny(v, "/ \t\r\n?#@") {
				c.argError(n, "host name with an optional ':port' expected, got '%s'", v)
			}
			c.reconfigure(func(cfg *engine.Config) { cfg.Host = v })
		},
	},
	"region": {
		get: func(c *call) lua.LValue { return lua.LString(c.client().Config().Region) },
		set: func(c *call, n int) {
			v := c.str(n)
			if v == "" {
				c.argError(n, "region expected, got an empty string")
			}
			c.reconfigure(func(cfg *engine.Config) { cfg.Region = v })
		},
	},
	"scheme": {
		get: func(c *call) lua.LValue { return lua.LString(c.client().Config().Scheme) },
		set: func(c *call, n int) {
			v := strings.ToLower(c.str(n))
			if v != "http" && v != "https" {
				c.argError(n, "'http' or 'https' expected, got '%s'", c.str(n))
			}
			c.reconfigure(func(cfg *engine.Config) { cfg.Scheme = v })
		},
	},
	"max_tries": {
		get: func(c *call) lua.LValue { return lua.LNumber(c.client().Config().MaxTries) },
		set: func(c *call, n int) {
			v := c.integer(n, 1, 1000)
			c.reconfigure(func(cfg *engine.Config) { cfg.MaxTries = int(v) })
		},
	},
	"path_to_mime_proc": {
		get: func(c *call) lua.LValue {
			if c.m.mime != nil {
				return c.m.mime
			}
			return c.L.NewFunction(defaultMIMEProc(c.client()))
		},
		set: func(c *call, n int) {
			c.m.mime = c.function(n)
		},
	},
}

// defaultMIMEProc is the path_to_mime_proc a script sees before it sets
// its own: the client's MIMEType function (engine.MIMEType by default).
func defaultMIMEProc(client *engine.Client) lua.LGFunction {
	fn := client.Config().MIMEType
	if fn == nil {
		fn = engine.MIMEType
	}
	return func(L *lua.LState) int {
		c := &call{L: L, name: "path_to_mime_proc"}
		L.Push(lua.LString(fn(c.str(1))))
		return 1
	}
}

// reconfigure derives the current client with one change.
func (c *call) reconfigure(change func(cfg *engine.Config)) {
	cfg := c.client().Config()
	change(&cfg)
	next, err := c.client().WithConfig(cfg)
	if err != nil {
		raiseMessage(c.L, fmt.Sprintf("%s: %s", c.name, oneLine(err.Error())))
	}
	c.m.client = next
}

func init() {
	for name, s := range settings {
		s := s
		functions[name] = func(c *call) int {
			if c.L.GetTop() == 0 {
				c.L.Push(s.get(c))
				return 1
			}
			s.set(c, 1)
			return 0
		}
	}
	functions["with"] = s3With
	functions["credentials_from_file"] = s3CredentialsFromFile
	functions["credentials_from_environment"] = s3CredentialsFromEnvironment
	functions["set_credentials"] = s3SetCredentials
}

// s3With implements s3.with(settings, fn, ...) -> fn's results: fn(...)
// runs with the settings changed, and they are restored afterwards even
// when fn raises (the error is then re-raised unchanged).
func s3With(c *call) int {
	L := c.L
	t := c.table(1)
	fn := c.function(2)
	var keys []string
	var bad string
	t.ForEach(func(k, _ lua.LValue) {
		ks, ok := k.(lua.LString)
		if !ok {
			if bad == "" {
				bad = "setting names must be strings, got " + typeName(k)
			}
			return
		}
		if _, ok := settings[string(ks)]; !ok {
			if bad == "" {
				bad = "unknown setting '" + string(ks) + "' (valid: " + settingNames() + ")"
			}
			return
		}
		keys = append(keys, string(ks))
	})
	if bad != "" {
		c.argError(1, "%s", bad)
	}
	sort.Strings(keys)

	oldClient, oldMime := c.m.client, c.m.mime
	// Apply each setting through its setter, so values are checked as
	// s3.region(v) would check them; a bad value leaves nothing changed.
	func() {
		ok := false
		defer func() {
			if !ok {
				c.m.client, c.m.mime = oldClient, oldMime
			}
		}()
		for _, k := range keys {
			checkSettingValue(c, k, t.RawGetString(k))
		}
		ok = true
	}()
	base := L.GetTop()
	nargs := base - 2
	installed := c.m.client

	L.Push(fn)
	for i := 3; i <= base; i++ {
		L.Push(L.Get(i))
	}
	err := L.PCall(nargs, lua.MultRet, nil)

	// Restore. If fn left the client alone, put the old one back exactly;
	// if it changed other settings (say, credentials), keep those and
	// restore only the keys given to with.
	if c.m.client == installed {
		c.m.client = oldClient
	} else {
		oldCfg := oldClient.Config()
		cfg := c.m.client.Config()
		for _, k := range keys {
			switch k {
			case "path_requests":
				cfg.PathStyle = oldCfg.PathStyle
			case "host":
				cfg.Host = oldCfg.Host
			case "region":
				cfg.Region = oldCfg.Region
			case "scheme":
				cfg.Scheme = oldCfg.Scheme
			case "max_tries":
				cfg.MaxTries = oldCfg.MaxTries
			}
		}
		if next, werr := c.m.client.WithConfig(cfg); werr == nil {
			c.m.client = next
		} else {
			c.m.client = oldClient
		}
	}
	if _, ok := t.RawGetString("path_to_mime_proc").(*lua.LFunction); ok {
		c.m.mime = oldMime
	}

	if err != nil {
		if api, ok := err.(*lua.ApiError); ok {
			L.Error(api.Object, 0)
		}
		raiseMessage(L, err.Error())
	}
	return L.GetTop() - base
}

// checkSettingValue validates and applies v for setting k, with errors
// phrased for s3.with's settings table.
func checkSettingValue(c *call, k string, v lua.LValue) {
	want := map[string]string{
		"path_requests": "boolean", "host": "string", "region": "string",
		"scheme": "string", "max_tries": "number", "path_to_mime_proc": "function",
	}[k]
	if v.Type().String() != want {
		c.argError(1, "setting '%s' must be a %s, got %s", k, want, typeName(v))
	}
	// Reuse the setter on a one-argument frame: shift the value to the
	// setter's argument 1 by calling it as a Lua function.
	setter := c.L.NewFunction(func(L *lua.LState) int {
		settings[k].set(&call{L: L, m: c.m, name: "with"}, 1)
		return 0
	})
	if err := c.L.CallByParam(lua.P{Fn: setter, NRet: 0, Protect: true}, v); err != nil {
		msg := err.Error()
		if api, ok := err.(*lua.ApiError); ok {
			if s, ok := api.Object.(lua.LString); ok {
				msg = string(s)
			}
		}
		// "bad argument #1 to 'with' (...)" from the setter: say which
		// setting it was.
		if i := strings.Index(msg, "bad argument #1 to 'with' ("); i >= 0 {
			msg = strings.TrimSuffix(msg[i+len("bad argument #1 to 'with' ("):], ")")
			c.argError(1, "setting '%s': %s", k, msg)
		}
		raiseMessage(c.L, msg)
	}
}

func settingNames() string {
	names := make([]string, 0, len(settings))
	for n := range settings {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// s3CredentialsFromFile implements s3.credentials_from_file([profile]):
// the shared credentials file (AWS_SHARED_CREDENTIALS_FILE or
// ~/.aws/credentials), the profile given or AWS_PROFILE or "default". The
// credentials are read at once, so a missing profile is an error here.
func s3CredentialsFromFile(c *call) int {
	profile := c.optStr(1, "")
	c.useCredentials(engine.SharedFileCredentials("", profile))
	return 0
}

// s3CredentialsFromEnvironment implements
// s3.credentials_from_environment(): AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and the optional AWS_SESSION_TOKEN.
func s3CredentialsFromEnvironment(c *call) int {
	c.useCredentials(engine.EnvCredentials())
	return 0
}

// s3SetCredentials implements s3.set_credentials(access_key_id, secret
// [, token]).
func s3SetCredentials(c *call) int {
	ak := c.str(1)
	sk := c.str(2)
	token := c.optStr(3, "")
	if ak == "" {
		c.argError(1, "access key id expected, got an empty string")
	}
	if sk == "" {
		c.argError(2, "secret key expected, got an empty string")
	}
	p := engine.StaticCredentials{AccessKeyID: ak, SecretAccessKey: sk, SessionToken: token}
	c.reconfigure(func(cfg *engine.Config) { cfg.Credentials = p })
	return 0
}

func (c *call) useCredentials(p engine.CredentialsProvider) {
	if _, err := p.Retrieve(c.ctx()); err != nil {
		c.raise(err)
	}
	c.reconfigure(func(cfg *engine.Config) { cfg.Credentials = p })
}
