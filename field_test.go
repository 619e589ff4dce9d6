package streamkap

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOptionalAndNullableThroughJSON(t *testing.T) {
	t.Parallel()
	var v struct {
		A Optional[[]string] `json:"a,omitzero"`
		B Nullable[string]   `json:"b,omitzero"`
		C Nullable[string]   `json:"c,omitzero"`
		D Optional[int]      `json:"d,omitzero"`
		E Nullable[[]string] `json:"e,omitzero"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"a":[],"b":null,"c":"x","d":null}`), &v))
	a, ok := v.A.Get()
	assert.True(t, ok)
	assert.Equal(t, []string{}, a)
	assert.True(t, v.B.IsNull())
	c, ok := v.C.Get()
	assert.True(t, ok)
	assert.Equal(t, "x", c)
	assert.False(t, v.D.IsSet(), "an Optional cannot be null: null leaves it unset")
	assert.False(t, v.E.IsSet(), "absent stays unset")
	out, err := json.Marshal(v)
	require.NoError(t, err)
	assert.JSONEq(t, `{"a":[],"b":null,"c":"x"}`, string(out), "a round trip keeps the three states")
	assert.Error(t, json.Unmarshal([]byte(`{"c":7}`), &v))
}
