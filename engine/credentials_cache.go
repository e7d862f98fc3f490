package engine

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/s3lua/s3lua/signature"
)

// The credential cache: refreshed before expiry, one refresh at a time.

// cachedProvider caches keys until shortly before they expire; one refresh
// at a time (single flight), and every caller sees the new keys at once.
type cachedProvider struct {
	p      CredentialsProvider
	window time.Duration // refresh this long before expiry
	now    func() time.Time

	mu      sync.Mutex
	creds   signature.Credentials
	expires time.Time // zero: never
	valid   bool
	flight  *flight
}

// Format never shows the cached keys (see Client.Format for why).
func (c *cachedProvider) Format(f fmt.State, verb rune) {
	io.WriteString(f, "engine.cachedCredentials")
}

type flight struct {
	done    chan struct{}
	creds   signature.Credentials
	expires time.Time
	err     error
}

// refreshWindow is how long before expiry cached keys are replaced.
const refreshWindow = 5 * time.Minute

// NewCachedCredentials caches the keys of p until 5 minutes before they
// expire (keys without an expiry, such as environment or file keys, are
// cached for the life of the provider). Many concurrent callers share one
// refresh and all see its keys. Errors are not cached; while a refresh
// fails, keys that have not yet expired are still used.
func NewCachedCredentials(p CredentialsProvider) CredentialsProvider {
	return &cachedProvider{p: p, window: refreshWindow, now: time.Now}
}

func (c *cachedProvider) Retrieve(ctx context.Context) (signature.Credentials, error) {
	c.mu.Lock()
	if c.valid && (c.expires.IsZero() || c.now().Add(c.window).Before(c.expires)) {
		creds := c.creds
		c.mu.Unlock()
		return creds, nil
	}
	f := c.flight
	if f == nil {
		f = &flight{done: make(chan struct{})}
		c.flight = f
		go c.refresh(f)
	}
	c.mu.Unlock()
	select {
	case <-f.done:
		if f.err != nil {
			// A failed early refresh (the metadata service briefly down)
			// does not fail requests while the old keys are still valid.
			c.mu.Lock()
			creds, ok := c.creds, c.valid && c.now().Before(c.expires)
			c.mu.Unlock()
			if ok {
				return creds, nil
			}
		}
		return f.creds, f.err
	case <-ctx.Done():
		return signature.Credentials{}, ctx.Err()
	}
}

// refresh runs detached from any one caller's context, so a caller that
// gives up does not fail the refresh for the others; the metadata client's
// timeouts bound it.
func (c *cachedProvider) refresh(f *flight) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if ep, ok := c.p.(expiringProvider); ok {
		f.creds, f.expires, f.err = ep.retrieveWithExpiry(ctx)
	} else {
		f.creds, f.err = c.p.Retrieve(ctx)
	}
	c.mu.Lock()
	if f.err == nil {
		c.creds, c.expires, c.valid = f.creds, f.expires, true
	}
	c.flight = nil
	c.mu.Unlock()
	close(f.done)
}
