package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/streamkap-go/streamkap"
)

// maxInputBytes bounds what the CLI reads from a file or stdin (the spec
// loader's own limit).
const maxInputBytes = 16 << 20

// readInput reads a file the command was given, or stdin for "-", under
// ctx (the command's timeout): only a regular file is read (a FIFO or a
// device could block or never end; it is opened without blocking and
// refused), and no more than limit bytes.
func readInput(ctx context.Context, stdin io.Reader, path string, limit int64) ([]byte, error) {
	if path == "-" {
		return readWithin(ctx, stdin, limit)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|openNonBlocking, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s)", path, info.Mode().Type())
	}
	return readWithin(ctx, f, limit)
}

// readWithin reads r to its end, at most limit bytes, giving up when ctx
// ends (the read itself then finishes in the background; the process is
// about to exit).
func readWithin(ctx context.Context, r io.Reader, limit int64) ([]byte, error) {
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		data, err := io.ReadAll(io.LimitReader(r, limit+1))
		done <- result{data, err}
	}()
	select {
	case res := <-done:
		if res.err == nil && int64(len(res.data)) > limit {
			return nil, fmt.Errorf("more than %d bytes", limit)
		}
		return res.data, res.err
	case <-ctx.Done():
		return nil, errors.Join(errors.New("reading the input took too long"), context.Cause(ctx))
	}
}

// readCredentialFile reads and parses a credential file the command was
// given (what names it in messages); every problem is a usage error.
func readCredentialFile(ctx context.Context, stdin io.Reader, path, what string) (*streamkap.CredentialFile, error) {
	data, err := readInput(ctx, stdin, path, maxInputBytes)
	if err != nil {
		return nil, usageError("%s: %v", what, err)
	}
	defer clear(data)
	file, err := streamkap.ParseCredentialFile(data)
	if err != nil {
		return nil, usageError("%s %s: %v", what, path, err)
	}
	return file, nil
}
