package luabind

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/engine"
	"github.com/s3lua/s3lua/signature"
)

// Settings: the reference's parameters as getter/setters, s3.with (the
// reference's parameterize), and credentials. A setter derives a new client
// with WithConfig (same connection pool) and makes it the module's current
// client; the embedder's Options.Client is never changed.

// setting is one getter/setter. kind is the Lua type of its value; set
// checks a value of that kind and applies it, or returns what is wrong.
type setting struct {
	kind lua.LValueType
	get  func(c *call) lua.LValue
	set  func(c *call, v lua.LValue) (problem string)
}

var settings = map[string]setting{
	"path_requests": {
		kind: lua.LTBool,
		get:  func(c *call) lua.LValue { return lua.LBool(c.client().Config().PathStyle) },
		set: func(c *call, v lua.LValue) string {
			return c.reconfigure(func(cfg *engine.Config) { cfg.PathStyle = v == lua.LTrue })
		},
	},
	"host": {
		kind: lua.LTString,
		get:  func(c *call) lua.LValue { return lua.LString(c.client().Config().Host) },
		set: func(c *call, v lua.LValue) string {
			host := v.String()
			if host == "" || strings.ContainsAny(host, "/ \t\r\n?#@") {
				return fmt.Sprintf("host name with an optional ':port' expected, got '%s'", host)
			}
			return c.reconfigure(func(cfg *engine.Config) { cfg.Host = host })
		},
	},
	"region": {
		kind: lua.LTString,
		get:  func(c *call) lua.LValue { return lua.LString(c.client().Config().Region) },
		set: func(c *call, v lua.LValue) string {
			region := v.String()
			if region == "" {
				return "region expected, got an empty string"
			}
			return c.reconfigure(func(cfg *engine.Config) { cfg.Region = region })
		},
	},
	"scheme": {
		kind: lua.LTString,
		get:  func(c *call) lua.LValue { return lua.LString(c.client().Config().Scheme) },
		set: func(c *call, v lua.LValue) string {
			scheme := strings.ToLower(v.String())
			if scheme != "http" && scheme != "https" {
				return fmt.Sprintf("'http' or 'https' expected, got '%s'", v.String())
			}
			return c.reconfigure(func(cfg *engine.Config) { cfg.Scheme = scheme })
		},
	},
	"max_tries": {
		kind: lua.LTNumber,
		get:  func(c *call) lua.LValue { return lua.LNumber(c.client().Config().MaxTries) },
		set: func(c *call, v lua.LValue) string {
			n, ok := toInteger(v.(lua.LNumber))
			if !ok {
				return "number has no integer representation"
			}
			if n < 1 || n > maxTries {
				return rangeMessage(n, 1, maxTries)
			}
			return c.reconfigure(func(cfg *engine.Config) { cfg.MaxTries = int(n) })
		},
	},
	"path_to_mime_proc": {
		kind: lua.LTFunction,
		get: func(c *call) lua.LValue {
			if c.m.mime != nil {
				return c.m.mime
			}
			return c.L.NewFunction(defaultMIMEProc(c.client()))
		},
		set: func(c *call, v lua.LValue) string {
			c.m.mime = v.(*lua.LFunction)
			return ""
		},
	},
}

// maxTries bounds max_tries: more attempts than this is a mistake.
const maxTries = 1000

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

// reconfigure makes the current client one derived with a change; it
// returns the engine's objection, if any.
func (c *call) reconfigure(change func(cfg *engine.Config)) string {
	cfg := c.client().Config()
	change(&cfg)
	next, err := c.client().WithConfig(cfg)
	if err != nil {
		return oneLine(err.Error())
	}
	c.m.client = next
	return ""
}

// settingFunc is the getter/setter s3.<name>([value]) of settings[name].
func settingFunc(name string) binding {
	return func(c *call) (int, error) {
		s := settings[name]
		// The value is an optional positional argument: absent or
		// nil reads, as io.output(nil) does.
		if c.isNone(1) {
			c.L.Push(s.get(c))
			return 1, nil
		}
		v := c.L.Get(1)
		if v.Type() != s.kind {
			c.typeError(1, s.kind.String())
			return 0, c.checkArgs()
		}
		if problem := c.m.lockedSetting(name); problem != "" {
			return 0, &usageError{msg: c.name + ": " + problem}
		}
		if problem := s.set(c, v); problem != "" {
			c.argError(1, "%s", problem)
		}
		return 0, c.checkArgs()
	}
}

// s3With implements s3.with(settings, fn, ...) -> fn's results: fn(...)
// runs with the settings changed, and they are restored afterwards even
// when fn raises (the error is then re-raised unchanged).
func s3With(c *call) (int, error) {
	L := c.L
	t := c.table(1)
	fn := c.function(2)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	var (
		keys    []string
		problem string
	)
	t.ForEach(func(k, v lua.LValue) {
		if problem != "" {
			return
		}
		name, ok := k.(lua.LString)
		if !ok {
			problem = "setting names must be strings, got " + typeName(k)
			return
		}
		s, ok := settings[string(name)]
		switch {
		case !ok:
			problem = fmt.Sprintf("unknown setting '%s' (valid: %s)", name, settingNames())
		case v.Type() != s.kind:
			problem = fmt.Sprintf("setting '%s' must be a %s, got %s", name, s.kind, typeName(v))
		case c.m.lockedSetting(string(name)) != "":
			problem = fmt.Sprintf("setting '%s': %s", name, c.m.lockedSetting(string(name)))
		default:
			keys = append(keys, string(name))
		}
	})
	if problem != "" {
		c.argError(1, "%s", problem)
		return 0, c.checkArgs()
	}
	sort.Strings(keys)

	// Apply each setting with the setter's own checks; a bad value leaves
	// every setting as it was.
	oldClient, oldMime := c.m.client, c.m.mime
	for _, k := range keys {
		if problem := settings[k].set(c, t.RawGetString(k)); problem != "" {
			c.m.client, c.m.mime = oldClient, oldMime
			c.argError(1, "setting '%s': %s", k, problem)
			return 0, c.checkArgs()
		}
	}
	installed := c.m.client

	base := L.GetTop()
	L.Push(fn)
	for i := 3; i <= base; i++ {
		L.Push(L.Get(i))
	}
	leave := c.m.enterCallback(L)
	err := L.PCall(base-2, lua.MultRet, nil)
	leave()

	// Restore. If fn left the client alone, put the old one back exactly;
	// if it changed it (say, new credentials), keep those changes and
	// restore only the settings given to with.
	if c.m.client == installed {
		c.m.client = oldClient
	} else {
		old, cfg := oldClient.Config(), c.m.client.Config()
		for _, k := range keys {
			switch k {
			case "path_requests":
				cfg.PathStyle = old.PathStyle
			case "host":
				cfg.Host = old.Host
			case "region":
				cfg.Region = old.Region
			case "scheme":
				cfg.Scheme = old.Scheme
			case "max_tries":
				cfg.MaxTries = old.MaxTries
			}
		}
		if next, werr := c.m.client.WithConfig(cfg); werr == nil {
			c.m.client = next
		} else {
			c.m.client = oldClient
		}
	}
	if t.RawGetString("path_to_mime_proc") != lua.LNil {
		c.m.mime = oldMime
	}

	if err != nil {
		api, ok := err.(*lua.ApiError)
		if !ok {
			return 0, &usageError{msg: err.Error()}
		}
		return 0, &callbackError{Value: api.Object, Traceback: api.StackTrace}
	}
	return L.GetTop() - base, nil
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
func s3CredentialsFromFile(c *call) (int, error) {
	profile := c.optStr(1, "")
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	if err := c.credentialsAllowed(); err != nil {
		return 0, err
	}
	if c.m.opts.Sandbox {
		return 0, c.useCredentials(c.m.rootCredentials(profile))
	}
	return 0, c.useCredentials(engine.SharedFileCredentials("", profile))
}

// s3CredentialsFromEnvironment implements
// s3.credentials_from_environment(): AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and the optional AWS_SESSION_TOKEN.
func s3CredentialsFromEnvironment(c *call) (int, error) {
	if err := c.credentialsAllowed(); err != nil {
		return 0, err
	}
	return 0, c.useCredentials(engine.EnvCredentials())
}

// s3SetCredentials implements s3.set_credentials(access_key_id, secret
// [, token]).
func s3SetCredentials(c *call) (int, error) {
	ak := c.str(1)
	sk := c.str(2)
	token := c.optStr(3, "")
	if ak == "" {
		c.argError(1, "access key id expected, got an empty string")
	}
	if sk == "" {
		c.argError(2, "secret key expected, got an empty string")
	}
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	if err := c.credentialsAllowed(); err != nil {
		return 0, err
	}
	p := engine.StaticCredentials{AccessKeyID: ak, SecretAccessKey: sk, SessionToken: token}
	c.m.addSecrets(sk, token)
	if problem := c.reconfigure(func(cfg *engine.Config) { cfg.Credentials = p }); problem != "" {
		return 0, &usageError{msg: c.name + ": " + problem}
	}
	return 0, nil
}

func (c *call) useCredentials(p engine.CredentialsProvider) error {
	creds, err := p.Retrieve(c.ctx())
	if err != nil {
		return err
	}
	c.m.addSecrets(creds.SecretAccessKey, creds.SessionToken)
	if problem := c.reconfigure(func(cfg *engine.Config) { cfg.Credentials = p }); problem != "" {
		return &usageError{msg: c.name + ": " + problem}
	}
	return nil
}

// endpointSettings are the settings that decide where requests go.
var endpointSettings = map[string]bool{"host": true, "scheme": true, "path_requests": true, "region": true}

// lockedSetting says why a sandboxed script may not change setting name,
// or "" when it may.
func (m *module) lockedSetting(name string) string {
	if m.opts.Sandbox && !m.opts.AllowEndpoint && endpointSettings[name] {
		return "the endpoint (host, scheme, path_requests, region) belongs to the host and cannot be changed in the sandbox"
	}
	return ""
}

// credentialsAllowed refuses a credential change in a sandbox that does
// not allow it.
func (c *call) credentialsAllowed() error {
	if c.m.opts.Sandbox && !c.m.opts.AllowCredentials {
		return &usageError{msg: c.name + ": the credentials belong to the host and cannot be changed in the sandbox"}
	}
	return nil
}

// rootCredentials is credentials_from_file in a sandbox: the profile of
// the file .aws/credentials inside Root, read through os.Root (never the
// host's files); no Root, no file.
func (m *module) rootCredentials(profile string) engine.CredentialsProvider {
	return rootCredentialsProvider{m: m, profile: profile}
}

type rootCredentialsProvider struct {
	m       *module
	profile string
}

// rootCredentialsFile is where a sandbox's credentials_from_file reads,
// relative to Root.
const rootCredentialsFile = ".aws/credentials"

func (p rootCredentialsProvider) Retrieve(context.Context) (signature.Credentials, error) {
	if p.m.rootFS == nil {
		return signature.Credentials{}, errors.New("credentials_from_file: no file access in the sandbox without a Root")
	}
	profile := p.profile
	if profile == "" {
		profile = "default"
	}
	f, err := p.m.rootFS.Open(rootCredentialsFile)
	if err != nil {
		return signature.Credentials{}, fmt.Errorf("credentials_from_file: %s in the root: %w", rootCredentialsFile, unwrapPath(err))
	}
	defer f.Close()
	sec, err := iniSection(io.LimitReader(f, 1<<20), profile)
	if err != nil {
		return signature.Credentials{}, fmt.Errorf("credentials_from_file: %w", err)
	}
	cr := signature.Credentials{
		AccessKeyID:     sec["aws_access_key_id"],
		SecretAccessKey: sec["aws_secret_access_key"],
		SessionToken:    sec["aws_session_token"],
	}
	if cr.AccessKeyID == "" || cr.SecretAccessKey == "" {
		return signature.Credentials{}, fmt.Errorf("credentials_from_file: %s [%s] in the root: aws_access_key_id and aws_secret_access_key must both be set", rootCredentialsFile, profile)
	}
	return cr, nil
}

// iniSection returns the key = value pairs of [section] of an AWS
// credentials file (keys lower-cased, # and ; comments).
func iniSection(r io.Reader, section string) (map[string]string, error) {
	out := map[string]string{}
	in := false
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[':
			end := strings.IndexByte(line, ']')
			in = end > 0 && strings.TrimSpace(line[1:end]) == section
		case in:
			if k, v, ok := strings.Cut(line, "="); ok {
				out[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
			}
		}
	}
	return out, sc.Err()
}
