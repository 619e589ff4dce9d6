package retry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{" 7 ", 7 * time.Second, true},
		{"3600", time.Hour, true},
		{"-5", 0, false},
		{"+5", 0, false},
		{"1.5", 0, false},
		{"7s", 0, false},
		{"soon", 0, false},
		{"99999999999999999999999", time.Duration(math.MaxInt64), true},
		{"9223372037", time.Duration(math.MaxInt64), true},
		{"9223372036", 9223372036 * time.Second, true},
		{"Thu, 26 Nov 2026 12:00:30 GMT", 30 * time.Second, true}, // RFC 1123
		{"Thursday, 26-Nov-26 12:01:00 GMT", time.Minute, true},   // RFC 850
		{"Thu Nov 26 12:00:10 2026", 10 * time.Second, true},      // asctime
		{"Thu, 26 Nov 2026 11:00:00 GMT", 0, true},                // in the past
		{"Thu, 26 Nov 2026 12:00:30 +0100", 0, false},             // not an HTTP date
	}
	for _, tc := range cases {
		got, ok := ParseRetryAfter(tc.in, now)
		assert.Equal(t, tc.ok, ok, "%q", tc.in)
		assert.Equal(t, tc.want, got, "%q", tc.in)
	}
}

func TestExponential(t *testing.T) {
	t.Parallel()
	for range 200 {
		for attempt, upper := range []time.Duration{1, 2, 4, 8, 10, 10, 10} {
			d := Exponential(time.Second, 10*time.Second, attempt)
			assert.GreaterOrEqual(t, d, time.Second)
			assert.LessOrEqual(t, d, upper*time.Second)
		}
	}
	assert.Equal(t, time.Second, Exponential(time.Second, time.Second, 5))
	assert.Equal(t, time.Second, Exponential(time.Second, 0, 3), "max below min is min")
	assert.Equal(t, time.Duration(0), Exponential(0, 0, 3))
	assert.LessOrEqual(t, Exponential(time.Second, time.Hour, 1000), time.Hour, "no overflow")
	// The jitter actually spreads the waits.
	seen := map[time.Duration]bool{}
	for range 50 {
		seen[Exponential(time.Millisecond, time.Second, 6)] = true
	}
	assert.Greater(t, len(seen), 10)
}

func TestNeverSent(t *testing.T) {
	t.Parallel()
	wrap := func(err error) error { return &url.Error{Op: "Patch", URL: "https://api.test/x", Err: err} }
	sent := []error{
		&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET},
		&net.OpError{Op: "write", Net: "tcp", Err: syscall.EPIPE},
		io.ErrUnexpectedEOF,
		io.EOF,
		context.DeadlineExceeded,
		errors.New("http2: server sent GOAWAY"),
	}
	unsent := []error{
		&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED},
		&net.OpError{Op: "proxyconnect", Net: "tcp", Err: syscall.ECONNREFUSED},
		&net.DNSError{Err: "no such host", Name: "api.test", IsNotFound: true},
		&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}},
		tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"},
	}
	for _, err := range sent {
		assert.False(t, NeverSent(wrap(err)), "%v", err)
	}
	for _, err := range unsent {
		assert.True(t, NeverSent(wrap(err)), "%v", err)
		assert.True(t, NeverSent(fmt.Errorf("layer: %w", wrap(err))), "%v wrapped", err)
	}
}

func TestPermanent(t *testing.T) {
	t.Parallel()
	wrap := func(err error) error { return &url.Error{Op: "Get", URL: "https://api.test/x", Err: err} }
	assert.True(t, Permanent(wrap(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}})))
	assert.True(t, Permanent(wrap(errors.New("unsupported protocol scheme \"ftp\""))))
	assert.True(t, Permanent(wrap(errors.New("stopped after 10 redirects"))))
	assert.True(t, Permanent(wrap(errors.New("net/http: invalid header field value"))))
	assert.False(t, Permanent(wrap(&net.OpError{Op: "read", Err: syscall.ECONNRESET})))
	assert.False(t, Permanent(wrap(io.ErrUnexpectedEOF)))
}
