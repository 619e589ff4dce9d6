package streamkap

import (
	"bytes"
	"reflect"

	jsonv2 "github.com/go-json-experiment/json"
	jsonv1 "github.com/go-json-experiment/json/v1"
)

// Success bodies are decoded first by encoding/json/v2 (the module
// github.com/go-json-experiment/json, which on Go 1.27 is an alias of the
// standard library's encoding/json/v2): it validates and decodes in one
// pass, where encoding/json scans every byte once to validate and again
// to decode, and it takes less than half of encoding/json's time on the
// API's answers (BenchmarkDecode). encoding/json stays the reference: an answer
// v2 refuses for any reason (a member of an unexpected type, a duplicate
// name, invalid UTF-8, anything else) is decoded again from scratch by
// encoding/json, whose tolerance is the contract. Where v2 accepts an
// answer it decodes the same value encoding/json would (FuzzFastDecoding).

// fastDecodeOptions make v2 match names as encoding/json does (exactly,
// else ignoring case, underscores and dashes significant); v2's other
// defaults refuse what encoding/json would read differently (duplicate
// names, invalid UTF-8), which sends those answers to encoding/json. The
// value is immutable.
var fastDecodeOptions = jsonv2.JoinOptions(
	jsonv2.MatchCaseInsensitiveNames(true),
	jsonv1.MatchCaseSensitiveDelimiter(true),
)

// decodeFast decodes data into out (a pointer) with v2, and reports
// whether it could. When it could not, what v2 decoded is cleared, so
// that the reference decoder starts from what a fresh value holds.
func decodeFast(data []byte, out any) bool {
	// Only an object or an array: v2 makes a top-level null the zero value
	// (even before it finds what follows is garbage), where encoding/json
	// leaves the value as it is, and an answer may hold what its call
	// asked for. Anything else is refused by either decoder.
	if data = bytes.TrimLeft(data, " \t\r\n"); len(data) == 0 || (data[0] != '{' && data[0] != '[') {
		return false
	}
	if jsonv2.Unmarshal(data, out, fastDecodeOptions) == nil {
		return true
	}
	if p, ok := out.(partlyDecoded); ok {
		p.resetDecoded()
	} else if v := reflect.ValueOf(out); v.Kind() == reflect.Pointer && !v.IsNil() {
		v.Elem().SetZero()
	}
	return false
}

// partlyDecoded is an answer that holds more than what it decodes (what
// the call asked for, where the decoded value goes); resetDecoded clears
// the decoded part only.
type partlyDecoded interface {
	resetDecoded()
}

func (a *updateAnswer) resetDecoded() { a.updateAnswerWire = updateAnswerWire{} }

func (a *createAnswer) resetDecoded() { *a.CredentialFile = CredentialFile{} }
