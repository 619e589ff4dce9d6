package streamkaptest

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/streamkap-go/streamkap/internal/fakeapi"
)

// A Fault is a failure to inject with [Server.InjectFault]. Build one with
// the functions below.
type Fault struct{ f fakeapi.Fault }

// InjectFault makes the next times requests matching method and path fail
// with f. method "" or "*" matches any method; path is an escaped path
// ("/project-keys/pk-1") or a path.Match pattern ("/project-keys/*").
// Faults apply in the order they were injected; each request meets at most one.
func (s *Server) InjectFault(method, path string, times int, f Fault) {
	s.fake.AddFault(method, path, times, f.f)
}

// InjectFaultAfter is InjectFault for the requests after the first skip
// that match: to fail, say, the read that follows a write but not the
// read before it.
func (s *Server) InjectFaultAfter(method, path string, skip, times int, f Fault) {
	s.fake.AddFaultAfter(method, path, skip, times, f.f)
}

// InjectRandomFault makes f hit each request matching method and path (as
// for InjectFault) with the given probability, drawn from a generator
// seeded with seed so that a run can be repeated, until [Server.ClearFaults].
func (s *Server) InjectRandomFault(method, path string, probability float64, seed uint64, f Fault) {
	s.fake.AddRandomFault(method, path, probability, seed, f.f)
}

// ClearFaults removes every injected fault, random ones included.
func (s *Server) ClearFaults() { s.fake.ClearFaults() }

// Status answers with status, body and header instead of handling the
// request: the change is not applied.
func Status(status int, body string, header http.Header) Fault {
	return Fault{fakeapi.Fault{Kind: fakeapi.FaultStatus, Status: status, Body: body, Header: header}}
}

// RateLimited answers 429 with Retry-After set to retryAfter (seconds or an
// HTTP date; any text, to test parsing).
func RateLimited(retryAfter string) Fault {
	return Status(http.StatusTooManyRequests, `{"detail":"Rate limit exceeded"}`, http.Header{"Retry-After": {retryAfter}})
}

// Redirect answers status (301, 302, 303, 307 or 308) with a Location
// header: a misrouted proxy, or a hostile host. The change is not applied.
// The streamkap client follows no redirect; it reports one as an error
// matching streamkap.ErrRedirect.
func Redirect(status int, location string) Fault {
	return Status(status, "", http.Header{"Location": {location}})
}

// Echo answers without handling the request, sending back the request's
// body and bearer token through channel, as a careless or hostile server
// might, to test that nothing sent comes back out of the client in an
// error: "detail" (a 400 detail string), "list" (a 422 detail list: loc,
// msg and type), "object" (a detail object's code and message),
// "request-id" (the X-Request-Id header), "location" (a 302 Location),
// "html" (a 502 gateway page) or "base64" (a detail, base64-encoded).
func Echo(channel string) Fault {
	return Fault{fakeapi.Fault{Kind: fakeapi.FaultEcho, Channel: channel}}
}

// Unavailable answers 503 with a JSON detail.
func Unavailable() Fault {
	return Status(http.StatusServiceUnavailable, `{"detail":"Service temporarily unavailable"}`, nil)
}

// GatewayHTML answers status (a 502 or 504, say) with the HTML page a load
// balancer sends.
func GatewayHTML(status int) Fault {
	text := strconv.Itoa(status) + " " + http.StatusText(status)
	body := fmt.Sprintf("<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n<center><h1>%s</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n", text, text)
	return Status(status, body, http.Header{"Content-Type": {"text/html"}})
}

// DropBeforeApply closes the connection without handling the request.
func DropBeforeApply() Fault { return Fault{fakeapi.Fault{Kind: fakeapi.FaultDropBeforeApply}} }

// DropAfterApply handles the request, so the change is applied, then closes
// the connection without answering: the client cannot know what happened.
func DropAfterApply() Fault { return Fault{fakeapi.Fault{Kind: fakeapi.FaultDropAfterApply}} }

// Delay waits d (or until the client gives up) before handling the request.
func Delay(d time.Duration) Fault { return Fault{fakeapi.Fault{Kind: fakeapi.FaultDelay, Delay: d}} }

// ApplyLate waits d, even after the client has given up, then handles the
// request: a server that applies a change after the client's attempt
// timed out. The client sees its own timeout; the change lands later.
func ApplyLate(d time.Duration) Fault {
	return Fault{fakeapi.Fault{Kind: fakeapi.FaultApplyLate, Delay: d}}
}

// MalformedJSON handles the request, then sends only the first half of its answer.
func MalformedJSON() Fault { return Fault{fakeapi.Fault{Kind: fakeapi.FaultMalformedJSON}} }

// EmptyBody handles the request, then answers its status with an empty body.
func EmptyBody() Fault { return Fault{fakeapi.Fault{Kind: fakeapi.FaultEmptyBody}} }

// OversizedBody handles the request, then answers with a JSON body of about
// size bytes whose length is not announced.
func OversizedBody(size int) Fault {
	return Fault{fakeapi.Fault{Kind: fakeapi.FaultOversizedBody, Size: size}}
}

// Trickle handles the request, then sends its answer one byte every interval.
func Trickle(interval time.Duration) Fault {
	return Fault{fakeapi.Fault{Kind: fakeapi.FaultTrickle, Interval: interval}}
}
