package streamkap

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// rateGate holds back every call of a client while the API has asked one
// of them, with a 429 and Retry-After, to slow down: instead of each
// goroutine meeting the 429 on its own, none sends until the wait is over.
// When the gate is open it costs one atomic load per attempt.
type rateGate struct {
	until atomic.Int64 // UnixNano when the gate opens; 0 when open

	mu     sync.Mutex
	closed chan struct{} // closed, and dropped, whenever the gate closes further
}

// closeUntil keeps the gate closed until at least t.
func (g *rateGate) closeUntil(t time.Time) {
	n := t.UnixNano()
	for {
		cur := g.until.Load()
		if cur >= n {
			return
		}
		if g.until.CompareAndSwap(cur, n) {
			g.mu.Lock()
			if g.closed != nil {
				close(g.closed)
				g.closed = nil
			}
			g.mu.Unlock()
			return
		}
	}
}

// closing returns a channel that is closed the next time the gate closes
// further, for waiters that are not at the gate (those of a token
// exchange, which meets the 429 itself).
func (g *rateGate) closing() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed == nil {
		g.closed = make(chan struct{})
	}
	return g.closed
}

// tooLateFor fails, with an error matching ErrRateLimited, when the gate
// opens after the context's deadline.
func (g *rateGate) tooLateFor(ctx context.Context) error {
	u := g.until.Load()
	if u == 0 {
		return nil
	}
	opens := time.Unix(0, u)
	if deadline, ok := ctx.Deadline(); ok && deadline.Before(opens) {
		return fmt.Errorf("%w: the API asked this client to wait %v, past the context's deadline", ErrRateLimited, time.Until(opens).Round(time.Millisecond))
	}
	return nil
}

// wait returns once the gate is open. It fails at once, with an error
// matching ErrRateLimited, when the context's deadline comes before the
// gate opens, and returns the context's error if it ends first.
func (g *rateGate) wait(ctx context.Context) error {
	u := g.until.Load()
	if u == 0 {
		return nil
	}
	opens := time.Unix(0, u)
	d := time.Until(opens)
	if d <= 0 {
		g.until.CompareAndSwap(u, 0)
		return nil
	}
	if err := g.tooLateFor(ctx); err != nil {
		return err
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
