package streamkaptest

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestREADMEExampleIsTheCompiledOne keeps the README's "Testing your code"
// example identical to readme_example_test.go, which go test compiles and runs.
func TestREADMEExampleIsTheCompiledOne(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	section := string(readme)
	i := strings.Index(section, "## Testing your code")
	require.GreaterOrEqual(t, i, 0, "README has a Testing your code section")
	section = section[i:]
	start := strings.Index(section, "```go\n")
	require.GreaterOrEqual(t, start, 0)
	section = section[start+len("```go\n"):]
	block := section[:strings.Index(section, "```")]

	file, err := os.ReadFile("readme_example_test.go")
	require.NoError(t, err)
	code := string(file)
	code = code[strings.Index(code, "\n")+1:] // without the package clause
	assert.Equal(t, strings.TrimSpace(code), strings.TrimSpace(block))
}
