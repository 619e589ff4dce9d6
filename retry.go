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
// safe to send twice (README, "Retries"):
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
	if err != nil {
		var authErr *tokenError
		if errors.As(err, &authErr) {
			return false, nil // the exchange ran its own retries
		}
		sent := !retry.NeverSent(err)
		if sent && st != nil {
			st.maybeApplied = true
		}
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		if retry.Permanent(err) {
			return false, nil
		}
		return !sent || idempotent, nil
	}

	code := resp.StatusCode
	if code >= 500 && code != http.StatusNotImplemented && st != nil {
		st.maybeApplied = true
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
	if wait, ok := retry.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
		if wait > c.maxRetryAfter {
			return false, nil
		}
		if deadline, has := ctx.Deadline(); has && time.Now().Add(wait).After(deadline) {
			return false, nil
		}
	}
	return true, nil
}

// backoff honours Retry-After (checkRetry already refused waits above the
// cap) and otherwise waits a jittered exponential time.
func (c *Client) backoff(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if wait, ok := retry.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return min(wait, c.maxRetryAfter)
		}
	}
	return retry.Exponential(lo, hi, attempt)
}
