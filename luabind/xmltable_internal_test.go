package luabind

import (
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// The element-to-table mapping is lossless up to indentation, comments,
// processing instructions and the declaration: decoding and encoding again
// gives the same document.
func TestXMLTableRoundTrip(t *testing.T) {
	tests := []struct{ in, want string }{
		{`<a/>`, `<a/>`},
		{`<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>b</Name>
  <Contents><Key>a&amp;b &lt;c&gt;</Key><Size>3</Size></Contents>
</ListBucketResult>`,
			`<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Contents><Key>a&amp;b &lt;c&gt;</Key><Size>3</Size></Contents></ListBucketResult>`},
		{`<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>x</ID></Grantee>`,
			`<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>x</ID></Grantee>`},
		{`<p>mixed <b>bold</b> text<!-- gone --> and <![CDATA[<raw>]]></p>`, `<p>mixed <b>bold</b> text and &lt;raw&gt;</p>`},
		{`<k>  spaces kept  </k>`, `<k>  spaces kept  </k>`},
		{`<e>&#13;&#9;</e>`, `<e>&#xD;&#x9;</e>`},
	}
	L := lua.NewState()
	defer L.Close()
	for _, tt := range tests {
		tab, err := xmlToTable(L, []byte(tt.in))
		if err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		out, err := tableToXML(tab)
		if err != nil {
			t.Fatalf("%s: encode: %v", tt.in, err)
		}
		if string(out) != tt.want {
			t.Errorf("%s\n got %s\nwant %s", tt.in, out, tt.want)
		}
		again, err := xmlToTable(L, out)
		if err != nil {
			t.Fatal(err)
		}
		if out2, _ := tableToXML(again); string(out2) != string(out) {
			t.Errorf("second round trip differs: %s", out2)
		}
	}
	for _, bad := range []string{``, `<a>`, `<a></b>`, `<a/><b/>`, `text`, `<a>&bogus;</a>`} {
		if _, err := xmlToTable(L, []byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	deep := ""
	for range maxXMLDepth + 1 {
		deep += "<a>"
	}
	if _, err := xmlToTable(L, []byte(deep)); err == nil {
		t.Error("nesting beyond the bound: no error")
	}
}
