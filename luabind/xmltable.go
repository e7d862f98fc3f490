package luabind

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The element-to-table mapping of s3.request (docs/lua-api.md, "XML
// answers as tables"). An element is a table
//
//	{name = "prefix:Local", attr = {["xmlns"] = "...", ["xsi:type"] = "..."}, child1, child2, ...}
//
// whose array part holds its children in document order: element tables
// and strings (text, with entities and CDATA decoded, adjacent pieces
// joined). attr is absent when the element has no attributes. Names and
// attribute names are kept exactly as written, prefixes and xmlns
// declarations included (the document is read without namespace
// processing), so encoding a table gives back an equivalent document. The
// one normalisation: text made only of white space is dropped from an
// element that has child elements (indentation). Comments, processing
// instructions and the XML declaration are dropped.

// maxXMLDepth bounds nesting, so a hostile answer cannot exhaust the stack.
const maxXMLDepth = 256

// xmlToTable decodes one XML document into an element table.
func xmlToTable(L *lua.LState, data []byte) (*lua.LTable, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	type frame struct {
		t        *lua.LTable
		n        int  // children so far
		hasElem  bool // has a child element
		lastText bool // the last child is a string
	}
	var stack []*frame
	var root *lua.LTable
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if root != nil && len(stack) == 0 {
				return nil, errors.New("more than one root element")
			}
			if len(stack) >= maxXMLDepth {
				return nil, fmt.Errorf("elements nested more than %d deep", maxXMLDepth)
			}
			t := L.CreateTable(0, 2)
			t.RawSetString("name", lua.LString(rawName(tok.Name)))
			if len(tok.Attr) > 0 {
				at := L.CreateTable(0, len(tok.Attr))
				for _, a := range tok.Attr {
					at.RawSetString(rawName(a.Name), lua.LString(a.Value))
				}
				t.RawSetString("attr", at)
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.n++
				p.t.RawSetInt(p.n, t)
				p.hasElem, p.lastText = true, false
			} else {
				root = t
			}
			stack = append(stack, &frame{t: t})
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, errors.New("unexpected end element")
			}
			f := stack[len(stack)-1]
			// RawToken does not match end tags to start tags: check here.
			if want := string(f.t.RawGetString("name").(lua.LString)); rawName(tok.Name) != want {
				return nil, fmt.Errorf("element <%s> closed by </%s>", want, rawName(tok.Name))
			}
			stack = stack[:len(stack)-1]
			if f.hasElem {
				dropBlankText(f.t, f.n)
			}
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(tok)) > 0 {
					return nil, errors.New("text outside the root element")
				}
				continue
			}
			f := stack[len(stack)-1]
			if f.lastText {
				prev := f.t.RawGetInt(f.n).(lua.LString)
				f.t.RawSetInt(f.n, prev+lua.LString(tok))
			} else {
				f.n++
				f.t.RawSetInt(f.n, lua.LString(tok))
				f.lastText = true
			}
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	if len(stack) > 0 {
		return nil, errors.New("unclosed element")
	}
	return root, nil
}

func rawName(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

// dropBlankText removes white-space-only strings from t's n children.
func dropBlankText(t *lua.LTable, n int) {
	kept := make([]lua.LValue, 0, n)
	for i := 1; i <= n; i++ {
		v := t.RawGetInt(i)
		if s, ok := v.(lua.LString); ok && strings.TrimSpace(string(s)) == "" {
			continue
		}
		kept = append(kept, v)
	}
	for i := 1; i <= n; i++ {
		if i <= len(kept) {
			t.RawSetInt(i, kept[i-1])
		} else {
			t.RawSetInt(i, lua.LNil)
		}
	}
}

// tableToXML encodes an element table (as xmlToTable makes) as XML.
func tableToXML(t *lua.LTable) ([]byte, error) {
	var b bytes.Buffer
	if err := writeElement(&b, t, "", 0); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeElement(b *bytes.Buffer, t *lua.LTable, path string, depth int) error {
	if depth >= maxXMLDepth {
		return fmt.Errorf("elements nested more than %d deep (a cycle?)", maxXMLDepth)
	}
	name, ok := t.RawGetString("name").(lua.LString)
	if !ok || !validXMLName(string(name)) {
		return fmt.Errorf("%selement without a valid name (got %s)", path, repr(t.RawGetString("name")))
	}
	path += string(name) + ": "
	b.WriteString("<" + string(name))
	switch at := t.RawGetString("attr").(type) {
	case *lua.LTable:
		var names []string
		var bad string
		at.ForEach(func(k, v lua.LValue) {
			ks, ok := k.(lua.LString)
			if !ok || !validXMLName(string(ks)) {
				bad = fmt.Sprintf("%sattribute name %s", path, repr(k))
				return
			}
			if v.Type() != lua.LTString && v.Type() != lua.LTNumber {
				bad = fmt.Sprintf("%sattribute '%s' must be a string, got %s", path, ks, typeName(v))
				return
			}
			names = append(names, string(ks))
		})
		if bad != "" {
			return errors.New(bad)
		}
		sort.Strings(names)
		for _, n := range names {
			b.WriteString(" " + n + `="`)
			xml.EscapeText(b, []byte(at.RawGetString(n).String()))
			b.WriteString(`"`)
		}
	case *lua.LNilType:
	default:
		return fmt.Errorf("%sattr must be a table, got %s", path, typeName(at))
	}
	n := t.Len()
	if n == 0 {
		b.WriteString("/>")
		return nil
	}
	b.WriteString(">")
	for i := 1; i <= n; i++ {
		switch v := t.RawGetInt(i).(type) {
		case lua.LString, lua.LNumber:
			xml.EscapeText(b, []byte(v.String()))
		case *lua.LTable:
			if err := writeElement(b, v, path, depth+1); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%schild %d must be a string or an element table, got %s", path, i, typeName(v))
		}
	}
	b.WriteString("</" + string(name) + ">")
	return nil
}

func repr(v lua.LValue) string {
	if s, ok := v.(lua.LString); ok {
		return fmt.Sprintf("%q", string(s))
	}
	return typeName(v)
}

// validXMLName accepts names of letters, digits and . - _ : (ASCII or not),
// not starting with a digit, '.', '-' or ':'.
func validXMLName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || r == ':' && i > 0 || r >= 0x80:
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
		case i > 0 && ('0' <= r && r <= '9' || r == '.' || r == '-'):
		default:
			return false
		}
	}
	return true
}
