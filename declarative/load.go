package declarative

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/streamkap-go/streamkap"
)

// maxSpecFileBytes bounds what LoadSpecs reads.
const maxSpecFileBytes = 16 << 20

// LoadSpecs reads specs from JSON: a list of specs, or an object whose
// "keys" member is one. It rejects unknown fields (anywhere), duplicate
// names and invalid specs, and reports every problem with its location
// (the spec's index and line, the line of an unknown field) in a
// [*LoadError].
func LoadSpecs(r io.Reader) ([]KeySpec, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxSpecFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxSpecFileBytes {
		return nil, &LoadError{Problems: []string{fmt.Sprintf("the file is larger than %d bytes", maxSpecFileBytes)}}
	}
	elements, err := specElements(data)
	if err != nil {
		return nil, err
	}
	var problems []string
	specs := make([]KeySpec, 0, len(elements))
	firstLine := map[string]int{}
	for i, el := range elements {
		line := lineOf(data, el.offset)
		var spec KeySpec
		if err := json.Unmarshal(el.raw, &spec); err != nil {
			problems = append(problems, fmt.Sprintf("keys[%d] (line %d): %s", i, line, describeDecodeError(err, data, el)))
			continue
		}
		if first, dup := firstLine[spec.Name]; dup {
			problems = append(problems, fmt.Sprintf("keys[%d] (line %d): duplicate name %q (first at line %d)", i, line, spec.Name, first))
		} else {
			firstLine[spec.Name] = line
		}
		var specErr *SpecError
		if err := spec.Validate(); errors.As(err, &specErr) {
			for _, p := range specErr.Problems {
				problems = append(problems, fmt.Sprintf("keys[%d] (line %d) %q: %s", i, line, spec.Name, p))
			}
		}
		specs = append(specs, spec)
	}
	if len(problems) > 0 {
		return nil, &LoadError{Problems: problems}
	}
	return specs, nil
}

// LoadError lists every problem found in a spec file; nothing was sent.
type LoadError struct {
	Problems []string
}

// Error lists the problems.
func (e *LoadError) Error() string {
	return "declarative: invalid specs: " + strings.Join(e.Problems, "; ")
}

// Is matches streamkap.ErrValidation: invalid specs are never sent.
func (e *LoadError) Is(target error) bool { return target == streamkap.ErrValidation }

// element is one spec's JSON and where it starts in the file.
type element struct {
	raw    json.RawMessage
	offset int64
}

// specElements splits the file into its specs, keeping their positions.
func specElements(data []byte) ([]element, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	syntax := func(err error) error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return &LoadError{Problems: []string{fmt.Sprintf("line %d: %s", lineOf(data, se.Offset), se.Error())}}
		}
		return &LoadError{Problems: []string{err.Error()}}
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, syntax(err)
	}
	inObject := tok == json.Delim('{')
	if inObject {
		if !dec.More() {
			return nil, &LoadError{Problems: []string{`the object has no "keys" list`}}
		}
		name, err := dec.Token()
		if err != nil {
			return nil, syntax(err)
		}
		if name != "keys" {
			return nil, &LoadError{Problems: []string{fmt.Sprintf("line %d: unknown field %q (the file is a list of specs, or {\"keys\": [...]})",
				lineOf(data, dec.InputOffset()), name)}}
		}
		if tok, err = dec.Token(); err != nil {
			return nil, syntax(err)
		}
	}
	if tok != json.Delim('[') {
		return nil, &LoadError{Problems: []string{"the file must be a list of specs, or {\"keys\": [...]}"}}
	}
	var out []element
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, syntax(err)
		}
		out = append(out, element{raw: raw, offset: dec.InputOffset() - int64(len(raw))})
	}
	if _, err := dec.Token(); err != nil { // ]
		return nil, syntax(err)
	}
	if inObject && dec.More() {
		name, _ := dec.Token()
		return nil, &LoadError{Problems: []string{fmt.Sprintf("line %d: unknown field %v (the object has only \"keys\")", lineOf(data, dec.InputOffset()), name)}}
	}
	return out, nil
}

// describeDecodeError says what is wrong with a spec, and for an unknown
// field on which line it is.
func describeDecodeError(err error, data []byte, el element) string {
	msg := strings.ReplaceAll(err.Error(), "json: ", "")
	if _, field, ok := strings.Cut(msg, "unknown field "); ok {
		if i := bytes.Index(el.raw, []byte(field)); i >= 0 {
			return fmt.Sprintf("%s (line %d)", msg, lineOf(data, el.offset+int64(i)))
		}
	}
	return msg
}

// lineOf is the 1-based line of a byte offset.
func lineOf(data []byte, offset int64) int {
	offset = min(max(offset, 0), int64(len(data)))
	return bytes.Count(data[:offset], []byte("\n")) + 1
}
