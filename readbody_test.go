package streamkap

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBodyBuffersAreWiped: a response body may hold a shown-once secret,
// so every array that held one is zeroed once the SDK is done with it:
// the arrays readBody outgrows, and the buffers given back to the pool,
// small or large.
func TestBodyBuffersAreWiped(t *testing.T) {
	body := strings.Repeat("S", 10_000)
	initial := make([]byte, 0, 16)
	got, err := readBody(strings.NewReader(body), 1<<20, initial, 0)
	require.NoError(t, err)
	assert.Equal(t, body, string(got))
	assert.Equal(t, make([]byte, 16), initial[:16], "the outgrown array is wiped")

	var w clientWire
	for _, size := range []int{len(body), 2 << 20} {
		b := []byte(strings.Repeat("S", size))
		array := b[:cap(b)]
		w.putBuffer(&b)
		assert.Equal(t, -1, bytes.IndexByte(array, 'S'), "a %d-byte buffer given back is wiped", size)
	}
}
