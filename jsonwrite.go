package streamkap

import (
	"strconv"
	"unicode/utf8"
)

// Request bodies are written by hand rather than with encoding/json: the
// three states of a PATCH field (left out, null, value) and the difference
// between [] and a left-out list are explicit here, with no reflection and
// no intermediate values on the hot path. FuzzUpdateParamsEncoding checks
// the output against encoding/json's decoder.

// jsonObject appends the members of one JSON object to buf.
type jsonObject struct {
	buf   []byte
	count int
}

func (o *jsonObject) begin()      { o.buf = append(o.buf, '{') }
func (o *jsonObject) end() []byte { return append(o.buf, '}') }
func (o *jsonObject) key(name string) {
	if o.count > 0 {
		o.buf = append(o.buf, ',')
	}
	o.count++
	o.buf = append(o.buf, '"')
	o.buf = append(o.buf, name...)
	o.buf = append(o.buf, '"', ':')
}

func (o *jsonObject) null(name string) {
	o.key(name)
	o.buf = append(o.buf, "null"...)
}

func (o *jsonObject) string(name, v string) {
	o.key(name)
	o.buf = appendJSONString(o.buf, v)
}

func (o *jsonObject) bool(name string, v bool) {
	o.key(name)
	o.buf = strconv.AppendBool(o.buf, v)
}

// strings writes a list; a nil slice is written as [] because the caller
// chose to send the field.
func (o *jsonObject) strings(name string, v []string) {
	o.key(name)
	o.buf = append(o.buf, '[')
	for i, s := range v {
		if i > 0 {
			o.buf = append(o.buf, ',')
		}
		o.buf = appendJSONString(o.buf, s)
	}
	o.buf = append(o.buf, ']')
}

func (o *jsonObject) acls(name string, v []KafkaACL) {
	o.key(name)
	o.buf = append(o.buf, '[')
	for i := range v {
		if i > 0 {
			o.buf = append(o.buf, ',')
		}
		o.buf = v[i].appendJSON(o.buf)
	}
	o.buf = append(o.buf, ']')
}

// appendJSON writes the ACL in the form the API accepts: topic_name, and
// resource only when set (the server defaults it to TOPIC).
func (a *KafkaACL) appendJSON(buf []byte) []byte {
	o := jsonObject{buf: buf}
	o.begin()
	o.string("topic_name", a.TopicName)
	o.string("operation", string(a.Operation))
	o.string("resource_pattern_type", string(a.ResourcePatternType))
	if a.Resource != "" {
		o.string("resource", string(a.Resource))
	}
	return o.end()
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Like encoding/json it
// escapes control characters, quotes, backslashes, <, > and &, and U+2028
// and U+2029, and replaces invalid UTF-8 with U+FFFD.
func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch c {
			case '"', '\\':
				buf = append(buf, '\\', c)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}
