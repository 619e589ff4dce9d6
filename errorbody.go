package streamkap

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxSnippetRunes bounds how much of a non-JSON error body an error keeps.
const maxSnippetRunes = 200

// parseErrorBody fills the detail fields of e from an error body: FastAPI's
// {"detail": string | [{loc,msg,type}] | {code,message,...}}, or any other
// body as a short snippet. Server text passes through redact, so a secret the
// request carried cannot come back inside an error.
func parseErrorBody(e *APIError, body []byte, redact redactor) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var w struct {
			Detail  json.RawMessage `json:"detail"`
			Message string          `json:"message"`
		}
		if err := json.Unmarshal(trimmed, &w); err == nil || isFieldTypeError(err) {
			parseDetail(e, w.Detail, redact)
			if e.Detail == "" {
				e.Detail = redact.text(w.Message)
			}
			return
		}
	}
	e.Detail = redact.text(snippet(trimmed))
}

func parseDetail(e *APIError, detail json.RawMessage, redact redactor) {
	detail = bytes.TrimSpace(detail)
	if len(detail) == 0 {
		return
	}
	switch detail[0] {
	case '"':
		var s string
		if json.Unmarshal(detail, &s) == nil {
			e.Detail = redact.text(s)
		}
	case '[':
		var fields []FieldError
		if err := json.Unmarshal(detail, &fields); err == nil || isFieldTypeError(err) {
			for i := range fields {
				fields[i].Msg = redact.text(fields[i].Msg)
			}
			e.Fields = fields
			e.Detail = joinFieldErrors(fields)
		}
	case '{':
		var obj struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(detail, &obj) // tolerant: unknown shapes keep RawDetail only
		e.Code = obj.Code
		e.RawDetail = json.RawMessage(redact.json(detail))
		if obj.Message != "" {
			e.Detail = redact.text(obj.Message)
		} else {
			e.Detail = redact.text(snippet(detail))
		}
	default:
		e.Detail = redact.text(snippet(detail))
	}
}

// snippet returns the start of a body as one printable line.
func snippet(body []byte) string {
	var b strings.Builder
	space := false
	runes := 0
	for len(body) > 0 && runes < maxSnippetRunes {
		r, size := utf8.DecodeRune(body)
		body = body[size:]
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
			runes++
		}
		b.WriteRune(r)
		runes++
	}
	if len(body) > 0 {
		b.WriteString("…")
	}
	return b.String()
}

// redactor blanks out secrets (plaintexts the request carried) from text
// that came back from the server.
type redactor struct{ secrets []string }

func newRedactor(secrets []string) redactor { return redactor{secrets: secrets} }

func (r redactor) text(s string) string {
	for _, secret := range r.secrets {
		if secret == "" {
			continue
		}
		s = strings.ReplaceAll(s, secret, redacted)
		if esc := jsonEscaped(secret); esc != secret {
			s = strings.ReplaceAll(s, esc, redacted)
		}
	}
	return s
}

// json redacts a JSON value. It redacts the decoded strings, not the raw
// text, so that a secret spelled with JSON escapes is caught too.
func (r redactor) json(raw []byte) []byte {
	if len(r.secrets) == 0 {
		return bytes.Clone(raw)
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return []byte(r.text(string(raw)))
	}
	out, err := json.Marshal(r.walk(v))
	if err != nil {
		return nil
	}
	return out
}

func (r redactor) walk(v any) any {
	switch v := v.(type) {
	case string:
		return r.text(v)
	case []any:
		for i := range v {
			v[i] = r.walk(v[i])
		}
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, item := range v {
			out[r.text(k)] = r.walk(item)
		}
		return out
	}
	return v
}

// jsonEscaped is how s appears inside a JSON string.
func jsonEscaped(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}
