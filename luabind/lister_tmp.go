package luabind

import (
	"context"
	"io"

	"github.com/s3lua/s3lua/engine"
)

// TEMPORARY until engine.(*Client).NewLister lands: collects the whole
// listing on the first Next. Replaced by the engine's pull-based lister.
type tmpLister struct {
	ctx    context.Context
	client *engine.Client
	bp     string
	opt    engine.ListOptions
	done   bool
}

func newLister(ctx context.Context, c *engine.Client, bp string, opt engine.ListOptions) *tmpLister {
	return &tmpLister{ctx: ctx, client: c, bp: bp, opt: opt}
}

func (l *tmpLister) Next() ([]engine.Item, error) {
	if l.done {
		return nil, io.EOF
	}
	l.done = true
	var all []engine.Item
	err := l.client.LsProc(l.ctx, l.bp, l.opt, func(items []engine.Item) (bool, error) {
		all = append(all, items...)
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	return all, nil
}
