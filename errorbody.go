package streamkap

import (
	"bytes"
	"encoding/json"
)

// parseErrorBody fills the detail fields of e from an error body: FastAPI's
// {"detail": string | [{loc,msg,type}] | {code,message,...}}, or any other
// body as a short snippet. Every piece of server text passes through
// redact before it is stored, so that no secret and no control character
// reaches an error.
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
	e.Detail = redact.snippet(trimmed)
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
				fields[i] = fields[i].redacted(redact)
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
		e.Code = redact.text(obj.Code)
		e.RawDetail = json.RawMessage(redact.json(detail))
		if obj.Message != "" {
			e.Detail = redact.text(obj.Message)
		} else {
			e.Detail = redact.snippet(detail)
		}
	default:
		e.Detail = redact.snippet(detail)
	}
}

// redacted returns f with every piece of its server text redacted.
func (f FieldError) redacted(redact redactor) FieldError {
	out := FieldError{Msg: redact.text(f.Msg), Type: redact.text(f.Type), Loc: make([]string, len(f.Loc))}
	for i, l := range f.Loc {
		out.Loc[i] = redact.text(l)
	}
	return out
}
