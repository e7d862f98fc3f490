package main

import (
	"reflect"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func TestParseChunk(t *testing.T) {
	tests := []struct {
		text           string
		complete, expr bool
	}{
		{"1 + 1", true, true},
		{"=x", true, true},
		{"x = 1", true, false},
		{"function f(x)", false, false},
		{"function f(x)\nreturn x\nend", true, false},
		{"{ a = 1,", false, false},
		{"s = [[long", false, false},
		{"x = = 1", true, false}, // a real syntax error: complete, reported when run
		{"if x then", false, false},
	}
	for _, tt := range tests {
		complete, expr := parseChunk(tt.text)
		if complete != tt.complete || expr != tt.expr {
			t.Errorf("parseChunk(%q) = %v, %v; want %v, %v", tt.text, complete, expr, tt.complete, tt.expr)
		}
	}
}

func TestComplete(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	if err := L.DoString(`
		s3 = { list = 1, list_buckets = 2, ls = 3, region = function() end }
		cfg = { inner = { alpha = 1, alps = 2, ["not an ident"] = 3 } }
		local mt = { __index = { method_one = function() end, field = 1 } }
		obj = setmetatable({ own = function() end }, mt)
		loco = 1`); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		line       string
		head, tail string
		want       []string
	}{
		{"s3.li", "", "", []string{"s3.list", "s3.list_buckets"}},
		{"x = s3.l", "x = ", "", []string{"s3.list", "s3.list_buckets", "s3.ls"}},
		{"cfg.inner.al", "", "", []string{"cfg.inner.alpha", "cfg.inner.alps"}},
		{"obj:", "", "", []string{"obj:method_one", "obj:own"}},
		{"obj.f", "", "", []string{"obj.field"}},
		{"loc", "", "", []string{"local", "loco"}},
		{"nothing.here", "", "", nil},
		{"print(s3.re", "print(", "", []string{"s3.region"}},
	}
	for _, tt := range tests {
		head, got, tail := complete(L, tt.line, len(tt.line))
		if head != tt.head || tail != tt.tail || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("complete(%q) = %q, %q, %q; want %q, %q, %q", tt.line, head, got, tail, tt.head, tt.want, tt.tail)
		}
	}
}
