//go:build !unix

package streamkap_test

import "time"

// processCPU is not measured here: cpu-ns/op reports 0.
func processCPU() time.Duration { return 0 }
