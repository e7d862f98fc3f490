package engine

import (
	"context"
	"errors"
	"io"
	"strings"
)

// PrefixOptions tune CopyPrefix, MovePrefix and DeletePrefix.
type PrefixOptions struct {
	// Workers is the batch's number of workers (1..256, 0 means 32).
	Workers int
	// Include and Exclude are glob patterns matched against each key
	// relative to the prefix, by PathFilter's rule.
	Include, Exclude []string
	// Filter, if not nil, is called on the calling goroutine with each
	// listed object the patterns take; false leaves it alone. An error stops
	// the operation (the running operations end first) and is returned
	// unchanged.
	Filter func(Item) (bool, error)
	// DryRun touches nothing: the operation returns the PrefixPlan of what it
	// would do.
	DryRun bool
	// OnResult and Progress are the batch's (see BatchOptions).
	OnResult func(BatchResult) error
	Progress Progress
}

// PrefixPlan is what a dry run would act on: the keys relative to the
// prefix in listing order, their count and total size.
type PrefixPlan struct {
	Keys  []string
	Count int64
	Bytes int64
}

// CopyPrefix copies, on the server, every object whose key starts with
// from's prefix to to's prefix followed by the same rest of the key. The
// prefixes are taken literally: "b/logs" also takes "logs-old/x". A
// destination inside the source (same bucket, to's prefix starting with
// from's) is refused: the copies would be listed again. It returns the
// batch's summary, or with opt.DryRun the plan (and a zero summary).
func (c *Client) CopyPrefix(ctx context.Context, from, to string, opt PrefixOptions) (BatchSummary, *PrefixPlan, error) {
	return c.copyPrefix(ctx, "CopyPrefix", from, to, false, opt)
}

// MovePrefix is CopyPrefix followed by the deletion of each source key
// whose copy succeeded (gathered into DeleteObjects requests). The summary
// counts the copies and the deletes.
func (c *Client) MovePrefix(ctx context.Context, from, to string, opt PrefixOptions) (BatchSummary, *PrefixPlan, error) {
	return c.copyPrefix(ctx, "MovePrefix", from, to, true, opt)
}

// DeletePrefix deletes every object whose key starts with bp's prefix ("b/"
// empties the bucket), in DeleteObjects requests of up to 1000 keys.
func (c *Client) DeletePrefix(ctx context.Context, bp string, opt PrefixOptions) (BatchSummary, *PrefixPlan, error) {
	const fn = "DeletePrefix"
	bucket, prefix, err := SplitBucketPath(bp)
	if err != nil {
		return BatchSummary{}, nil, argError(fn, "%v", err)
	}
	return c.runPrefix(ctx, fn, bucket, prefix, opt, nil, func(b *Batch, it Item, rel string) error {
		return b.Submit(ctx, BatchOp{Op: OpDelete, BP: bucket + "/" + it.Key})
	})
}

func (c *Client) copyPrefix(ctx context.Context, fn, from, to string, move bool, opt PrefixOptions) (BatchSummary, *PrefixPlan, error) {
	bucket, prefix, err := SplitBucketPath(from)
	if err != nil {
		return BatchSummary{}, nil, argError(fn, "from: %v", err)
	}
	toBucket, toPrefix, err := SplitBucketPath(to)
	if err != nil {
		return BatchSummary{}, nil, argError(fn, "to: %v", err)
	}
	if bucket == toBucket && strings.HasPrefix(toPrefix, prefix) {
		return BatchSummary{}, nil, argError(fn, "destination %q is inside the source %q: its copies would be taken again", to, from)
	}
	var sources []string // sources copied, to delete (move)
	onResult := opt.OnResult
	if move {
		opt.OnResult = func(r BatchResult) error {
			if r.Op.Op == OpCopy && r.Err == nil {
				sources = append(sources, r.Op.From)
			}
			if onResult != nil {
				return onResult(r)
			}
			return nil
		}
	}
	// flush queues the deletes of the sources copied so far; each Submit can
	// deliver more copies.
	flush := func(b *Batch) error {
		for len(sources) > 0 {
			src := sources[0]
			sources = sources[1:]
			if err := b.Submit(ctx, BatchOp{Op: OpDelete, BP: src}); err != nil {
				return err
			}
		}
		sources = nil
		return nil
	}
	var after func(b *Batch) error
	if move {
		after = flush
	}
	return c.runPrefix(ctx, fn, bucket, prefix, opt, after, func(b *Batch, it Item, rel string) error {
		op := BatchOp{Op: OpCopy, From: bucket + "/" + it.Key, BP: toBucket + "/" + toPrefix + rel, SourceETag: it.ETag, SourceSize: it.Size}
		if err := b.Submit(ctx, op); err != nil {
			return err
		}
		if move {
			return flush(b)
		}
		return nil
	})
}

// runPrefix lists bucket/prefix, keeps what the patterns and the filter
// take, and hands each object to queue (or to the plan in a dry run). after,
// if not nil, runs after the final Wait and again after each further Wait
// while it queues more (MovePrefix's last deletes).
func (c *Client) runPrefix(ctx context.Context, fn, bucket, prefix string, opt PrefixOptions, after func(*Batch) error,
	queue func(b *Batch, it Item, rel string) error) (BatchSummary, *PrefixPlan, error) {
	filter, err := NewPathFilter(opt.Include, opt.Exclude)
	if err != nil {
		return BatchSummary{}, nil, argError(fn, "%v", err)
	}
	var plan *PrefixPlan
	var b *Batch
	if opt.DryRun {
		plan = &PrefixPlan{Keys: []string{}}
	} else {
		b, err = c.NewBatch(BatchOptions{Workers: opt.Workers, OnResult: opt.OnResult, Progress: opt.Progress})
		if err != nil {
			return BatchSummary{}, nil, argError(fn, "%v", err)
		}
	}
	// fail ends the batch after an error: what runs ends, nothing is left
	// half done, and the error comes back unchanged.
	fail := func(err error) (BatchSummary, *PrefixPlan, error) {
		if b == nil {
			return BatchSummary{}, nil, err
		}
		b.Cancel()
		sum, _ := b.Wait(ctx)
		return sum, nil, err
	}
	l := c.newLister(fn, bucket, prefix, ListOptions{})
	for {
		items, err := l.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fail(err)
		}
		for _, it := range items {
			if it.IsPrefix {
				continue
			}
			rel := strings.TrimPrefix(it.Key, prefix)
			if !filter.Match(rel) {
				continue
			}
			if opt.Filter != nil {
				ok, err := opt.Filter(it)
				if err != nil {
					return fail(err)
				}
				if !ok {
					continue
				}
			}
			if plan != nil {
				plan.Keys = append(plan.Keys, rel)
				plan.Count++
				plan.Bytes += it.Size
				continue
			}
			if err := queue(b, it, rel); err != nil {
				// An OnResult error: the batch is already drained.
				return fail(err)
			}
		}
	}
	if plan != nil {
		return BatchSummary{}, plan, nil
	}
	total, err := b.Wait(ctx)
	for err == nil && after != nil {
		if err = after(b); err != nil {
			return fail(err)
		}
		var more BatchSummary
		if more, err = b.Wait(ctx); more.OK+more.Failed == 0 {
			break
		}
		total = mergeSummaries(total, more)
	}
	return total, nil, err
}

// mergeSummaries adds two rounds of a batch.
func mergeSummaries(a, b BatchSummary) BatchSummary {
	a.OK += b.OK
	a.Failed += b.Failed
	a.Bytes += b.Bytes
	a.Seconds += b.Seconds
	for _, e := range b.Errors {
		if len(a.Errors) < batchErrorsKept {
			a.Errors = append(a.Errors, e)
		}
	}
	return a
}
