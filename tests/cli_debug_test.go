package tests

import (
	"strings"
	"testing"
)

// --debug prints one line per HTTP attempt on stderr, with the method,
// the URL, the status and the sizes, and never the secret key, a
// signature or an SSE-C key.
func TestCLIDebug(t *testing.T) {
	for _, target := range cliTargets(t) {
		t.Run(target.name, func(t *testing.T) {
			bucket := cliBucketName(t)
			script := `
				local b = ...
				s3.create_bucket(b)
				s3.put_bytes(b .. "/k", "hello", "text/plain")
				pcall(s3.get_bytes, b .. "/k", {sse_customer_key = "0123456789abcdef0123456789ABCDEF"})
				pcall(s3.get_bytes, b .. "/missing")
				s3.delete(b .. "/k")
				s3.delete_bucket(b)`
			res := target.run(t, script, "--debug", "-", bucket)
			if res.code != 0 {
				t.Fatalf("exit %d\n%s", res.code, res.stderr)
			}
			var lines []string
			for _, l := range strings.Split(res.stderr, "\n") {
				if strings.HasPrefix(l, "s3lua: ") && strings.Contains(l, " attempt=") {
					lines = append(lines, l)
				}
			}
			if len(lines) < 6 {
				t.Fatalf("%d trace lines, want at least 6:\n%s", len(lines), res.stderr)
			}
			if !strings.Contains(res.stderr, "PUT ") || !strings.Contains(res.stderr, "/"+bucket+"/k 200 sent=5") ||
				!strings.Contains(res.stderr, " 404 ") {
				t.Errorf("trace lines lack the put or the 404:\n%s", res.stderr)
			}
			secrets := []string{"0123456789abcdef0123456789ABCDEF", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlBQkNERUY=", "Signature=", "Credential="}
			for _, e := range target.env {
				if v, ok := strings.CutPrefix(e, "AWS_SECRET_ACCESS_KEY="); ok && v != "" {
					secrets = append(secrets, v)
				}
			}
			for _, s := range secrets {
				if strings.Contains(res.stderr, s) || strings.Contains(res.stdout, s) {
					t.Errorf("the output shows a secret (%.12s...):\n%s", s, res.stderr)
				}
			}
		})
	}
}
