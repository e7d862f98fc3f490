package luabind

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync"
	"time"
)

// The memory guard (Options.MaxMemory): one goroutine, running only while
// some script context has a limit, samples the Go heap every
// memoryGuardPeriod; when it is above a limit, it collects garbage once and
// measures again, and cancels every script context whose limit is still
// exceeded with a MemoryLimitError. The script then stops at its next
// instruction (or its running S3 operation fails), with that error.

// memoryGuardPeriod is how often the heap is sampled. Between two samples a
// script may allocate beyond its limit (a string doubling in a loop gets at
// most a few steps further); the string limit (Options.MaxString) bounds
// what one step can allocate.
const memoryGuardPeriod = 2 * time.Millisecond

// memoryGCPeriod bounds how often the guard collects garbage to check a
// heap above a limit (a host whose own data is above it would otherwise
// pay a collection every period).
const memoryGCPeriod = 20 * time.Millisecond

// MemoryLimitError is the error of a script stopped by the memory guard
// (Options.MaxMemory). It matches context.Canceled with errors.Is, so the
// script's S3 operation fails with code "Canceled"; its message says why.
type MemoryLimitError struct {
	Limit int64 // Options.MaxMemory
	Heap  int64 // the Go heap measured, in bytes
}

func (e *MemoryLimitError) Error() string {
	return fmt.Sprintf("memory limit exceeded: the Go heap reached %d bytes, the limit (MaxMemory) is %d bytes", e.Heap, e.Limit)
}

// Is makes errors.Is(err, context.Canceled) true.
func (e *MemoryLimitError) Is(target error) bool { return target == context.Canceled }

type memoryEntry struct {
	limit int64
	ctx   *scriptContext
}

var memoryGuard struct {
	mu      sync.Mutex
	entries map[*memoryEntry]bool
	running bool
}

// guardMemory watches the heap for ctx until the entry is removed or ctx
// is done.
func guardMemory(limit int64, ctx *scriptContext) *memoryEntry {
	e := &memoryEntry{limit: limit, ctx: ctx}
	memoryGuard.mu.Lock()
	defer memoryGuard.mu.Unlock()
	if memoryGuard.entries == nil {
		memoryGuard.entries = map[*memoryEntry]bool{}
	}
	memoryGuard.entries[e] = true
	if !memoryGuard.running {
		memoryGuard.running = true
		go runMemoryGuard()
	}
	return e
}

func (e *memoryEntry) remove() {
	memoryGuard.mu.Lock()
	defer memoryGuard.mu.Unlock()
	delete(memoryGuard.entries, e)
}

// heapBytes is the memory of the Go heap's objects, live or not yet swept.
func heapBytes(sample []metrics.Sample) int64 {
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return int64(ms.HeapAlloc)
	}
	return int64(sample[0].Value.Uint64())
}

func runMemoryGuard() {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	tick := time.NewTicker(memoryGuardPeriod)
	defer tick.Stop()
	var lastGC time.Time
	for range tick.C {
		memoryGuard.mu.Lock()
		lowest := int64(-1)
		for e := range memoryGuard.entries {
			if e.ctx.Err() != nil {
				delete(memoryGuard.entries, e)
				continue
			}
			if lowest < 0 || e.limit < lowest {
				lowest = e.limit
			}
		}
		if len(memoryGuard.entries) == 0 {
			memoryGuard.running = false
			memoryGuard.mu.Unlock()
			return
		}
		memoryGuard.mu.Unlock()

		if heapBytes(sample) <= lowest || time.Since(lastGC) < memoryGCPeriod {
			continue
		}
		// Garbage counts until it is collected: measure what is live.
		runtime.GC()
		lastGC = time.Now()
		heap := heapBytes(sample)
		memoryGuard.mu.Lock()
		for e := range memoryGuard.entries {
			if heap > e.limit {
				e.ctx.cancel(&MemoryLimitError{Limit: e.limit, Heap: heap}, false)
				delete(memoryGuard.entries, e)
			}
		}
		memoryGuard.mu.Unlock()
	}
}
