package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/s3lua/s3lua/signature"
)

// CredentialsProvider supplies the keys requests are signed with. Retrieve
// is called before every attempt of every request, from many goroutines at
// once: implementations must be safe for concurrent use and cheap when the
// keys are cached (DefaultCredentials caches).
type CredentialsProvider interface {
	Retrieve(ctx context.Context) (signature.Credentials, error)
}

// ErrNoCredentials is the cause of every "no credentials found" failure.
// The error returned is a *CredentialsError naming every place looked at;
// errors.Is(err, ErrNoCredentials) matches it.
var ErrNoCredentials = errors.New("no AWS credentials found")

// CredentialsError reports that no provider had keys. Tried lists the
// places looked at (variable names, file paths, endpoints), never values.
// Errs holds failures that were not simply "nothing there" (a malformed
// file, an unreachable container endpoint).
type CredentialsError struct {
	Tried []string
	Errs  []error
}

// Error names every place looked at, never a value found there.
func (e *CredentialsError) Error() string {
	msg := ErrNoCredentials.Error()
	if len(e.Tried) > 0 {
		msg += "; looked in: " + strings.Join(e.Tried, "; ")
	}
	for _, err := range e.Errs {
		msg += "; " + err.Error()
	}
	return msg
}

// Is makes errors.Is(err, ErrNoCredentials) true.
func (e *CredentialsError) Is(target error) bool { return target == ErrNoCredentials }

// Unwrap returns the failures other than "nothing there".
func (e *CredentialsError) Unwrap() []error { return e.Errs }

// notFound is what a provider returns when its source simply has no keys;
// the chain moves on and records where it looked.
func notFound(where string) error { return &CredentialsError{Tried: []string{where}} }

// StaticCredentials are fixed keys. Its String and GoString never show the
// secret or the token.
type StaticCredentials signature.Credentials

// Retrieve returns the keys, or a *CredentialsError if the access key or
// the secret is empty.
func (s StaticCredentials) Retrieve(context.Context) (signature.Credentials, error) {
	if s.AccessKeyID == "" || s.SecretAccessKey == "" {
		return signature.Credentials{}, notFound("explicit credentials (empty)")
	}
	return signature.Credentials(s), nil
}

// String shows the access key id only.
func (s StaticCredentials) String() string { return signature.Credentials(s).String() }

// GoString redacts like String, so %#v is safe too.
func (s StaticCredentials) GoString() string { return signature.Credentials(s).GoString() }

// Format redacts in every verb.
func (s StaticCredentials) Format(f fmt.State, verb rune) {
	io.WriteString(f, signature.Credentials(s).String())
}

type envProvider struct{}

// EnvCredentials reads AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY and the
// optional AWS_SESSION_TOKEN at each Retrieve.
func EnvCredentials() CredentialsProvider { return envProvider{} }

func (envProvider) Retrieve(context.Context) (signature.Credentials, error) {
	id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		return signature.Credentials{}, notFound("environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)")
	}
	return signature.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: os.Getenv("AWS_SESSION_TOKEN")}, nil
}

// chainProvider tries providers in order.
type chainProvider []CredentialsProvider

// ChainCredentials returns the keys of the first provider that has some.
// A provider with nothing to offer (a *CredentialsError) passes to the
// next; when none has keys the result lists every place looked at. Any
// other error (a malformed file, a cancelled context) stops the chain.
func ChainCredentials(ps ...CredentialsProvider) CredentialsProvider {
	return chainProvider(ps)
}

func (ch chainProvider) Retrieve(ctx context.Context) (signature.Credentials, error) {
	all := &CredentialsError{}
	for _, p := range ch {
		creds, err := p.Retrieve(ctx)
		if err == nil {
			return creds, nil
		}
		var ce *CredentialsError
		if !errors.As(err, &ce) {
			return signature.Credentials{}, err
		}
		all.Tried = append(all.Tried, ce.Tried...)
		all.Errs = append(all.Errs, ce.Errs...)
		if ctx.Err() != nil {
			return signature.Credentials{}, ctx.Err()
		}
	}
	return signature.Credentials{}, all
}

// retrieveWithExpiry lets a chain of expiring providers report expiry.
func (ch chainProvider) retrieveWithExpiry(ctx context.Context) (signature.Credentials, time.Time, error) {
	all := &CredentialsError{}
	for _, p := range ch {
		var (
			creds signature.Credentials
			exp   time.Time
			err   error
		)
		if ep, ok := p.(expiringProvider); ok {
			creds, exp, err = ep.retrieveWithExpiry(ctx)
		} else {
			creds, err = p.Retrieve(ctx)
		}
		if err == nil {
			return creds, exp, nil
		}
		var ce *CredentialsError
		if !errors.As(err, &ce) {
			return signature.Credentials{}, time.Time{}, err
		}
		all.Tried = append(all.Tried, ce.Tried...)
		all.Errs = append(all.Errs, ce.Errs...)
		if ctx.Err() != nil {
			return signature.Credentials{}, time.Time{}, ctx.Err()
		}
	}
	return signature.Credentials{}, time.Time{}, all
}

// DefaultCredentials is the AWS CLI's chain: the environment, the shared
// files for profile ("" = $AWS_PROFILE, $AWS_DEFAULT_PROFILE, "default"),
// container credentials, then EC2 instance metadata (IMDSv2). The keys are
// cached and refreshed 5 minutes before they expire, once for all callers.
//
// Environment and file keys are read once and then cached; build a new
// provider (or client) to pick up changed files.
func DefaultCredentials(profile string) CredentialsProvider {
	return NewCachedCredentials(ChainCredentials(
		EnvCredentials(),
		SharedFileCredentials("", profile),
		ECSCredentials(),
		IMDSCredentials(""),
	))
}
