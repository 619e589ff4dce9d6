package main

import (
	"bytes"
	"errors"
	"flag"
	"slices"
	"strings"
	"testing"
)

// FuzzArguments: any command line is parsed, or refused as usage,
// without a panic; flags parse the same wherever they stand.
func FuzzArguments(f *testing.F) {
	for _, s := range []string{"get\x00pk-1\x00-o\x00json", "update\x00pk-1\x00--name\x00x\x00--clear-description", "apply\x00-f\x00-\x00--prune",
		"create\x00--acl\x00a:b:c:d:e", "list\x00--\x00-o", "plan\x00-f", "set-tools\x00--profile=\x00--clear-profile", "\x00\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Split(line, "\x00")
		cmd, ok := commandNamed(args[0])
		if !ok {
			return
		}
		var stdout, stderr bytes.Buffer
		a := &app{env: &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}}
		fs, _ := declareFlags(cmd, a)
		positional, err := parseInterleaved(fs, args[1:])
		if err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return
			}
			if stderr.Len() == 0 {
				t.Fatalf("refused %q without saying why", args)
			}
			return
		}
		for _, p := range positional {
			if strings.HasPrefix(p, "-") && p != "-" && !slices.Contains(args, "--") {
				t.Fatalf("%q: the flag-like %q was taken as an argument", args, p)
			}
		}
		if cmd.receivesSecret {
			return // checking --out writes a probe file: not with fuzzed paths
		}
		if err := a.check(cmd); err != nil && exitCode(err) != exitUsage {
			t.Fatalf("%q: a flag problem that is not usage: %v", args, err)
		}
	})
}
