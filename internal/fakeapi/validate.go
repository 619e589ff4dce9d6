package fakeapi

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// validationError is one item of FastAPI's 422 answer. Like pydantic it
// echoes the offending input, which clients must not repeat.
type validationError struct {
	Type  string         `json:"type"`
	Loc   []any          `json:"loc"`
	Msg   string         `json:"msg"`
	Input any            `json:"input,omitempty"`
	Ctx   map[string]any `json:"ctx,omitempty"`
}

// validationErrors marshals as FastAPI's {"detail": [...]}.
type validationErrors []validationError

func (v validationErrors) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Detail []validationError `json:"detail"`
	}{[]validationError(v)})
}

// fields reads a JSON object member by member, collecting pydantic-style errors.
type fields struct {
	raw  map[string]json.RawMessage
	loc  []any
	errs *validationErrors
}

// parseObject reads body as a JSON object; on failure it records the error.
func parseObject(body []byte, loc []any, errs *validationErrors) (*fields, bool) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		*errs = append(*errs, validationError{Type: "model_attributes_type", Loc: loc, Msg: "Input should be a valid dictionary or object to extract fields from"})
		return nil, false
	}
	return &fields{raw: raw, loc: loc, errs: errs}, true
}

func (f *fields) at(name string) []any { return append(append([]any{}, f.loc...), name) }

func (f *fields) fail(name, typ, msg string, input any, ctx map[string]any) {
	*f.errs = append(*f.errs, validationError{Type: typ, Loc: f.at(name), Msg: msg, Input: input, Ctx: ctx})
}

// present reports whether name is in the object (null included).
func (f *fields) present(name string) bool { _, ok := f.raw[name]; return ok }

// str reads an optional string with a length range (max 0: unbounded).
func (f *fields) str(name string, minLen, maxLen int, required bool) *string {
	raw, ok := f.raw[name]
	if !ok || string(raw) == "null" {
		if required {
			f.fail(name, "missing", "Field required", nil, nil)
		}
		return nil
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		f.fail(name, "string_type", "Input should be a valid string", json.RawMessage(raw), nil)
		return nil
	}
	n := utf8.RuneCountInString(s)
	switch {
	case n < minLen:
		f.fail(name, "string_too_short", fmt.Sprintf("String should have at least %d character%s", minLen, plural(minLen)), s, map[string]any{"min_length": minLen})
		return nil
	case maxLen > 0 && n > maxLen:
		f.fail(name, "string_too_long", fmt.Sprintf("String should have at most %d characters", maxLen), s, map[string]any{"max_length": maxLen})
		return nil
	}
	return &s
}

// strList reads an optional list of strings with a minimum length.
func (f *fields) strList(name string, minItems int) (list []string, ok bool) {
	raw, present := f.raw[name]
	if !present || string(raw) == "null" {
		return nil, false
	}
	if json.Unmarshal(raw, &list) != nil {
		f.fail(name, "list_type", "Input should be a valid list", json.RawMessage(raw), nil)
		return nil, false
	}
	if len(list) < minItems {
		f.fail(name, "too_short", fmt.Sprintf("List should have at least %d item after validation, not %d", minItems, len(list)), list, map[string]any{"min_length": minItems})
		return nil, false
	}
	if list == nil {
		list = []string{}
	}
	return list, true
}

// enum reads an optional string that must be one of allowed.
func (f *fields) enum(name string, allowed ...string) *string {
	s := f.str(name, 0, 0, false)
	if s == nil {
		return nil
	}
	for _, a := range allowed {
		if *s == a {
			return s
		}
	}
	f.fail(name, "enum", "Input should be 'full', 'read-only', 'agent-operator' or 'infra-admin'", *s, nil)
	return nil
}

// boolean reads an optional boolean.
func (f *fields) boolean(name string) bool {
	raw, ok := f.raw[name]
	if !ok || string(raw) == "null" {
		return false
	}
	var b bool
	if json.Unmarshal(raw, &b) != nil {
		f.fail(name, "bool_type", "Input should be a valid boolean", json.RawMessage(raw), nil)
	}
	return b
}

// object reads an optional nested object.
func (f *fields) object(name string) *fields {
	raw, ok := f.raw[name]
	if !ok || string(raw) == "null" {
		return nil
	}
	sub, ok := parseObject(raw, f.at(name), f.errs)
	if !ok {
		return nil
	}
	return sub
}

// acls reads an optional list of ACL entries, accepting topic_name or name.
func (f *fields) acls(name string) (list []acl, ok bool) {
	raw, present := f.raw[name]
	if !present || string(raw) == "null" {
		return nil, false
	}
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		f.fail(name, "list_type", "Input should be a valid list", json.RawMessage(raw), nil)
		return nil, false
	}
	list = []acl{}
	for i, item := range items {
		sub, ok := parseObject(item, append(f.at(name), i), f.errs)
		if !ok {
			continue
		}
		topic := "topic_name"
		if !sub.present(topic) && sub.present("name") {
			topic = "name"
		}
		a := acl{Resource: "TOPIC"}
		if v := sub.str(topic, 1, 255, true); v != nil {
			a.Name = *v
		}
		if v := sub.str("operation", 1, 0, true); v != nil {
			a.Operation = *v
		}
		if v := sub.str("resource_pattern_type", 1, 0, true); v != nil {
			a.PatternType = *v
		}
		if v := sub.str("resource", 1, 0, false); v != nil {
			a.Resource = *v
		}
		list = append(list, a)
	}
	return list, true
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
