package declarative_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/streamkap-go/streamkap/declarative"
)

func TestLoadSpecsIsStrict(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct{ file, want string }{
		"truncated":                 {"{\"keys\":[\n{\"name\":\"a\",\"kafka\":{\"username\":\"abc\"}}", "keys (line 2, column 40): the file ends here"},
		"truncated inside a string": {`[{"name":"a`, "the file ends here"},
		"empty":                     {"  \n", "the file is empty"},
		"two lists":                 {`[][]`, "more after the end of the specs"},
		"a list and garbage":        {"[]\nnot json", "the file (line 2, column 1): more after the end of the specs"},
		"a list and an object":      {`[] {"keys":[]}`, "more after the end"},
		"an object and more":        {`{"keys":[]} []`, "more after the end"},
		"duplicate api":             {`[{"name":"a","api":{"roles":["Admin"]},"api":{"roles":["Read Only"]}}]`, `keys[0] (line 1, column 40): duplicate member "api"`},
		"duplicate name":            {`[{"name":"a","name":"b","kafka":{"username":"abc"}}]`, `duplicate member "name"`},
		"case variant":              {`[{"name":"a","Name":"b","kafka":{"username":"abc"}}]`, `unknown member "Name" (members match case-sensitively: did you mean "name"?)`},
		"kafka case variant":        {`[{"name":"a","kafka":{"username":"abc","USERNAME":"evil"}}]`, `keys[0].kafka (line 1, column 40): unknown member "USERNAME"`},
		"invalid UTF-8":             {"[{\"name\":\"k\xffey\",\"kafka\":{\"username\":\"abc\"}}]", "the file (line 1, column 12): invalid UTF-8"},
		"a number for a name":       {`[{"name":5,"kafka":{"username":"abc"}}]`, `keys[0].name (line 1, column 10): want a string, not the number 5`},
		"an object for a list":      {`[{"name":"a","api":{"roles":{"x":1}}}]`, `keys[0].api.roles (line 1, column 29): want a list of strings, not an object`},
		"null for a name":           {`[{"name":null,"kafka":{"username":"abc"}}]`, `keys[0].name (line 1, column 10): want a string, not null`},
		"a string for the file":     {`"keys"`, `the file must be a list of specs`},
	} {
		_, err := declarative.LoadSpecs(strings.NewReader(tc.file))
		var loadErr *declarative.LoadError
		require.ErrorAs(t, err, &loadErr, name)
		assert.Contains(t, err.Error(), tc.want, name)
		assert.NotContains(t, err.Error(), "Go struct", name)
		assert.NotContains(t, err.Error(), "EOF", name)
	}
}

func TestLoadSpecsErrorsAreBounded(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("[")
	for i := range 500 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"name":"k%d","bogus":1}`, i)
	}
	b.WriteString("]")
	_, err := declarative.LoadSpecs(strings.NewReader(b.String()))
	var loadErr *declarative.LoadError
	require.ErrorAs(t, err, &loadErr)
	assert.Len(t, loadErr.Problems, 51)
	assert.Equal(t, "and 450 more problems", loadErr.Problems[50])

	huge := strings.Repeat("x", 10<<20)
	file := `[{"name":"` + huge + `","kafka":{"username":"abc"}},{"name":"` + huge + `","kafka":{"username":"abc"}}]`
	_, err = declarative.LoadSpecs(strings.NewReader(file))
	require.Error(t, err)
	assert.Less(t, len(err.Error()), 4096, "a 10 MiB name is not echoed back")
}

func TestLoadSpecsRoundTrip(t *testing.T) {
	t.Parallel()
	specs, err := declarative.LoadSpecs(strings.NewReader(specFile(3)))
	require.NoError(t, err)
	again := roundTrip(t, specs)
	assert.Equal(t, specs, again)
}

func roundTrip(t testing.TB, specs []declarative.KeySpec) []declarative.KeySpec {
	data, err := jsonMarshal(specs)
	require.NoError(t, err)
	again, err := declarative.LoadSpecs(bytes.NewReader(data))
	require.NoError(t, err, "%s", data)
	return again
}

// specFile is a spec file of n specs, each on its own lines.
func specFile(n int) string {
	var b strings.Builder
	b.WriteString("{\"keys\": [\n")
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `  {"name": "key-%07d", "description": "Nightly loads, part %d",
   "api": {"roles": ["Data Admin", "Read Only"]},
   "kafka": {"username": "k%07d", "acls": [{"topic": "orders.", "operation": "READ", "pattern": "PREFIXED"}, {"topic": "audit", "operation": "WRITE", "pattern": "LITERAL"}],
             "whitelist_ips": ["10.0.0.0/8", "192.168.1.7"]},
   "tools": {"profile": "read-only", "allowed": null, "blocked": ["delete_pipeline"]}}`, i, i, i)
	}
	b.WriteString("\n]}\n")
	return b.String()
}

// BenchmarkLoadSpecs loads spec files of 2 and 16 MiB: the time per MiB
// stays the same (linear), and 16 MiB loads in well under 2 s.
func BenchmarkLoadSpecs(b *testing.B) {
	for _, mib := range []int{2, 16} {
		one := len(specFile(1))
		file := []byte(specFile(mib << 20 / one * 95 / 100))
		b.Run(fmt.Sprintf("%dMiB", mib), func(b *testing.B) {
			b.SetBytes(int64(len(file)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := declarative.LoadSpecs(bytes.NewReader(file)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
