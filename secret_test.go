package streamkap

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"net/http"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/davecgh/go-spew/spew"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var fmtVerbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T", "%10.3v", "%-20s"}

// outputs renders v in every way a program might print, log or encode it.
func outputs(t *testing.T, v any) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, verb := range fmtVerbs {
		out["fmt "+verb] = fmt.Sprintf(verb, v)
	}
	out["fmt Sprint"] = fmt.Sprint(v)
	out["fmt Sprintln"] = fmt.Sprintln(v)
	if b, err := json.Marshal(v); err == nil {
		out["json.Marshal"] = string(b)
	}
	var jsonLog, textLog bytes.Buffer
	slog.New(slog.NewJSONHandler(&jsonLog, &slog.HandlerOptions{Level: slog.LevelDebug})).Info("value", "v", v)
	slog.New(slog.NewTextHandler(&textLog, &slog.HandlerOptions{Level: slog.LevelDebug})).Info("value", "v", v)
	out["slog JSON"] = jsonLog.String()
	out["slog text"] = textLog.String()
	if err, ok := v.(error); ok {
		out["Error()"] = err.Error()
	}
	if s, ok := v.(fmt.Stringer); ok {
		out["String()"] = s.String()
	}
	// Printers that ignore every method: go-spew as testify configures it
	// for its diffs, and a testify diff against the zero value.
	noMethods := spew.ConfigState{DisableMethods: true, DisablePointerMethods: true, MaxDepth: 20}
	out["spew DisableMethods"] = noMethods.Sdump(v)
	if v != nil {
		var diff testifyRecorder
		assert.Equal(&diff, reflect.Zero(reflect.TypeOf(v)).Interface(), v)
		out["testify diff"] = diff.String()
	}
	return out
}

// testifyRecorder is a testify TestingT that keeps failure messages.
type testifyRecorder struct{ strings.Builder }

func (r *testifyRecorder) Errorf(format string, args ...any) {
	fmt.Fprintf(&r.Builder, format, args...)
}

// assertNoSecret checks every output form of v for every planted secret,
// and returns how many (output, secret) pairs it scanned.
func assertNoSecret(t *testing.T, name string, v any, secrets ...string) int {
	t.Helper()
	if len(secrets) == 0 {
		secrets = plantedSecrets()
	}
	pairs := 0
	for form, text := range outputs(t, v) {
		for _, s := range secrets {
			pairs++
			assert.NotContains(t, text, s, "%s: %s reveals a secret", name, form)
		}
	}
	return pairs
}

func TestSecretIsRedactedEverywhere(t *testing.T) {
	t.Parallel()
	s := NewSecret(plantedKafkaPass)
	assertNoSecret(t, "Secret", s)
	assertNoSecret(t, "*Secret", &s)
	assert.Equal(t, "[REDACTED]", fmt.Sprint(s))
	assert.Equal(t, `"[REDACTED]"`, fmt.Sprintf("%q", s))
	assert.Equal(t, `streamkap.Secret("[REDACTED]")`, fmt.Sprintf("%#v", s))
	b, err := json.Marshal(s)
	require.NoError(t, err)
	assert.Equal(t, `"[REDACTED]"`, string(b))
	text, err := s.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, "[REDACTED]", string(text))
	assert.Equal(t, plantedKafkaPass, s.Reveal())
	assert.Equal(t, len(plantedKafkaPass), s.Len())

	// Inside other values, exported or not, at any depth.
	type holder struct {
		hidden  Secret
		Visible Secret
		Ptr     *Secret
		List    []Secret
		Map     map[string]Secret
	}
	h := holder{hidden: s, Visible: s, Ptr: &s, List: []Secret{s}, Map: map[string]Secret{"k": s}}
	assertNoSecret(t, "holder", h)
	assertNoSecret(t, "*holder", &h)
	assertNoSecret(t, "[]any", []any{s, &h, map[Secret]int{s: 1}})
	assertNoSecret(t, "error", fmt.Errorf("wrapped %v: %w", s, errors.New("x")))
	assertNoSecret(t, "slog attr", slog.Any("s", s))
}

func TestEmptySecret(t *testing.T) {
	t.Parallel()
	var zero Secret
	assert.True(t, zero.IsZero())
	assert.True(t, NewSecret("").IsZero())
	assert.Equal(t, "", zero.String())
	assert.Equal(t, "", zero.Reveal())
	b, _ := json.Marshal(zero)
	assert.Equal(t, `""`, string(b))
	assert.True(t, zero.Equal(NewSecret("")))
	assert.True(t, NewSecret("a").Equal(NewSecret("a")))
	assert.False(t, NewSecret("a").Equal(NewSecret("b")))
}

func TestSecretUnmarshal(t *testing.T) {
	t.Parallel()
	var s Secret
	require.NoError(t, json.Unmarshal([]byte(`"`+plantedKafkaPass+`"`), &s))
	assert.Equal(t, plantedKafkaPass, s.Reveal())
	require.NoError(t, json.Unmarshal([]byte(`null`), &s))
	assert.True(t, s.IsZero())
	for _, bad := range []string{`{"a":"` + plantedKafkaPass + `"}`, `[1]`, `12`, `true`} {
		err := json.Unmarshal([]byte(bad), &s)
		require.Error(t, err, bad)
		assert.NotContains(t, err.Error(), plantedKafkaPass)
	}
}

// exportedTypes holds a value of every exported type of the package;
// TestExportedTypesAreAllListed keeps the list complete, so a new type
// cannot escape the leak test.
var exportedTypes = []any{
	Secret{}, Optional[Secret]{}, Nullable[string]{}, ProjectKeyStatus(""), ToolProfile(""), ACLOperation(""),
	ACLPatternType(""), ACLResource(""), KafkaACL{}, Role{}, User{}, ProjectKey{}, APICredentials{},
	KafkaCredentials{}, Timestamp{}, CredentialFile{}, ProjectKeyDetail{}, ListProjectKeysOptions{}, UpdateProjectKeyParams{}, KafkaConfig{},
	UpdateProjectKeyResult{}, ProjectKeysService{}, Client{}, Option(nil), APIError{}, FieldError{},
	ValidationError{}, RequestError{}, ConfigError{}, CreateProjectKeyParams{}, CreateOutcomeUnknownError{}, KafkaOutcomeUnknownError{}, ResponseInfo{}, CallOption(nil),
	MCPConfig{}, KeyStateError{}, RefusalError{}, WaitOptions{}, RolesService{}, UnknownRoleError{}, AddKafkaAccessParams{},
	KafkaAccess{}, AddAPIAccessParams{}, APIAccessLostError{}, ToolScoping{}, KafkaPasswordMismatchError{},
}

func TestExportedTypesAreAllListed(t *testing.T) {
	t.Parallel()
	listed := map[string]bool{}
	for _, v := range exportedTypes {
		name := reflect.TypeOf(v).Name()
		if i := strings.IndexByte(name, '['); i >= 0 {
			name = name[:i]
		}
		listed[name] = true
	}
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	var missing []string
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, 0)
		require.NoError(t, err)
		for _, decl := range f.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.TYPE {
				continue
			}
			for _, spec := range gen.Specs {
				if name := spec.(*ast.TypeSpec).Name.Name; ast.IsExported(name) && !listed[name] {
					missing = append(missing, name)
				}
			}
		}
	}
	sort.Strings(missing)
	assert.Empty(t, missing, "add these types to exportedTypes")
}

// plant sets every exported Secret reachable from v to a planted secret,
// allocating pointers, slices and maps on the way; it returns how many it set.
func plant(v reflect.Value, secret string) int {
	if v.Type() == reflect.TypeFor[Secret]() {
		if v.CanSet() {
			v.Set(reflect.ValueOf(NewSecret(secret)))
			return 1
		}
		return 0
	}
	n := 0
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() && v.CanSet() && v.Type().Elem().Kind() == reflect.Struct {
			v.Set(reflect.New(v.Type().Elem()))
		}
		if !v.IsNil() {
			n += plant(v.Elem(), secret)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				n += plant(v.Field(i), secret)
			}
		}
	case reflect.Slice:
		if v.CanSet() && v.Len() == 0 {
			v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		}
		for i := range v.Len() {
			n += plant(v.Index(i), secret)
		}
	}
	return n
}

func TestNoExportedTypeRevealsASecret(t *testing.T) {
	t.Parallel()
	pairs := 0
	holders := 0
	for _, proto := range exportedTypes {
		typ := reflect.TypeOf(proto)
		if typ == nil || typ.Kind() == reflect.Func {
			continue
		}
		v := reflect.New(typ)
		if plant(v.Elem(), plantedClientSecret) > 0 {
			holders++
		}
		pairs += assertNoSecret(t, typ.String(), v.Elem().Interface(), plantedClientSecret)
		pairs += assertNoSecret(t, "*"+typ.String(), v.Interface(), plantedClientSecret)
	}
	assert.GreaterOrEqual(t, holders, 8, "Secret, APICredentials, KafkaCredentials, CredentialFile, UpdateProjectKeyResult, CreateProjectKeyParams, AddKafkaAccessParams, KafkaAccess at least")

	// Types whose secrets sit in unexported fields, built the way callers build them.
	params := UpdateProjectKeyParams{
		KafkaPassword: Value(NewSecret(plantedKafkaPass)),
		KafkaConfig:   Value(KafkaConfig{Username: "usr", Password: NewSecret(plantedKafkaPass)}),
	}
	pairs += assertNoSecret(t, "UpdateProjectKeyParams", params)
	pairs += assertNoSecret(t, "*UpdateProjectKeyParams", &params)
	pairs += assertNoSecret(t, "Optional[Secret]", Value(NewSecret(plantedKafkaPass)))
	pairs += assertNoSecret(t, "Nullable[Secret]", NullableValue(NewSecret(plantedKafkaPass)))

	h := newHarness(t)
	h.on(http.MethodPatch, "/project-keys/pk-1", jsonResponder(200, keyJSON("pk-1")))
	require.NoError(t, update(h.c)) // the client now holds a token too
	pairs += assertNoSecret(t, "*Client", h.c)
	pairs += assertNoSecret(t, "Client", *h.c)
	pairs += assertNoSecret(t, "ProjectKeysService", h.c.ProjectKeys)
	t.Logf("scanned %d (output form, secret) pairs", pairs)
}

func TestLogsNeverCarrySecrets(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := newHarness(t, WithLogger(logger))
	// A 401 (renewal and replay), a 503 (retry), then a result with a secret.
	h.on(http.MethodPatch, "/project-keys/pk-1",
		jsonResponder(401, `{"detail":"Token has expired"}`),
		jsonResponder(429, `{"detail":"slow"}`, "Retry-After", "0"),
		jsonResponder(200, `{"id":"pk-1","new_kafka_credentials":{"password":"`+plantedKafkaPass+`"},"roles":"wrong type"}`, "X-Request-Id", "req-7"))
	res, err := h.c.ProjectKeys.Update(context.Background(), "pk-1", UpdateProjectKeyParams{
		KafkaConfig: Value(KafkaConfig{Username: "usr", Password: NewSecret(plantedKafkaPass)}),
	})
	require.NoError(t, err)
	assert.Equal(t, plantedKafkaPass, res.NewKafkaCredentials.Password.Reveal())

	h.on(http.MethodPatch, "/project-keys/pk-2", jsonResponder(422, `{"detail":[{"loc":["body","kafka_password"],"msg":"weak","input":"`+plantedKafkaPass+`"}]}`))
	_, err = h.c.ProjectKeys.Update(context.Background(), "pk-2", UpdateProjectKeyParams{KafkaPassword: Value(NewSecret(plantedKafkaPass))})
	require.Error(t, err)
	logger.Error("update failed", "err", err)

	text := logs.String()
	for _, s := range plantedSecrets() {
		assert.NotContains(t, text, s)
	}
	// The events are there, with their fields.
	assert.Contains(t, text, `"msg":"streamkap request","method":"PATCH","route":"/project-keys/{project_key_id}"`)
	assert.Contains(t, text, `"msg":"streamkap retry"`)
	assert.Contains(t, text, `"msg":"streamkap done"`)
	assert.Contains(t, text, `"request_id":"req-7"`)
	assert.Contains(t, text, `"msg":"streamkap response field skipped: unexpected type","field":"roles","json_type":"string"`)
	assert.NotContains(t, text, "pk-1", "paths are logged as templates")
}
