package main

import "testing"

func TestShortDesc(t *testing.T) {
	tests := []struct{ in, want string }{
		{"put_file b/k", "put_file b/k"},
		{"multipart_put_file bucket/a/very/long/path/to/the/object/file.bin",
			"multipart_put_file ...ath/to/the/object/file.bin"},
		{"averyveryveryveryveryverylongoperationname-without-spaces-at-all-x",
			"...verylongoperationname-without-spaces-at-all-x"},
	}
	for _, tt := range tests {
		got := shortDesc(tt.in)
		if got != tt.want {
			t.Errorf("shortDesc(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if len(got) > 48 {
			t.Errorf("shortDesc(%q) is %d bytes long", tt.in, len(got))
		}
	}
}
