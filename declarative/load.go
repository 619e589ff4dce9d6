package declarative

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/streamkap-go/streamkap"
)

// maxSpecFileBytes bounds what LoadSpecs reads.
const maxSpecFileBytes = 16 << 20

// Limits on what a LoadError says, so that a hostile file cannot make a
// huge error.
const (
	maxProblems    = 50
	maxQuotedRunes = 100
)

// LoadSpecs reads specs from a spec file: a JSON list of specs, or an
// object whose only member "keys" is one. It is strict, so that what a
// reviewer or a policy check reads is what Apply acts on: the file is
// exactly one JSON value (anything after it is refused), valid UTF-8, with
// no duplicate members and no unknown ones (members match case-sensitively:
// "API" is not "api"), every value of the type its member takes; names are
// unique and every spec valid. Every problem is reported in a
// [*LoadError] with its place (keys[2].kafka.acls[0]) and its line and
// column, in the words of the spec file. It takes time linear in the size
// of the file.
func LoadSpecs(r io.Reader) ([]KeySpec, error) {
	data, err := readSpecFile(r)
	if err != nil {
		return nil, err
	}
	if len(data) > maxSpecFileBytes {
		return nil, &LoadError{Problems: []string{fmt.Sprintf("the file is larger than %d bytes", maxSpecFileBytes)}}
	}
	l := &loader{data: data, lines: newLineIndex(data)}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &LoadError{Problems: []string{"the file is empty: a spec file is " + topSchema.what}}
	}
	if i := invalidUTF8(data); i >= 0 {
		return nil, &LoadError{Problems: []string{"the file (" + l.at(int64(i)) + "): invalid UTF-8: a spec file must be UTF-8 text"}}
	}
	var elements []element
	if err := l.walk(func(el element) { elements = append(elements, el) }); err != nil {
		return nil, err
	}
	// The file is checked: decode its specs on every core, each straight
	// into its place.
	specs := make([]KeySpec, len(elements))
	decodeErrs := make([]error, len(elements))
	invalid := make([]error, len(elements))
	workers := min(runtime.GOMAXPROCS(0), max(len(elements)/64, 1))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			in := interner{}
			for i := w; i < len(elements); i += workers {
				el := elements[i]
				if specs[i], decodeErrs[i] = decodeSpec(data[el.start:el.end]); decodeErrs[i] == nil {
					in.intern(&specs[i])
					invalid[i] = specs[i].Validate()
				}
			}
		})
	}
	wg.Wait()
	firstAt := make(map[string]int64, len(specs))
	for k, el := range elements {
		i, spec := el.index, &specs[k]
		if decodeErrs[k] != nil {
			// The walk checked members and types; what is left is rare.
			l.problemAt(el.start, fmt.Sprintf("keys[%d]", i), describeJSONError(decodeErrs[k]))
			continue
		}
		if first, dup := firstAt[spec.Name]; dup {
			l.problemAt(el.start, fmt.Sprintf("keys[%d]", i), fmt.Sprintf("duplicate name %s (first at %s)", quote(spec.Name), l.at(first)))
		} else {
			firstAt[spec.Name] = el.start
		}
		var specErr *SpecError
		if errors.As(invalid[k], &specErr) {
			where := fmt.Sprintf("keys[%d] %s", i, quote(spec.Name))
			for _, p := range specErr.Problems {
				l.problemAt(el.start, where, p)
			}
		}
	}
	if err := l.err(); err != nil {
		return nil, err
	}
	return specs, nil
}

// readSpecFile reads at most one byte more than a spec file may hold. A
// reader that knows its size (a file, a bytes.Reader) is read into one
// buffer of that size, without the growing copies of io.ReadAll.
func readSpecFile(r io.Reader) ([]byte, error) {
	size := int64(-1)
	switch v := r.(type) {
	case interface{ Len() int }:
		size = int64(v.Len())
	case interface{ Stat() (fs.FileInfo, error) }:
		if info, err := v.Stat(); err == nil && info.Mode().IsRegular() {
			size = info.Size()
		}
	}
	limited := io.LimitReader(r, maxSpecFileBytes+1)
	if size < 0 || size > maxSpecFileBytes {
		return io.ReadAll(limited)
	}
	buf := make([]byte, size+1) // +1: a file that grew since is seen to
	n, err := io.ReadFull(limited, buf)
	switch {
	case err == io.ErrUnexpectedEOF || err == io.EOF:
		return buf[:n], nil // the size it said
	case err != nil:
		return nil, err
	}
	rest, err := io.ReadAll(limited) // it grew: read on, to the limit
	return append(buf, rest...), err
}

// interner shares the copies of strings that recur across specs (roles,
// ACL operations and patterns, IPs, tool names), so that a large file's
// specs hold each once.
type interner map[string]string

func (in interner) str(s string) string {
	if len(s) > 64 {
		return s
	}
	if v, ok := in[s]; ok {
		return v
	}
	in[s] = s
	return s
}

func (in interner) list(l []string) {
	for i, s := range l {
		l[i] = in.str(s)
	}
}

// intern shares the recurring strings of spec.
func (in interner) intern(spec *KeySpec) {
	if api, ok := spec.API.Get(); ok {
		in.list(api.Roles)
		in.list(api.Permissions)
	}
	if kafka, ok := spec.Kafka.Get(); ok {
		if acls, ok := kafka.ACLs.Get(); ok {
			for i := range acls {
				a := &acls[i]
				a.Topic = in.str(a.Topic)
				a.Operation = streamkap.ACLOperation(in.str(string(a.Operation)))
				a.Pattern = streamkap.ACLPatternType(in.str(string(a.Pattern)))
				a.Resource = streamkap.ACLResource(in.str(string(a.Resource)))
			}
		}
		if ips, ok := kafka.WhitelistIPs.Get(); ok {
			in.list(ips)
		}
	}
	if t := spec.Tools; t != nil {
		if allowed, ok := t.Allowed.Get(); ok {
			in.list(allowed)
		}
		if blocked, ok := t.Blocked.Get(); ok {
			in.list(blocked)
		}
	}
}

// LoadError lists every problem found in a spec file (the first 50, and
// how many more); nothing was sent.
type LoadError struct {
	Problems []string
}

// Error lists the problems.
func (e *LoadError) Error() string {
	return "declarative: invalid spec file: " + strings.Join(e.Problems, "; ")
}

// Is matches streamkap.ErrValidation: invalid specs are never sent.
func (e *LoadError) Is(target error) bool { return target == streamkap.ErrValidation }

// element is one spec's place in the file, and in the list.
type element struct {
	index      int
	start, end int64
}

// loader walks a spec file.
type loader struct {
	data     []byte
	lines    lineIndex
	dec      *json.Decoder
	problems []problem
	more     int
	// specIndex is the place in the list of the spec being walked.
	specIndex int
}

// problem is one problem, and where it is, for sorting.
type problem struct {
	offset int64
	text   string
}

// path is where a value is (keys[2].kafka.acls[0]), built only when a
// problem is reported.
type path struct {
	parent *path
	member string // "" for an index
	index  int
	top    string // the root's words: "the file"
}

func (p *path) String() string {
	if p == nil {
		return "the file"
	}
	if p.top != "" {
		return p.top
	}
	var parts []*path
	for q := p; q != nil && q.top == ""; q = q.parent {
		parts = append(parts, q)
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		q := parts[i]
		switch {
		case q.member == "keys" && q.parent != nil && q.parent.top != "":
			b.WriteString("keys")
		case q.member != "":
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(q.member)
		case b.Len() == 0:
			b.WriteString("keys[" + strconv.Itoa(q.index) + "]") // the list of specs, given bare
		default:
			b.WriteString("[" + strconv.Itoa(q.index) + "]")
		}
	}
	return b.String()
}

func (l *loader) problem(offset int64, where fmt.Stringer, text string) {
	l.problemAt(offset, where.String(), text)
}

func (l *loader) problemAt(offset int64, path, text string) {
	if len(l.problems) == maxProblems {
		l.more++
		return
	}
	l.problems = append(l.problems, problem{offset, fmt.Sprintf("%s (%s): %s", path, l.at(offset), text)})
}

// count is how many problems were found so far.
func (l *loader) count() int { return len(l.problems) + l.more }

func (l *loader) err() error {
	if len(l.problems) == 0 {
		return nil
	}
	// In the file's order, whichever check found them.
	sort.SliceStable(l.problems, func(i, j int) bool { return l.problems[i].offset < l.problems[j].offset })
	problems := make([]string, len(l.problems), len(l.problems)+1)
	for i, p := range l.problems {
		problems[i] = p.text
	}
	if l.more > 0 {
		problems = append(problems, fmt.Sprintf("and %d more problems", l.more))
	}
	return &LoadError{Problems: problems}
}

// at is "line L, column C" of a byte offset.
func (l *loader) at(offset int64) string {
	line, col := l.lines.position(l.data, offset)
	return "line " + strconv.Itoa(line) + ", column " + strconv.Itoa(col)
}

// errStop ends a walk whose problem has been recorded.
var errStop = errors.New("stop")

// walk checks the whole file against the spec file's shape and tells
// found where each spec without problems is. Syntax problems end the
// walk; others are recorded and the walk goes on.
func (l *loader) walk(found func(element)) error {
	l.dec = json.NewDecoder(bytes.NewReader(l.data))
	l.dec.UseNumber()
	err := l.value(&path{top: "the file"}, topSchema, func(start, end int64) {
		found(element{l.specIndex, start, end})
	})
	if err == nil {
		// Exactly one value: anything after it is a second value, or garbage.
		if _, tokErr := l.dec.Token(); tokErr != io.EOF {
			l.problemAt(l.next(l.dec.InputOffset()), "the file", "more after the end of the specs: a spec file is one JSON value")
		}
	}
	if err != nil {
		if err == errStop {
			return l.err() // the file is not JSON: nothing more can be said
		}
		return err
	}
	return nil // with the problems found so far: the specs add theirs
}

// next skips white space and separators to the start of the next value.
func (l *loader) next(offset int64) int64 {
	for offset < int64(len(l.data)) {
		switch l.data[offset] {
		case ' ', '\t', '\r', '\n', ',', ':':
			offset++
			continue
		}
		break
	}
	return offset
}

// token reads the next token, turning the decoder's failures into the
// file's words.
func (l *loader) token(path *path) (json.Token, int64, error) {
	start := l.next(l.dec.InputOffset())
	tok, err := l.dec.Token()
	if err == nil {
		return tok, start, nil
	}
	var syntax *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		l.problem(int64(len(l.data)), path, "the file ends here, in the middle of the specs (is it cut short?)")
	case errors.As(err, &syntax):
		l.problem(syntax.Offset, path, "not JSON: "+strings.TrimPrefix(syntax.Error(), "json: "))
	default:
		l.problem(start, path, "not JSON: "+err.Error())
	}
	return nil, start, errStop
}

// schema is what a value of the spec file may be.
type schema struct {
	what     string // for errors: "a string", "an object", ...
	kind     byte   // 's' string, 'b' bool, 'o' object, 'a' array, 't' the top
	nullable bool
	members  map[string]*schema // of an object
	elem     *schema            // of an array
	// spec marks the objects whose place walk reports.
	spec bool
}

var (
	stringSchema         = &schema{what: "a string", kind: 's'}
	nullableStringSchema = &schema{what: "a string or null", kind: 's', nullable: true}
	stringListSchema     = &schema{what: "a list of strings", kind: 'a', nullable: true, elem: stringSchema}
	aclSchema            = &schema{what: "an ACL object", kind: 'o', members: map[string]*schema{
		"topic": stringSchema, "operation": stringSchema, "pattern": stringSchema, "resource": stringSchema}}
	specSchema = &schema{what: "a spec object", kind: 'o', spec: true, members: map[string]*schema{
		"name":        stringSchema,
		"description": nullableStringSchema,
		"api": {what: "an api object or null", kind: 'o', nullable: true, members: map[string]*schema{
			"roles": stringListSchema, "permissions": stringListSchema}},
		"kafka": {what: "a kafka object or null", kind: 'o', nullable: true, members: map[string]*schema{
			"username":        stringSchema,
			"acls":            {what: "a list of ACLs", kind: 'a', nullable: true, elem: aclSchema},
			"whitelist_ips":   stringListSchema,
			"schema_registry": {what: "true or false", kind: 'b'}}},
		"tools": {what: "a tools object or null", kind: 'o', nullable: true, members: map[string]*schema{
			"profile": nullableStringSchema, "allowed": stringListSchema, "blocked": stringListSchema}},
	}}
	specListSchema  = &schema{what: "a list of specs", kind: 'a', elem: specSchema}
	topSchema       = &schema{what: `a list of specs, or {"keys": [...]}`, kind: 't'}
	topObjectSchema = &schema{what: topSchema.what, kind: 'o', members: map[string]*schema{"keys": specListSchema}}
)

// value walks one value against s; found is told where each spec is.
func (l *loader) value(path *path, s *schema, found func(start, end int64)) error {
	tok, start, err := l.token(path)
	if err != nil {
		return err
	}
	if s.kind == 't' {
		switch tok {
		case json.Delim('['):
			return l.array(path, specListSchema, start, found)
		case json.Delim('{'):
			return l.object(path, topObjectSchema, start, found)
		}
		l.problem(start, path, "the file must be "+s.what)
		return errStop
	}
	if tok == nil {
		if !s.nullable {
			l.problem(start, path, "want "+s.what+", not null")
		}
		return nil
	}
	switch s.kind {
	case 's':
		if _, ok := tok.(string); ok {
			return nil
		}
	case 'b':
		if _, ok := tok.(bool); ok {
			return nil
		}
	case 'o':
		if tok == json.Delim('{') {
			return l.object(path, s, start, found)
		}
	case 'a':
		if tok == json.Delim('[') {
			return l.array(path, s, start, found)
		}
	}
	l.problem(start, path, "want "+s.what+", not "+describeToken(tok))
	return l.skip(tok)
}

// object walks an object's members after its '{'.
func (l *loader) object(at *path, s *schema, start int64, found func(int64, int64)) error {
	var seen []string
	problemsBefore := l.count()
	for l.dec.More() {
		tok, memberAt, err := l.token(at)
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		switch {
		case slices.Contains(seen, name):
			l.problem(memberAt, at, "duplicate member "+quote(name)+": each member once")
		case s.members[name] == nil:
			l.problem(memberAt, at, "unknown member "+quote(name)+knownHint(s, name))
		}
		seen = append(seen, name)
		member := &path{parent: at, member: name}
		child := s.members[name]
		if child == nil {
			if err := l.skipValue(member); err != nil {
				return err
			}
			continue
		}
		if err := l.value(member, child, found); err != nil {
			return err
		}
	}
	if _, _, err := l.token(at); err != nil { // }
		return err
	}
	if s.spec && l.count() == problemsBefore {
		found(start, l.dec.InputOffset()) // a spec with problems is not decoded
	}
	return nil
}

// array walks an array's elements after its '['.
func (l *loader) array(at *path, s *schema, start int64, found func(int64, int64)) error {
	for i := 0; l.dec.More(); i++ {
		elem := &path{parent: at, index: i}
		if s == specListSchema {
			l.specIndex = i
		}
		if err := l.value(elem, s.elem, found); err != nil {
			return err
		}
	}
	_, _, err := l.token(at) // ]
	return err
}

// skipValue walks past a value nothing checks.
func (l *loader) skipValue(path *path) error {
	tok, _, err := l.token(path)
	if err != nil {
		return err
	}
	return l.skip(tok)
}

// skip walks past the rest of a value whose first token was tok.
func (l *loader) skip(tok json.Token) error {
	if tok != json.Delim('{') && tok != json.Delim('[') {
		return nil
	}
	for depth := 1; depth > 0; {
		t, _, err := l.token(nil)
		if err != nil {
			return err
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}

// knownHint names the member a case variant was probably meant to be.
func knownHint(s *schema, name string) string {
	for known := range s.members {
		if strings.EqualFold(known, name) {
			return " (members match case-sensitively: did you mean " + quote(known) + "?)"
		}
	}
	return ""
}

func describeToken(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			return "an object"
		}
		return "a list"
	case string:
		return "the string " + quote(t)
	case json.Number:
		return "the number " + cut(string(t))
	case bool:
		return strconv.FormatBool(t)
	}
	return "null"
}

// describeJSONError words a decoding error without Go's type names.
func describeJSONError(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return "a " + typeErr.Value + " where the spec file takes another type" + fieldSuffix(typeErr.Field)
	}
	return cut(strings.TrimPrefix(err.Error(), "json: "))
}

func fieldSuffix(field string) string {
	if field == "" {
		return ""
	}
	parts := strings.Split(field, ".")
	kept := parts[:0]
	for _, p := range parts {
		if p != "" && p != "plain" && p[0] >= 'a' && p[0] <= 'z' {
			kept = append(kept, p)
		}
	}
	if len(kept) == 0 {
		return ""
	}
	return " (at " + strings.Join(kept, ".") + ")"
}

// quote quotes a value from the file, cut to 100 characters and made
// safe to print.
func quote(s string) string {
	return strconv.Quote(cut(s))
}

// cut keeps the first 100 characters of s.
func cut(s string) string {
	if utf8.RuneCountInString(s) <= maxQuotedRunes {
		return s
	}
	runes := 0
	for i := range s {
		if runes == maxQuotedRunes {
			return s[:i] + "…"
		}
		runes++
	}
	return s
}

// invalidUTF8 is the offset of the first byte that is not UTF-8, or -1.
func invalidUTF8(data []byte) int {
	if utf8.Valid(data) {
		return -1
	}
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

// lineIndex holds where each line starts, so that a position costs a
// binary search.
type lineIndex []int

func newLineIndex(data []byte) lineIndex {
	starts := lineIndex{0}
	for i := 0; ; {
		j := bytes.IndexByte(data[i:], '\n')
		if j < 0 {
			return starts
		}
		i += j + 1
		starts = append(starts, i)
	}
}

// position is the 1-based line and column (in characters) of offset.
func (idx lineIndex) position(data []byte, offset int64) (line, col int) {
	off := int(min(max(offset, 0), int64(len(data))))
	line = sort.Search(len(idx), func(i int) bool { return idx[i] > off })
	start := idx[line-1]
	return line, utf8.RuneCount(data[start:off]) + 1
}

// The wire forms of the spec types, without their strict UnmarshalJSON:
// LoadSpecs has checked every member already, so each spec is decoded in
// one pass of encoding/json (a KeySpec decoded on its own re-checks each
// level).
type (
	specWire struct {
		Name        string                        `json:"name"`
		Description streamkap.Nullable[string]    `json:"description"`
		API         streamkap.Nullable[apiWire]   `json:"api"`
		Kafka       streamkap.Nullable[kafkaWire] `json:"kafka"`
		Tools       *toolsWire                    `json:"tools"`
	}
	apiWire struct {
		Roles       []string `json:"roles"`
		Permissions []string `json:"permissions"`
	}
	kafkaWire struct {
		Username       string                        `json:"username"`
		ACLs           streamkap.Optional[[]aclWire] `json:"acls"`
		WhitelistIPs   streamkap.Optional[[]string]  `json:"whitelist_ips"`
		SchemaRegistry bool                          `json:"schema_registry"`
	}
	aclWire struct {
		Topic     string                   `json:"topic"`
		Operation streamkap.ACLOperation   `json:"operation"`
		Pattern   streamkap.ACLPatternType `json:"pattern"`
		Resource  streamkap.ACLResource    `json:"resource"`
	}
	toolsWire struct {
		Profile streamkap.Nullable[streamkap.ToolProfile] `json:"profile"`
		Allowed streamkap.Nullable[[]string]              `json:"allowed"`
		Blocked streamkap.Nullable[[]string]              `json:"blocked"`
	}
)

// decodeSpec decodes one checked spec.
func decodeSpec(raw []byte) (KeySpec, error) {
	var w specWire
	if err := json.Unmarshal(raw, &w); err != nil {
		return KeySpec{}, err
	}
	spec := KeySpec{Name: w.Name, Description: w.Description}
	spec.API = mapNullable(w.API, func(a apiWire) APISpec { return APISpec(a) })
	spec.Kafka = mapNullable(w.Kafka, func(k kafkaWire) KafkaSpec {
		out := KafkaSpec{Username: k.Username, WhitelistIPs: k.WhitelistIPs, SchemaRegistry: k.SchemaRegistry}
		if acls, ok := k.ACLs.Get(); ok {
			list := make([]ACLSpec, len(acls))
			for i, a := range acls {
				list[i] = ACLSpec(a)
			}
			out.ACLs = streamkap.Value(list)
		}
		return out
	})
	if t := w.Tools; t != nil {
		spec.Tools = &ToolsSpec{Profile: t.Profile, Allowed: t.Allowed, Blocked: t.Blocked}
	}
	return spec, nil
}

// mapNullable converts a Nullable's value, keeping unset and null.
func mapNullable[A, B any](n streamkap.Nullable[A], f func(A) B) streamkap.Nullable[B] {
	switch v, ok := n.Get(); {
	case ok:
		return streamkap.NullableValue(f(v))
	case n.IsNull():
		return streamkap.Null[B]()
	}
	return streamkap.Nullable[B]{}
}
