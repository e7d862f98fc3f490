package main

import "testing"

// BenchmarkStartup runs s3lua -e with an empty chunk, in-process: all the command
// does at start-up (settings, credentials, engine client, Lua state, the s3
// module and the stdlib) except loading the binary and the Go runtime.
func BenchmarkStartup(b *testing.B) {
	b.Setenv("AWS_ACCESS_KEY_ID", "AKIDBENCH")
	b.Setenv("AWS_SECRET_ACCESS_KEY", "bench-secret")
	b.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	b.ReportAllocs()
	for b.Loop() {
		if status := run([]string{"s3lua", "-e", ""}); status != 0 {
			b.Fatalf("exit status %d", status)
		}
	}
}
