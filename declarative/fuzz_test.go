package declarative_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/streamkap-go/streamkap/declarative"
)

// FuzzLoadSpecs: any file is loaded or refused, never half-loaded, and
// what loads marshals and loads again the same.
func FuzzLoadSpecs(f *testing.F) {
	for _, s := range []string{specFile(2), `[{"name":"a","kafka":{"username":"abc"}}]`, `{"keys":[`, `[][]`,
		`[{"name":"a","api":{"roles":["Admin"]},"api":null}]`, `[{"name":"a","tools":{"profile":null,"allowed":[]}}]`, "\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		specs, err := declarative.LoadSpecs(bytes.NewReader(data))
		if err != nil {
			var loadErr *declarative.LoadError
			if !errorsAs(err, &loadErr) {
				t.Fatalf("not a LoadError: %v", err)
			}
			if specs != nil {
				t.Fatal("specs and an error")
			}
			if len(err.Error()) > 64<<10 {
				t.Fatalf("an error of %d bytes", len(err.Error()))
			}
			return
		}
		out, err := json.Marshal(specs)
		require.NoError(t, err)
		again, err := declarative.LoadSpecs(bytes.NewReader(out))
		require.NoError(t, err, "%s", out)
		require.Equal(t, specs, again)
	})
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
