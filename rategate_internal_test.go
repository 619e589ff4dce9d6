package streamkap

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAnOpenRateGateCostsNoAllocation: the gate sits on every attempt, so
// when no 429 is pending (never closed, or its wait over) passing it must
// not allocate.
func TestAnOpenRateGateCostsNoAllocation(t *testing.T) {
	ctx := context.Background()
	var g rateGate
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = g.wait(ctx) }), "never closed")

	g.closeUntil(time.Now().Add(-time.Millisecond))
	require.NoError(t, g.wait(ctx))
	assert.Zero(t, g.until.Load(), "a wait that is over opens the gate")
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = g.wait(ctx) }), "reopened")
}

// TestARateGateKeepsTheLatestWait: a shorter Retry-After met later does
// not shorten a wait the gate already keeps.
func TestARateGateKeepsTheLatestWait(t *testing.T) {
	var g rateGate
	later := time.Now().Add(time.Hour)
	g.closeUntil(later)
	g.closeUntil(time.Now().Add(time.Minute))
	assert.Equal(t, later.UnixNano(), g.until.Load())
}
