package fakeapi

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// FaultKind says what a fault does to a matching request.
type FaultKind int

// Fault kinds.
const (
	// FaultStatus answers with Status, Body and Header instead of handling
	// the request; nothing is applied.
	FaultStatus FaultKind = iota + 1
	// FaultDropBeforeApply closes the connection without handling the request.
	FaultDropBeforeApply
	// FaultDropAfterApply handles the request (the change is applied), then
	// closes the connection without answering.
	FaultDropAfterApply
	// FaultDelay waits Delay (or until the client gives up), then handles the request.
	FaultDelay
	// FaultMalformedJSON handles the request, then sends the answer cut in half.
	FaultMalformedJSON
	// FaultEmptyBody handles the request, then sends its status with an empty body.
	FaultEmptyBody
	// FaultOversizedBody handles the request, then sends Size bytes of a JSON
	// string (chunked, so the size is not announced).
	FaultOversizedBody
	// FaultTrickle handles the request, then sends the answer one byte every Interval.
	FaultTrickle
	// FaultEcho answers without handling the request, echoing the request
	// body and its Authorization header through Channel, as a careless or
	// hostile server might: "detail", "list" (422 loc, msg and type),
	// "object" (a detail object's code and message), "request-id",
	// "location" (a redirect), "html" (a gateway page) or "base64".
	FaultEcho
	// FaultApplyLate waits Delay whatever the client does, then handles the
	// request: a server that applies a change after the client gave up.
	FaultApplyLate
)

// Fault describes a failure to inject.
type Fault struct {
	Kind     FaultKind
	Status   int
	Body     string
	Header   http.Header
	Delay    time.Duration
	Size     int
	Interval time.Duration
	Channel  string
}

type fault struct {
	method, pattern string
	remaining       int
	skip            int // matching requests to let through first
	// random faults hit a matching request with probability, forever.
	probability float64
	rand        *rand.Rand
	Fault
}

// AddFault injects f into the next times requests whose method matches
// method ("" or "*" for any) and whose escaped path matches pattern (a
// path.Match pattern such as "/project-keys/*"). Faults apply in the order
// they were added.
func (s *Server) AddFault(method, pattern string, times int, f Fault) {
	s.AddFaultAfter(method, pattern, 0, times, f)
}

// AddFaultAfter is AddFault for the matching requests after the first skip.
func (s *Server) AddFaultAfter(method, pattern string, skip, times int, f Fault) {
	s.mu.Lock()
	s.faults = append(s.faults, &fault{method: method, pattern: pattern, skip: skip, remaining: times, Fault: f})
	s.mu.Unlock()
}

// AddRandomFault makes f hit each request matching method and pattern
// with the given probability, drawn from a generator seeded with seed,
// until ClearFaults.
func (s *Server) AddRandomFault(method, pattern string, probability float64, seed uint64, f Fault) {
	s.mu.Lock()
	s.faults = append(s.faults, &fault{method: method, pattern: pattern, probability: probability,
		rand: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), Fault: f})
	s.mu.Unlock()
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// takeFault returns the first matching fault and uses one of its times.
// The caller holds s.mu.
func (s *Server) takeFault(method, escapedPath string) *fault {
	for i, f := range s.faults {
		if f.method != "" && f.method != "*" && f.method != method {
			continue
		}
		if ok, _ := path.Match(f.pattern, escapedPath); !ok && f.pattern != escapedPath {
			continue
		}
		if f.skip > 0 {
			f.skip--
			continue
		}
		if f.rand != nil {
			if f.rand.Float64() < f.probability {
				return f
			}
			continue
		}
		f.remaining--
		if f.remaining <= 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		return f
	}
	return nil
}

// before runs ahead of the handler; true means the request was answered.
func (f *fault) before(w *responseWriter, r *http.Request, body []byte) bool {
	switch f.Kind {
	case FaultEcho:
		echo(w, f.Channel, string(body)+" "+r.Header.Get("Authorization"))
		return true
	case FaultStatus:
		for k, v := range f.Header {
			w.Header()[k] = v
		}
		if w.Header().Get("Content-Type") == "" {
			ct := "application/json"
			if strings.HasPrefix(strings.TrimSpace(f.Body), "<") {
				ct = "text/html"
			}
			w.Header().Set("Content-Type", ct)
		}
		w.WriteHeader(f.Status)
		_, _ = w.Write([]byte(f.Body))
		return true
	case FaultDropBeforeApply:
		hangUp(w)
		return true
	case FaultDelay:
		select {
		case <-time.After(f.Delay):
		case <-r.Context().Done():
			return true
		}
	case FaultApplyLate:
		time.Sleep(f.Delay)
	case FaultDropAfterApply, FaultMalformedJSON, FaultEmptyBody, FaultOversizedBody, FaultTrickle:
		w.capture = true
	}
	return false
}

// after runs once the handler has written its (captured) answer.
func (f *fault) after(w *responseWriter, r *http.Request) {
	if !w.capture {
		return
	}
	status, body := w.status, w.buf.Bytes()
	if status == 0 {
		status = http.StatusOK
	}
	out := w.ResponseWriter
	h := out.Header()
	for k, v := range w.header {
		h[k] = v
	}
	switch f.Kind {
	case FaultDropAfterApply:
		hangUp(w)
	case FaultMalformedJSON:
		cut := body[:len(body)/2]
		h.Set("Content-Length", strconv.Itoa(len(cut)))
		out.WriteHeader(status)
		_, _ = out.Write(cut)
	case FaultEmptyBody:
		h.Set("Content-Length", "0")
		out.WriteHeader(status)
	case FaultOversizedBody:
		h.Del("Content-Length")
		out.WriteHeader(status)
		_, _ = out.Write([]byte(`{"detail":"`))
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		for sent := 0; sent < f.Size; sent += len(chunk) {
			if _, err := out.Write(chunk); err != nil || r.Context().Err() != nil {
				return
			}
		}
		_, _ = out.Write([]byte(`"}`))
	case FaultTrickle:
		h.Set("Content-Length", strconv.Itoa(len(body)))
		out.WriteHeader(status)
		flusher, _ := out.(http.Flusher)
		for i := range body {
			if _, err := out.Write(body[i : i+1]); err != nil {
				return
			}
			if flusher != nil {
				flusher.Flush()
			}
			select {
			case <-time.After(f.Interval):
			case <-r.Context().Done():
				return
			}
		}
	}
}

// echo answers with text sent back through channel.
func echo(w http.ResponseWriter, channel, text string) {
	switch channel {
	case "list":
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": []any{
			map[string]any{"loc": []any{"body", text}, "msg": "bad " + text, "type": text, "input": text}}})
	case "object":
		writeJSON(w, http.StatusBadRequest, map[string]any{"detail": map[string]any{"code": text, "message": text, "input": text}})
	case "request-id":
		w.Header().Set("X-Request-Id", text)
		writeDetail(w, http.StatusBadRequest, "see the request id")
	case "location":
		w.Header().Set("Location", "http://echo.test/"+text)
		w.WriteHeader(http.StatusFound)
	case "html":
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html>\r\n<body>\t" + strings.ReplaceAll(text, " ", "\r\n\t ") + "</body></html>"))
	case "base64":
		writeDetail(w, http.StatusBadRequest, base64.StdEncoding.EncodeToString([]byte(text)))
	default:
		writeDetail(w, http.StatusBadRequest, "you sent: "+text)
	}
}

// hangUp closes the connection without an answer.
func hangUp(w *responseWriter) {
	if hj, ok := w.ResponseWriter.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler) // net/http closes the connection
}

// responseWriter can hold back an answer so that a fault can replace it.
type responseWriter struct {
	http.ResponseWriter
	capture bool
	header  http.Header
	status  int
	buf     bytes.Buffer
}

func (w *responseWriter) Header() http.Header {
	if !w.capture {
		return w.ResponseWriter.Header()
	}
	if w.header == nil {
		w.header = http.Header{}
	}
	return w.header
}

func (w *responseWriter) WriteHeader(status int) {
	if !w.capture {
		w.ResponseWriter.WriteHeader(status)
		return
	}
	if w.status == 0 {
		w.status = status
	}
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if !w.capture {
		return w.ResponseWriter.Write(b)
	}
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.buf.Write(b)
}
