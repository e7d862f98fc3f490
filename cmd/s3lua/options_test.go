package main

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseArgs(t *testing.T) {
	tests := []struct {
		name string
		argv []string
		want func(o *options) bool
	}{
		{"empty", nil, func(o *options) bool { return o.script == "" && o.scriptIdx == -1 }},
		{"script and args that look like flags", []string{"s.lua", "-e", "--region", "x"},
			func(o *options) bool {
				return o.script == "s.lua" && o.scriptIdx == 0 && reflect.DeepEqual(o.scriptArgs, []string{"-e", "--region", "x"})
			}},
		{"-e and -l keep their order", []string{"-e", "a", "-lmod", "-eb", "-l", "n=m", "s.lua"},
			func(o *options) bool {
				return reflect.DeepEqual(o.chunks, []chunkOpt{{'e', "a"}, {'l', "mod"}, {'e', "b"}, {'l', "n=m"}}) && o.scriptIdx == 6
			}},
		{"dash is stdin", []string{"-i", "-", "x"}, func(o *options) bool {
			return o.interactive && o.script == "-" && reflect.DeepEqual(o.scriptArgs, []string{"x"})
		}},
		{"double dash ends options", []string{"--", "--help"}, func(o *options) bool {
			return !o.help && o.script == "--help" && o.scriptIdx == 1
		}},
		{"s3 options", []string{"--endpoint", "http://127.0.0.1:9000", "--region=eu-west-1", "--profile", "p",
			"--path-style", "--max-tries", "3", "--quiet"}, func(o *options) bool {
			return o.endpoint.Host == "127.0.0.1:9000" && o.endpoint.Scheme == "http" && o.region == "eu-west-1" &&
				o.profile == "p" && o.pathStyle && o.maxTries == 3 && o.quiet
		}},
		{"local in memory", []string{"--local", "x.lua"}, func(o *options) bool { return o.local && o.localDir == "" && o.script == "x.lua" }},
		{"local persisted", []string{"--local=/tmp/store"}, func(o *options) bool { return o.local && o.localDir == "/tmp/store" }},
		{"version and help", []string{"--version", "--help"}, func(o *options) bool { return o.version && o.help }},
		{"tls options", []string{"--ca-bundle", "/etc/ca.pem", "--insecure"}, func(o *options) bool {
			return o.caBundle == "/etc/ca.pem" && o.insecure
		}},
		{"ca bundle inline", []string{"--ca-bundle=ca.pem"}, func(o *options) bool { return o.caBundle == "ca.pem" && !o.insecure }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseArgs(tt.argv)
			if err != nil {
				t.Fatalf("parseArgs(%q): %v", tt.argv, err)
			}
			if !tt.want(o) {
				t.Errorf("parseArgs(%q) = %+v", tt.argv, o)
			}
		})
	}
}

func TestParseArgsUsageErrors(t *testing.T) {
	tests := []struct {
		argv []string
		msg  string
	}{
		{[]string{"--nope"}, "unknown option --nope"},
		{[]string{"--ca-bundle"}, "option --ca-bundle needs a value"},
		{[]string{"--ca-bundle="}, "option --ca-bundle needs a file"},
		{[]string{"--insecure=yes"}, "option --insecure takes no value"},
		{[]string{"--local", "--insecure"}, "--insecure and --ca-bundle do not apply"},
		{[]string{"-z"}, "unknown option -z"},
		{[]string{"-iv"}, "unknown option -iv"},
		{[]string{"-e"}, "option -e needs a value"},
		{[]string{"-l"}, "option -l needs a value"},
		{[]string{"--endpoint"}, "option --endpoint needs a value"},
		{[]string{"--max-tries", "x"}, "bad --max-tries"},
		{[]string{"--max-tries=-1"}, "bad --max-tries"},
		{[]string{"--local="}, "needs a directory"},
		{[]string{"--quiet=1"}, "takes no value"},
		{[]string{"--local", "--endpoint", "http://h"}, "cannot be used together"},
		{[]string{"--endpoint", "s3.amazonaws.com"}, "bad --endpoint"},
		{[]string{"--endpoint", "127.0.0.1:9000"}, "want scheme://host[:port]"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.argv, " "), func(t *testing.T) {
			_, err := parseArgs(tt.argv)
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Fatalf("parseArgs(%q) = %v, want a usage error", tt.argv, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
		})
	}
}

// TestParseArgsEndpointSecret: a password in a bad --endpoint is never echoed.
func TestParseArgsEndpointSecret(t *testing.T) {
	for _, v := range []string{"http://AKID:s3cr3tPW@h", "http://AKID:s3cr3tPW@h/p", "AKID:s3cr3tPW@h:9000"} {
		_, err := parseArgs([]string{"--endpoint", v})
		if err == nil {
			t.Fatalf("--endpoint %q accepted", v)
		}
		if strings.Contains(err.Error(), "s3cr3tPW") {
			t.Errorf("--endpoint %q: error shows the password: %v", v, err)
		}
	}
}

func TestParseEndpoint(t *testing.T) {
	tests := []struct {
		in, host, scheme string
		bad              bool
	}{
		{in: "https://s3.amazonaws.com", host: "s3.amazonaws.com", scheme: "https"},
		{in: "http://127.0.0.1:9000", host: "127.0.0.1:9000", scheme: "http"},
		{in: "http://[::1]:9000/", host: "[::1]:9000", scheme: "http"},
		{in: "HTTPS://Example.com:443", host: "Example.com:443", scheme: "https"},
		{in: "ftp://x", bad: true},
		{in: "s3.amazonaws.com", bad: true},
		{in: "127.0.0.1:9000", bad: true},
		{in: "http://", bad: true},
		{in: "http://h/path", bad: true},
		{in: "http://h?x=1", bad: true},
		{in: "http://user:pw@h", bad: true},
		{in: "http://h:99999", bad: true},
		{in: "http://h:", bad: true},
	}
	for _, tt := range tests {
		u, err := parseEndpoint(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("parseEndpoint(%q) = %v, want an error", tt.in, u)
			}
			continue
		}
		if err != nil || u.Host != tt.host || u.Scheme != tt.scheme {
			t.Errorf("parseEndpoint(%q) = %v, %v; want %s://%s", tt.in, u, err, tt.scheme, tt.host)
		}
	}
}
