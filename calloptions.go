package streamkap

import "time"

// A CallOption changes one call. Every operation takes them last:
//
//	var info streamkap.ResponseInfo
//	key, err := client.ProjectKeys.Get(ctx, "pk-1", streamkap.WithResponseInfo(&info))
//	log.Printf("request id %s after %d attempt(s)", info.RequestID, info.Attempts)
type CallOption func(*callOptions)

// callOptions is what the CallOptions of one call set.
type callOptions struct {
	info           *ResponseInfo
	attemptTimeout time.Duration // 0: the client's
	maxAttempts    int           // 0: the client's
}

// parseCallOptions applies opts. With no options it costs nothing.
func parseCallOptions(opts []CallOption) callOptions {
	var o callOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// CallAttemptTimeout bounds each attempt of this call, from sending to the
// last byte of the answer, instead of the client's [WithAttemptTimeout]
// (a shorter one for a health check, a longer one for a large list). The
// call's context still bounds the whole call. Zero or less keeps the
// client's.
func CallAttemptTimeout(d time.Duration) CallOption {
	return func(o *callOptions) { o.attemptTimeout = d }
}

// CallMaxAttempts sends this call at most n times in all, and never more
// than the client's [WithMaxAttempts] allows: CallMaxAttempts(1) sends it
// once, with no retry (a replay after a refused token is part of the same
// attempt). Zero or less keeps the client's.
func CallMaxAttempts(n int) CallOption {
	return func(o *callOptions) { o.maxAttempts = n }
}

// ResponseInfo describes the HTTP exchange behind a call, for logs and
// support requests. For an operation that sends several requests
// (AddAPIAccess reads the key, then updates it; a waiter polls), it
// describes the last one.
type ResponseInfo struct {
	// RequestID is the X-Request-Id of the last answer: quote it to support.
	// Empty when no answer arrived or the server sent none.
	RequestID string
	// StatusCode is the HTTP status of the last answer; 0 when none arrived.
	StatusCode int
	// Attempts is how many times the last request was sent, retries and a
	// replay after a renewed token included.
	Attempts int
}

// WithResponseInfo fills *info when the call returns, whether it
// succeeded or not. info must not be nil.
func WithResponseInfo(info *ResponseInfo) CallOption {
	return func(o *callOptions) { o.info = info }
}
