package streamkaptest

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a server or a fault leaves a goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
