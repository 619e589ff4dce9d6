// Package retry holds the pure parts of the SDK's retry policy: reading
// Retry-After, computing jittered backoff, and classifying transport errors
// by whether the request can have reached the server.
package retry

import (
	"context"
	"crypto/tls"
	"errors"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// maxDuration is the largest wait ParseRetryAfter reports; larger values
// saturate here instead of overflowing.
const maxDuration = time.Duration(math.MaxInt64)

// ParseRetryAfter reads a Retry-After value: delta-seconds, or an HTTP date
// in any of the three formats HTTP allows (go-retryablehttp accepts only
// RFC 1123). A date in the past means no wait. ok is false for an absent,
// negative or unreadable value, which callers treat as "no hint".
func ParseRetryAfter(value string, now time.Time) (wait time.Duration, ok bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false
	}
	if value[0] >= '0' && value[0] <= '9' {
		secs, err := strconv.ParseUint(value, 10, 64)
		if err != nil {
			var numErr *strconv.NumError
			if errors.As(err, &numErr) && errors.Is(numErr.Err, strconv.ErrRange) {
				return maxDuration, true
			}
			return 0, false
		}
		if secs > uint64(maxDuration/time.Second) {
			return maxDuration, true
		}
		return time.Duration(secs) * time.Second, true
	}
	when, err := http.ParseTime(value)
	if err != nil {
		return 0, false
	}
	if d := when.Sub(now); d > 0 {
		return d, true
	}
	return 0, true
}

// Exponential returns a wait for the given retry (0 before the first retry):
// a uniformly random duration between min and min*2^attempt, the upper end
// capped at max. The jitter spreads the retries of many clients apart.
func Exponential(min, max time.Duration, attempt int) time.Duration {
	if max < min {
		max = min
	}
	upper := min
	for i := 0; i < attempt && upper < max; i++ {
		upper *= 2
	}
	if upper > max || upper <= 0 {
		upper = max
	}
	if upper <= min {
		return min
	}
	return min + time.Duration(rand.Int64N(int64(upper-min)+1))
}

// NeverSent reports whether err proves that the request never left the
// client: the name did not resolve, no connection (to the server or to a
// proxy) could be opened, or the TLS handshake, which precedes every byte
// of the request, failed on the certificate or met a server that does not
// speak TLS. Such a request is safe to send again whatever it does.
func NeverSent(err error) bool {
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var recordErr tls.RecordHeaderError
	if errors.As(err, &dnsErr) || errors.As(err, &certErr) || errors.As(err, &recordErr) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return opErr.Op == "dial" || opErr.Op == "proxyconnect"
	}
	return false
}

// Permanent reports whether err is a transport failure that sending again
// cannot fix: an untrusted certificate, an unsupported scheme, an invalid
// header or a redirect loop. go-retryablehttp's policy already knows these.
func Permanent(err error) bool {
	retry, _ := retryablehttp.DefaultRetryPolicy(context.Background(), nil, err)
	return !retry
}

// TransportKind names a transport failure for logs, without its text
// (which can quote what a server sent): "dns", "dial", "tls", "timeout",
// "canceled" or "connection".
func TransportKind(err error) string {
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var recordErr tls.RecordHeaderError
	var opErr *net.OpError
	var netErr net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	case errors.As(err, &dnsErr):
		return "dns"
	case errors.As(err, &certErr), errors.As(err, &recordErr):
		return "tls"
	case errors.As(err, &opErr) && (opErr.Op == "dial" || opErr.Op == "proxyconnect"):
		return "dial"
	}
	return "connection"
}
