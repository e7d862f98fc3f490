package luabind

import (
	"slices"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/engine"
)

// moduleKey is the registry field holding the module Preload made for a
// state, so that the exported helpers below find its current settings.
const moduleKey = "s3.module"

func registerModule(L *lua.LState, m *module) {
	ud := L.NewUserData()
	ud.Value = m
	L.SetField(L.Get(lua.RegistryIndex), moduleKey, ud)
}

func moduleOf(L *lua.LState) *module {
	if L == nil {
		return nil
	}
	ud, ok := L.GetField(L.Get(lua.RegistryIndex), moduleKey).(*lua.LUserData)
	if !ok {
		return nil
	}
	m, _ := ud.Value.(*module)
	return m
}

// Secrets returns the secret keys and session tokens the s3 module on L has
// been given by the script (s3.set_credentials, s3.credentials_from_file,
// s3.credentials_from_environment) or by the host as engine.StaticCredentials,
// so that a host can keep them out of what it records: a REPL's history, a
// log. It never sends a request; credentials a provider has not yet
// fetched (instance metadata, say) are not known here. The result is nil
// when the module was not opened on L.
func Secrets(L *lua.LState) []string {
	m := moduleOf(L)
	if m == nil {
		return nil
	}
	out := append([]string(nil), m.secrets...)
	if m.client != nil {
		if sc, ok := m.client.Config().Credentials.(engine.StaticCredentials); ok {
			out = append(out, sc.SecretAccessKey, sc.SessionToken)
		}
	}
	var kept []string
	for _, s := range out {
		if s != "" {
			kept = append(kept, s)
		}
	}
	return kept
}

// addSecrets remembers secrets for Secrets, each once (a script that
// refreshes its keys in a loop does not grow the list without end: the
// oldest are forgotten beyond 64).
func (m *module) addSecrets(ss ...string) {
	for _, s := range ss {
		if s == "" || slices.Contains(m.secrets, s) {
			continue
		}
		m.secrets = append(m.secrets, s)
		if len(m.secrets) > 64 {
			m.secrets = m.secrets[1:]
		}
	}
}
