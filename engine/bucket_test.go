package engine

import "testing"

func TestValidBucketName(t *testing.T) {
	tests := []struct {
		name string
		dns  bool
		want bool
		note string
	}{
		// The reference's vectors (aws/s3.rkt:1038-1055).
		{"Aa1.-", false, true, ""},
		{"1.1.1.1", false, true, ""},
		{"A", true, false, ""},
		{"1.1.1.1", true, false, ""},
		{"255.255.255.255", true, false, ""},
		{"111", true, true, ""},
		{"a1a", true, true, ""},
		{"1-1", true, true, ""},
		{"-a-", true, false, ""},
		{"myawsbucket", true, true, ""},
		{"my.aws.bucket", true, true, ""},
		{"myawsbucket.1", true, true, ""},
		{".myawsbucket", true, false, ""},
		{"myawsbucket.", true, false, ""},
		{"my..examplebucket", true, false, ""},
		// Deliberate differences from the reference.
		{"my.1.2.3.4.bucket", true, true, "reference refused any dotted-quad substring"},
		{"bücket", true, false, "reference accepted Unicode lower case"},
		{"bücket", false, false, "reference accepted Unicode letters"},
		// AWS's current rules the reference lacked.
		{"xn--bucket", true, false, "xn-- prefix"},
		{"sthree-bucket", true, false, "sthree- prefix"},
		{"bucket-s3alias", true, false, "-s3alias suffix"},
		{"bucket--ol-s3", true, false, "--ol-s3 suffix"},
		{"bucket.mrap", true, false, ".mrap suffix"},
		{"bucket--x-s3", true, false, "--x-s3 suffix"},
		{"1.1.1.01", true, false, "IP-like"},
		{"ab", true, false, "too short"},
		{"a234567890123456789012345678901234567890123456789012345678901234", true, false, "64 chars"},
		{"a23456789012345678901234567890123456789012345678901234567890123", true, true, "63 chars"},
		{"my_bucket", true, false, "underscore"},
		{"my_Bucket", false, true, "legacy"},
		{"", false, false, "empty legacy"},
		{"a-.b", true, true, "AWS allows '-' next to '.'"},
	}
	for _, tt := range tests {
		if got := ValidBucketName(tt.name, tt.dns); got != tt.want {
			t.Errorf("ValidBucketName(%q, %v) = %v, want %v %s", tt.name, tt.dns, got, tt.want, tt.note)
		}
	}
}
