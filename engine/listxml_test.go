package engine

import (
	"bytes"
	"encoding/xml"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// decodeListPage must give exactly what encoding/xml gives (value and
// whether it fails), whether it scans the document itself or falls back.
func TestDecodeListPageMatchesEncodingXML(t *testing.T) {
	const head = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`
	docs := []string{
		string(listPageXML(3)),
		head + `<IsTruncated>false</IsTruncated></ListBucketResult>`,
		head + `<Name>b</Name><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated><NextContinuationToken>t0k=</NextContinuationToken>` +
			`<Contents><Key>a%20b</Key><Size>3</Size></Contents><CommonPrefixes><Prefix>p%2F</Prefix></CommonPrefixes><CommonPrefixes><Prefix>q/</Prefix></CommonPrefixes></ListBucketResult>`,
		// entities and character references, empty and self-closing elements
		head + `<Contents><Key>a&amp;b&lt;c&gt;&quot;&apos;&#233;&#x1F600;</Key><ETag>&#34;x&#34;</ETag><StorageClass/><Owner/></Contents></ListBucketResult>`,
		head + `<Contents><Key></Key><Size> 12 </Size></Contents></ListBucketResult>`,
		// whitespace, comments, namespaces, attributes, unknown elements (nested too)
		"\n" + head + "\n  <!-- c -->\n  <Contents>\n    <Key>k</Key>\n    <Extra a=\"1>2\"><Deep><Deeper/>x</Deep></Extra>\n    <s3:Size>7</s3:Size>\n  </Contents>\n</ListBucketResult>\n\n",
		head + `<Contents><Owner><ID>i</ID><DisplayName>d</DisplayName><Other>o</Other></Owner><Owner><ID>j</ID></Owner></Contents></ListBucketResult>`,
		head + `<Contents><Key>1</Key><Key>2</Key></Contents></ListBucketResult>`,
		`<Error><Code>InternalError</Code><Message>m</Message></Error>`,
		// documents the scanner leaves to encoding/xml
		head + `<Contents><Key><![CDATA[cd<a>ta]]></Key></Contents></ListBucketResult>`,
		head + `<Contents><Key>line1` + "\r\n" + `line2</Key></Contents></ListBucketResult>`,
		head + `<Contents><Key>a<!-- x -->b</Key></Contents></ListBucketResult>`,
		head + `<Contents><Key>a&nbsp;b</Key></Contents></ListBucketResult>`,
		head + `<Contents><Key>a&#0;b</Key></Contents></ListBucketResult>`,
		head + `<Contents><Key>a` + "\x01" + `b</Key></Contents></ListBucketResult>`,
		head + `<Contents><Key>a` + "\xff" + `b</Key></Contents></ListBucketResult>`,
		head + `<Contents><Size>x</Size></Contents></ListBucketResult>`,
		head + `<Contents><Size></Size></Contents><IsTruncated></IsTruncated></ListBucketResult>`,
		head + `<IsTruncated>maybe</IsTruncated></ListBucketResult>`,
		head + `<Contents><Key>k</Key></Wrong></ListBucketResult>`,
		head + `<Contents><Key>k</Key></Contents>`,
		head + `<Contents><Key>k</Key></Contents></ListBucketResult>trailing`,
		head + `text<Contents><Key>k</Key></Contents></ListBucketResult>`,
		head + `<Contents><Key>k<b>x</b></Key></Contents></ListBucketResult>`,
		`<!DOCTYPE x><ListBucketResult/>`,
		``,
		`   `,
		`not xml`,
		`<ListBucketResult`,
	}
	for _, doc := range docs {
		var want, got listBucketResult
		wantErr := xml.NewDecoder(strings.NewReader(doc)).Decode(&want)
		gotErr := decodeListPage(bytes.NewReader([]byte(doc)), &got)
		if (wantErr == nil) != (gotErr == nil) {
			t.Errorf("%q: error %v, encoding/xml's %v", doc, gotErr, wantErr)
			continue
		}
		if wantErr == nil && !reflect.DeepEqual(got, want) {
			t.Errorf("%q:\n got %+v\nwant %+v", doc, got, want)
		}
	}
}

// The page used by the benchmark is scanned without falling back.
func TestListScannerScansMinIOPage(t *testing.T) {
	var p listBucketResult
	s := listScanner{b: listPageXML(1000)}
	if !s.page(&p) || len(p.Contents) != 1000 || p.Contents[999].Owner == nil || !p.IsTruncated {
		t.Fatalf("the scanner gave up or got it wrong: %d objects", len(p.Contents))
	}
}

// TestIsXMLDecl: the hand-written declaration match accepts exactly what
// this regexp does, over the declarations servers send and variations of
// every part of them.
func TestIsXMLDecl(t *testing.T) {
	oracle := regexp.MustCompile(`^<\?xml version=("1\.0"|'1\.0')( encoding=("(UTF|utf)-8"|'(UTF|utf)-8'))?( standalone=("yes"|"no"|'yes'|'no'))? ?\?>$`)
	var decls []string
	for _, version := range []string{`"1.0"`, `'1.0'`, `"1.1"`, `"1.0'`, `1.0`, `""`} {
		for _, enc := range []string{"", ` encoding="UTF-8"`, ` encoding='utf-8'`, ` encoding="Utf-8"`, ` encoding="ISO-8859-1"`, ` encoding="UTF-8'`, `  encoding="UTF-8"`, ` encoding=`} {
			for _, sa := range []string{"", ` standalone="yes"`, ` standalone='no'`, ` standalone="maybe"`, ` standalone=`} {
				for _, end := range []string{"?>", " ?>", "  ?>", "?> ", "?"} {
					decls = append(decls, `<?xml version=`+version+enc+sa+end)
				}
			}
		}
	}
	decls = append(decls, "", "<?xml", `<?xml version="1.0" standalone="yes" encoding="UTF-8"?>`, `<?XML version="1.0"?>`,
		` <?xml version="1.0"?>`, `<?xml  version="1.0"?>`, `<?xml version = "1.0"?>`)
	accepted := 0
	for _, d := range decls {
		want := oracle.MatchString(d)
		if got := isXMLDecl([]byte(d)); got != want {
			t.Errorf("isXMLDecl(%q) = %v, want %v", d, got, want)
		}
		if want {
			accepted++
		}
	}
	if accepted < 20 {
		t.Fatalf("only %d of %d declarations accepted: the cases do not exercise the match", accepted, len(decls))
	}
}
