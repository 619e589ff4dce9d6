package declarative

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/streamkap-go/streamkap"
)

// ExecSink delivers each secret to a command: a secret store's CLI
// (vault, aws secretsmanager, op, kubectl), or a script. For each secret
// it runs Command with the secret's document (see [ShownOnceSecret.RevealJSON],
// or Render's) on its standard input, and only there: never in its
// arguments or environment. The command's exit status decides: 0 is
// stored; anything else, a timeout or a cancelled context is a failure,
// and Apply hands the secret back in a [*SinkError].
//
// The command's environment is the process's, less the SDK's own
// credentials (STREAMKAP_CLIENT_ID and STREAMKAP_SECRET), plus:
//
//	STREAMKAP_KEY_ID            the key's id (empty for an unconfirmed create)
//	STREAMKAP_KEY_NAME          the key's name
//	STREAMKAP_SECRET_KIND       credential_file (a created key), api or kafka (added access)
//	STREAMKAP_SECRET_FILE_NAME  the one-to-one file name DirSink would use
//
// so that one command line serves a fleet. On failure the error quotes at
// most the last 200 bytes of the command's stderr, with the secret
// redacted (a command may echo its input) and control characters escaped.
// On timeout or cancellation the command and every process it started
// (its process group, on Unix) are killed.
type ExecSink struct {
	// Command is the program and its arguments, run directly (no shell;
	// use []string{"sh", "-c", "..."} for one).
	Command []string
	// Timeout bounds each run (default DefaultExecTimeout).
	Timeout time.Duration
	// Render, when set, makes the document written to stdin (for example
	// a Kubernetes Secret, with [KubernetesSecret.Render]); by default it is
	// [ShownOnceSecret.RevealJSON].
	Render func(ShownOnceSecret) ([]byte, error)
}

// DefaultExecTimeout bounds one run of an ExecSink's command.
const DefaultExecTimeout = 30 * time.Second

// maxStderrTail is how much of a failed command's stderr an error quotes.
const maxStderrTail = 200

// Environment variables an ExecSink's command receives.
const (
	EnvKeyID          = "STREAMKAP_KEY_ID"
	EnvKeyName        = "STREAMKAP_KEY_NAME"
	EnvSecretKind     = "STREAMKAP_SECRET_KIND"
	EnvSecretFileName = "STREAMKAP_SECRET_FILE_NAME"
)

// Store runs the command for s.
func (e *ExecSink) Store(ctx context.Context, s ShownOnceSecret) error {
	if len(e.Command) == 0 || e.Command[0] == "" {
		return errors.New("declarative: ExecSink has no command")
	}
	render := e.Render
	if render == nil {
		render = ShownOnceSecret.RevealJSON
	}
	doc, err := render(s)
	if err != nil {
		return fmt.Errorf("declarative: rendering the secret of key %q: %w", s.KeyName, err)
	}
	defer clear(doc)
	timeout := e.Timeout
	if timeout <= 0 {
		timeout = DefaultExecTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	cmd := exec.CommandContext(ctx, e.Command[0], e.Command[1:]...)
	cmd.Env = execEnv(s)
	cmd.Stdin = bytes.NewReader(doc)
	stderr := &tailBuffer{limit: 4 << 10}
	cmd.Stderr = stderr
	cmd.Stdout = stderr // a store's CLI may print what it stored: kept out of the terminal
	killGroup(cmd)
	// A process that outlives the command and keeps its pipes open must
	// not hold the sink past the kill.
	cmd.WaitDelay = time.Second
	runErr := cmd.Run()
	if runErr == nil {
		return nil
	}
	if ctx.Err() != nil {
		runErr = fmt.Errorf("%w (killed: %w)", runErr, context.Cause(ctx))
	}
	tail := streamkap.SafeText(stderr.tail(maxStderrTail), s.secrets()...)
	if tail != "" {
		return fmt.Errorf("declarative: %s for key %q: %w; stderr: %s", e.Command[0], s.KeyName, runErr, tail)
	}
	return fmt.Errorf("declarative: %s for key %q: %w", e.Command[0], s.KeyName, runErr)
}

// execEnv is the command's environment: the process's, without the SDK's
// credentials, with the secret's identity.
func execEnv(s ShownOnceSecret) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case streamkap.EnvClientID, streamkap.EnvSecret, EnvKeyID, EnvKeyName, EnvSecretKind, EnvSecretFileName:
			continue
		}
		env = append(env, kv)
	}
	return append(env, EnvKeyID+"="+s.KeyID, EnvKeyName+"="+s.KeyName, EnvSecretKind+"="+s.Kind(),
		EnvSecretFileName+"="+SecretFileName(s))
}

// tailBuffer keeps the last limit bytes written to it.
type tailBuffer struct {
	limit int
	buf   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.limit; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

// tail is the last n runes, roughly: the last n bytes, cut at a rune start.
func (t *tailBuffer) tail(n int) string {
	b := bytes.TrimSpace(t.buf)
	if len(b) > n {
		b = b[len(b)-n:]
		for len(b) > 0 && b[0]&0xC0 == 0x80 {
			b = b[1:]
		}
	}
	return string(b)
}

// Chain delivers each secret to sinks in order (a secret store, then a
// local 0600 backup, say) and stops at the first that fails: Apply then
// hands the secret back in a [*SinkError], whose error names the sink
// that failed and how many had stored it already.
func Chain(sinks ...SecretSink) SecretSink {
	return SinkFunc(func(ctx context.Context, s ShownOnceSecret) error {
		for i, sink := range sinks {
			if err := sink.Store(ctx, s); err != nil {
				return fmt.Errorf("declarative: sink %d of %d failed (%d stored the secret before it): %w", i+1, len(sinks), i, err)
			}
		}
		return nil
	})
}
