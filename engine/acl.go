package engine

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// Grantee types of Grantee.Type.
const (
	GranteeCanonicalUser = "CanonicalUser"
	GranteeGroup         = "Group"
	GranteeEmail         = "AmazonCustomerByEmail"
)

// Grantee is who a Grant is for. Type is GranteeCanonicalUser (ID,
// DisplayName), GranteeGroup (URI, e.g.
// "http://acs.amazonaws.com/groups/global/AllUsers") or GranteeEmail
// (Email).
type Grantee struct{ Type, ID, DisplayName, URI, Email string }

// Grant gives Grantee a Permission: FULL_CONTROL, READ, WRITE, READ_ACP or
// WRITE_ACP.
type Grant struct {
	Grantee    Grantee
	Permission string
}

// ACL is an access control policy: the owner and the grants.
type ACL struct {
	Owner  Owner
	Grants []Grant
}

const xsiNS = "http://www.w3.org/2001/XMLSchema-instance"

// aclIn is the AccessControlPolicy document as read.
type aclIn struct {
	XMLName xml.Name `xml:"AccessControlPolicy"`
	Owner   struct {
		ID          string `xml:"ID"`
		DisplayName string `xml:"DisplayName"`
	} `xml:"Owner"`
	Grants []struct {
		Grantee struct {
			Type        string `xml:"http://www.w3.org/2001/XMLSchema-instance type,attr"`
			ID          string `xml:"ID"`
			DisplayName string `xml:"DisplayName"`
			URI         string `xml:"URI"`
			Email       string `xml:"EmailAddress"`
		} `xml:"Grantee"`
		Permission string `xml:"Permission"`
	} `xml:"AccessControlList>Grant"`
}

// aclOut is the document as written: the xsi prefix spelled out, as S3's
// own documents do.
type aclOut struct {
	XMLName xml.Name    `xml:"AccessControlPolicy"`
	XMLNS   string      `xml:"xmlns,attr"`
	Owner   ownerOut    `xml:"Owner"`
	Grants  []grantsOut `xml:"AccessControlList>Grant"`
}

type ownerOut struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName,omitempty"`
}

type grantsOut struct {
	Grantee struct {
		XMLNSXSI    string `xml:"xmlns:xsi,attr"`
		Type        string `xml:"xsi:type,attr"`
		ID          string `xml:"ID,omitempty"`
		DisplayName string `xml:"DisplayName,omitempty"`
		URI         string `xml:"URI,omitempty"`
		Email       string `xml:"EmailAddress,omitempty"`
	} `xml:"Grantee"`
	Permission string `xml:"Permission"`
}

// errNotACL marks an answer to ?acl that is not an access control policy:
// the server does not implement ACLs and served something else.
var errNotACL = errors.New("the server's answer is not an AccessControlPolicy (no ACL support?)")

// aclUnsupported reports whether err means the server has no object ACLs.
func aclUnsupported(err error) bool {
	var re *ResponseError
	if errors.As(err, &re) && (re.Code == "NotImplemented" || re.StatusCode == http.StatusNotImplemented) {
		return true
	}
	return errors.Is(err, errNotACL)
}

// GetACL returns the ACL of bp's object ("bucket/" for the bucket's). h adds
// request headers. A server without ACLs answers NotImplemented (a
// *ResponseError) or, for stores that ignore ?acl, an error wrapping a
// message that the answer is not an ACL.
func (c *Client) GetACL(ctx context.Context, bp string, h http.Header) (*ACL, error) {
	bucket, key, err := SplitBucketPath(bp)
	if err != nil {
		return nil, err
	}
	r := &request{method: http.MethodGet, bucket: bucket, key: key, header: h, query: url.Values{"acl": {""}}}
	var doc aclIn
	if _, err := c.doXML(ctx, r, &doc); err != nil {
		var re *RequestError
		if errors.Is(err, errBadXML) && errors.As(err, &re) {
			re.Err = fmt.Errorf("%w: %v", errNotACL, re.Err)
		}
		return nil, err
	}
	acl := &ACL{Owner: Owner{ID: doc.Owner.ID, DisplayName: doc.Owner.DisplayName}}
	for _, g := range doc.Grants {
		acl.Grants = append(acl.Grants, Grant{
			Grantee: Grantee{Type: g.Grantee.Type, ID: g.Grantee.ID, DisplayName: g.Grantee.DisplayName,
				URI: g.Grantee.URI, Email: g.Grantee.Email},
			Permission: g.Permission,
		})
	}
	return acl, nil
}

// PutACL sets the ACL of bp's object ("bucket/" for the bucket). With a nil
// acl the body is empty and h must carry a canned ACL, e.g.
// X-Amz-Acl: public-read, or X-Amz-Grant-* headers.
func (c *Client) PutACL(ctx context.Context, bp string, acl *ACL, h http.Header) error {
	bucket, key, err := SplitBucketPath(bp)
	if err != nil {
		return err
	}
	hdr := h.Clone()
	if hdr == nil {
		hdr = http.Header{}
	}
	r := &request{method: http.MethodPut, bucket: bucket, key: key, header: hdr, query: url.Values{"acl": {""}}}
	if acl != nil {
		doc := aclOut{XMLNS: "http://s3.amazonaws.com/doc/2006-03-01/",
			Owner: ownerOut{ID: acl.Owner.ID, DisplayName: acl.Owner.DisplayName}}
		for i, g := range acl.Grants {
			var o grantsOut
			o.Grantee.XMLNSXSI = xsiNS
			o.Grantee.Type = g.Grantee.Type
			if o.Grantee.Type == "" {
				return argError("PutACL", "grant #%d: empty Grantee.Type", i+1)
			}
			o.Grantee.ID, o.Grantee.DisplayName = g.Grantee.ID, g.Grantee.DisplayName
			o.Grantee.URI, o.Grantee.Email = g.Grantee.URI, g.Grantee.Email
			o.Permission = g.Permission
			doc.Grants = append(doc.Grants, o)
		}
		body, err := xmlBody(doc)
		if err != nil {
			return fmt.Errorf("engine.PutACL: %w", err)
		}
		r.body = body
		hdr.Set("Content-Type", "application/xml")
		hdr.Set("Content-Md5", contentMD5(body))
	} else if hdr.Get("X-Amz-Acl") == "" && !hasGrantHeader(hdr) {
		return argError("PutACL", "nil ACL needs a canned ACL header (X-Amz-Acl) or X-Amz-Grant-* headers")
	}
	resp, err := c.do(ctx, r)
	if err != nil {
		return err
	}
	drainClose(resp.Body)
	return nil
}

func hasGrantHeader(h http.Header) bool {
	for k := range h {
		if len(k) > len("X-Amz-Grant-") && http.CanonicalHeaderKey(k)[:len("X-Amz-Grant-")] == "X-Amz-Grant-" {
			return true
		}
	}
	return false
}
