package engine

import (
	"fmt"
	"strings"
	"testing"
)

// TestNothingPrintsSecrets formats the values that hold keys with every
// common verb: fmt reaches unexported fields by reflection, where the
// redacting String methods are not called.
func TestNothingPrintsSecrets(t *testing.T) {
	static := StaticCredentials{AccessKeyID: "AKIDVISIBLE", SecretAccessKey: "SECRETVALUE", SessionToken: "TOKENVALUE"}
	c, err := New(Config{Credentials: static})
	if err != nil {
		t.Fatal(err)
	}
	cached := NewCachedCredentials(static)
	values := []any{static, c, *c, c.Config(), cached}
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			out := fmt.Sprintf(verb, v)
			if strings.Contains(out, "SECRETVALUE") || strings.Contains(out, "TOKENVALUE") {
				t.Errorf("%s of %T shows a secret: %s", verb, v, out)
			}
		}
	}
}
