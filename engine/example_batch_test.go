package engine_test

import (
	"context"
	"fmt"
	"log"

	"github.com/s3lua/s3lua/engine"
)

func ExampleClient_NewBatch() {
	c, stop := localClient()
	defer stop()
	ctx := context.Background()
	exampleBucket(c, "photos")

	// OnResult runs on this goroutine, inside Submit or Wait, in completion
	// order; a failure is a result, not an error of Submit.
	failed := 0
	b, err := c.NewBatch(engine.BatchOptions{Workers: 8, OnResult: func(r engine.BatchResult) error {
		if r.Err != nil {
			failed++
		}
		return nil
	}})
	if err != nil {
		log.Fatal(err)
	}
	for i := range 20 {
		b.Submit(ctx, engine.BatchOp{Op: engine.OpPutBytes, BP: fmt.Sprintf("photos/2026/%02d.txt", i), Data: []byte("x")})
	}
	b.Submit(ctx, engine.BatchOp{Op: engine.OpHead, BP: "photos/missing"})
	sum, err := b.Wait(ctx)
	fmt.Println(sum.OK, sum.Failed, failed, err)

	// The same client removes them by prefix (DeleteObjects, 1000 keys a request).
	sum, _, err = c.DeletePrefix(ctx, "photos/2026/", engine.PrefixOptions{})
	fmt.Println(sum.OK, err)
	// Output:
	// 20 1 1 <nil>
	// 20 <nil>
}
