//go:build !unix

package declarative

import "os/exec"

// killGroup leaves exec's default, which kills the command itself.
func killGroup(*exec.Cmd) {}
