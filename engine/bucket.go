package engine

import (
	"net/netip"
	"strings"
)

// ValidBucketName reports whether name is a valid bucket name.
//
// With dnsCompliant (the usual choice) it applies AWS's current rules for
// general purpose buckets: 3 to 63 characters of ASCII lower-case letters,
// digits, '.' and '-'; beginning and ending with a letter or digit; no
// ".."; not an IP address; not starting with "xn--" or "sthree-"; not
// ending with "-s3alias", "--ol-s3", ".mrap" or "--x-s3". Such names work
// with virtual-host addressing.
//
// Without it, the legacy US-Standard rule: 1 to 255 characters of ASCII
// letters, digits, '.', '-' and '_'. Those names need path-style requests,
// which the client then uses automatically.
//
// Unlike the reference, only ASCII is accepted (AWS never allowed more), and
// only a name that is entirely an IP address is refused, not one that merely
// contains a dotted quad such as "my.1.2.3.4.bucket".
func ValidBucketName(name string, dnsCompliant bool) bool {
	if !dnsCompliant {
		if len(name) < 1 || len(name) > 255 {
			return false
		}
		for i := 0; i < len(name); i++ {
			c := name[i]
			if !isLowerAlnum(c) && !('A' <= c && c <= 'Z') && c != '.' && c != '-' && c != '_' {
				return false
			}
		}
		return true
	}
	if len(name) < 3 || len(name) > 63 {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !isLowerAlnum(c) && c != '.' && c != '-' {
			return false
		}
	}
	if !isLowerAlnum(name[0]) || !isLowerAlnum(name[len(name)-1]) || strings.Contains(name, "..") {
		return false
	}
	if _, err := netip.ParseAddr(name); err == nil || looksLikeIPv4(name) {
		return false
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	for _, s := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, s) {
			return false
		}
	}
	return true
}

func isLowerAlnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

// looksLikeIPv4 catches dotted quads netip refuses, such as "1.1.1.01" or
// "999.1.1.1": four all-digit labels of one to three digits.
func looksLikeIPv4(name string) bool {
	labels := strings.Split(name, ".")
	if len(labels) != 4 {
		return false
	}
	for _, l := range labels {
		if len(l) < 1 || len(l) > 3 || strings.Trim(l, "0123456789") != "" {
			return false
		}
	}
	return true
}
