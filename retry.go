package streamkap

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/streamkap-go/streamkap/internal/retry"
)

// checkRetry is the retry loop's policy. go-retryablehttp would retry every
// method on every transport error and 5xx; this one knows which calls are
// safe to send twice (package documentation, "Retries"):
//
//   - idempotent calls (GET, DELETE, the token exchange, a PATCH that adds no
//     capability) are retried on transport errors and on 429, 502, 503, 504;
//   - the others (a PATCH carrying kafka_config, role_ids or permission_ids,
//     which may hand out a shown-once secret) only when the failure proves
//     the request never left (DNS, dial), and on 429, which proves it was
//     not processed.
//
// A Retry-After longer than the client accepts, or than the context's
// deadline leaves, ends the call at once with the response.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	st := stateFrom(ctx)
	idempotent := st != nil && st.call.idempotent // unknown calls fail safe
	lastAttempt := st != nil && st.call.opts.maxAttempts > 0 && st.retries+1 >= st.call.opts.maxAttempts
	if err != nil {
		var authErr *tokenError
		if errors.As(err, &authErr) || errors.Is(err, errOtherHost) {
			return false, nil // the exchange ran its own retries; another host is never tried
		}
		if st != nil {
			st.lastFailure = retry.TransportKind(err)
		}
		sent := !retry.NeverSent(err)
		if sent && st != nil {
			st.maybeApplied = true
		}
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		if retry.Permanent(err) || (sent && !idempotent) || lastAttempt {
			return false, nil
		}
		c.planRetry(st, 0, false)
		return true, nil
	}

	code := resp.StatusCode
	if st != nil {
		st.lastFailure, st.lastStatus = "", code
		if leavesOutcomeOpen(code) {
			st.maybeApplied = true
		}
	}
	switch code {
	case http.StatusTooManyRequests:
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		if !idempotent {
			return false, nil
		}
	default:
		return false, nil
	}
	wait, hinted := retry.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	if hinted && code == http.StatusTooManyRequests && wait > 0 {
		// Every call of the client waits, not just this one; never longer
		// than the client honours.
		c.wire().gate.closeUntil(time.Now().Add(min(wait, c.maxRetryAfter)))
	}
	if hinted {
		if wait > c.maxRetryAfter {
			return false, nil
		}
		if deadline, has := ctx.Deadline(); has && time.Now().Add(wait).After(deadline) {
			return false, nil
		}
	}
	if lastAttempt {
		return false, nil
	}
	c.planRetry(st, wait, hinted)
	return true, nil
}

// planRetry chooses the wait before the next attempt: the server's
// Retry-After when it gave one (already checked against the cap), or a
// jittered exponential backoff.
func (c *Client) planRetry(st *callState, retryAfter time.Duration, hinted bool) {
	if st == nil {
		return
	}
	if hinted {
		st.nextWait = retryAfter
	} else {
		st.nextWait = retry.Exponential(c.minWait, c.maxWait, st.retries)
	}
	st.retries++
}

// waitBeforeRetry is the retry loop's PrepareRetry: it runs once the failed
// attempt's body is closed (so its connection is free), logs the retry
// with the wait planRetry chose, and waits, returning at once if the
// call's context ends. The retry loop's own Backoff is zero: the wait is
// chosen where the call's state is known, so that the log can tell it.
func (c *Client) waitBeforeRetry(req *http.Request) error {
	ctx := req.Context()
	st := stateFrom(ctx)
	if st == nil {
		return nil
	}
	c.logRetry(ctx, st)
	if st.nextWait > 0 {
		timer := time.NewTimer(st.nextWait)
		defer timer.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.wire().gate.wait(ctx)
}

// noBackoff is the retry loop's Backoff; see waitBeforeRetry.
func noBackoff(time.Duration, time.Duration, int, *http.Response) time.Duration { return 0 }
