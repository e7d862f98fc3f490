package main

import (
	"sort"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

var luaKeywords = []string{"and", "break", "do", "else", "elseif", "end", "false", "for",
	"function", "if", "in", "local", "nil", "not", "or", "repeat", "return", "then", "true",
	"until", "while"}

// complete is the REPL's word completer. The word before the cursor is a
// name path such as "s3.li", "cfg.options.re" or "obj:me"; the candidates are
// the keys of the table the path leads to (globals for a bare name, plus the
// keywords), followed through __index tables, sorted.
func complete(L *lua.LState, line string, pos int) (head string, completions []string, tail string) {
	if pos > len(line) {
		pos = len(line)
	}
	start := pos
	for start > 0 && isPathByte(line[start-1]) {
		start--
	}
	head, word, tail := line[:start], line[start:pos], line[pos:]
	if word != "" && word[0] >= '0' && word[0] <= '9' {
		return head, nil, tail
	}

	sep := strings.LastIndexAny(word, ".:")
	var prefix, partial string
	var scope lua.LValue
	if sep < 0 {
		partial = word
		scope = L.G.Global
	} else {
		prefix, partial = word[:sep+1], word[sep+1:]
		scope = resolvePath(L, word[:sep])
		if scope == nil {
			return head, nil, tail
		}
	}
	methods := sep >= 0 && word[sep] == ':'

	seen := map[string]bool{}
	var names []string
	add := func(k string, v lua.LValue) {
		if seen[k] || !strings.HasPrefix(k, partial) || !isIdent(k) {
			return
		}
		if methods && v.Type() != lua.LTFunction {
			return
		}
		seen[k] = true
		names = append(names, k)
	}
	// Own keys, then the __index chain (bounded, in case of loops).
	for depth := 0; scope != nil && depth < 8; depth++ {
		if t, ok := scope.(*lua.LTable); ok {
			t.ForEach(func(k, v lua.LValue) {
				if ks, ok := k.(lua.LString); ok {
					add(string(ks), v)
				}
			})
		}
		idx := L.GetMetaField(scope, "__index")
		if _, ok := idx.(*lua.LTable); !ok {
			break
		}
		scope = idx
	}
	if sep < 0 {
		for _, k := range luaKeywords {
			if strings.HasPrefix(k, partial) && !seen[k] {
				names = append(names, k)
			}
		}
	}
	sort.Strings(names)
	for _, n := range names {
		completions = append(completions, prefix+n)
	}
	return head, completions, tail
}

// resolvePath follows a dotted (or colon) path from the globals without
// calling any metamethod but __index tables; nil if it leads nowhere.
func resolvePath(L *lua.LState, path string) lua.LValue {
	var v lua.LValue = L.G.Global
	for _, part := range strings.FieldsFunc(path, func(r rune) bool { return r == '.' || r == ':' }) {
		v = rawIndex(L, v, part)
		if v == nil || v == lua.LNil {
			return nil
		}
	}
	return v
}

// rawIndex looks key up in v and its __index tables, never calling a function.
func rawIndex(L *lua.LState, v lua.LValue, key string) lua.LValue {
	for depth := 0; v != nil && depth < 8; depth++ {
		if t, ok := v.(*lua.LTable); ok {
			if x := t.RawGetString(key); x != lua.LNil {
				return x
			}
		}
		idx := L.GetMetaField(v, "__index")
		if _, ok := idx.(*lua.LTable); !ok {
			return nil
		}
		v = idx
	}
	return nil
}

func isPathByte(c byte) bool {
	return c == '_' || c == '.' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
