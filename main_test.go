package streamkap

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if any test leaves a goroutine behind: a token
// exchange, a retry wait or a connection that outlives its call.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
