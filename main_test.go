package streamkap

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if any test leaves a goroutine behind: a token
// exchange, a retry wait or a connection that outlives its call. Started
// with benchChildEnv set, the test binary is instead the benchmark server
// of BenchmarkOutOfProcess, in a process of its own.
func TestMain(m *testing.M) {
	if os.Getenv(benchChildEnv) != "" {
		os.Exit(serveBenchmarks())
	}
	goleak.VerifyTestMain(m)
}
