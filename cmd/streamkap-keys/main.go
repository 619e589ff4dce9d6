// Command streamkap-keys manages Streamkap Project Keys from a shell: list,
// get, create, update and delete keys, add Kafka or API access, rotate a
// Kafka password, change roles and tool scoping, and plan or apply a
// declarative description of many keys. It is built on the streamkap SDK,
// so its guarantees reach scripts: safe retries, typed errors (one exit
// code per kind), and no secret printed unless asked.
//
// Usage:
//
//	streamkap-keys <command> [flags] [arguments]
//
// Run "streamkap-keys help" for the commands, "streamkap-keys <command>
// --help" for one, and see the README section "Command line".
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/streamkap-go/streamkap"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], &env{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		getenv: os.Getenv, stderrIsTerminal: isTerminal(os.Stderr),
	})
	stop()
	os.Exit(code)
}

// env is what a run sees of the world, so that tests can run it in process.
type env struct {
	stdin            io.Reader
	stdout, stderr   io.Writer
	getenv           func(string) string
	stderrIsTerminal bool
}

// isTerminal reports whether f is a terminal (a character device).
func isTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// Exit codes, one per kind of failure (README, "Command line").
const (
	exitOK             = 0
	exitOther          = 1
	exitUsage          = 2
	exitNotFound       = 3
	exitValidation     = 4
	exitRefused        = 5
	exitNotReady       = 6
	exitRateLimited    = 7
	exitUnauthorized   = 8
	exitOutcomeUnknown = 9
)

// errUsage marks a mistake in the command line; nothing was sent.
var errUsage = errors.New("usage")

func usageError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errUsage}, args...)...)
}

// exitCode maps an error to its exit code. An unknown outcome comes first:
// it is what a script must act on before anything else.
func exitCode(err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, streamkap.ErrOutcomeUnknown), errors.Is(err, streamkap.ErrSecretLost), errors.Is(err, errSecretRescued):
		return exitOutcomeUnknown
	case errors.Is(err, errUsage), errors.Is(err, flag.ErrHelp):
		return exitUsage
	case errors.Is(err, streamkap.ErrNotFound):
		return exitNotFound
	case errors.Is(err, streamkap.ErrValidation):
		return exitValidation
	case errors.Is(err, streamkap.ErrKeyNotReady):
		return exitNotReady
	case errors.Is(err, streamkap.ErrRefused), errors.Is(err, streamkap.ErrConflict):
		return exitRefused
	case errors.Is(err, streamkap.ErrRateLimited):
		return exitRateLimited
	case errors.Is(err, streamkap.ErrUnauthorized), errors.Is(err, streamkap.ErrForbidden):
		return exitUnauthorized
	}
	var cfgErr *streamkap.ConfigError
	if errors.As(err, &cfgErr) {
		return exitUsage
	}
	return exitOther
}

// command is one subcommand.
type command struct {
	name    string
	args    string // the positional arguments, for the usage line
	summary string
	example string
	// receivesSecret: the command obtains a shown-once secret and needs
	// --out (and --reveal for --out -). mayReceiveSecret: it takes the same
	// flags, and needs them only when it turns out to receive one.
	receivesSecret, mayReceiveSecret bool
	// setup declares the command's own flags; run does the work.
	setup func(fs *flag.FlagSet) body
}

// run runs one command line and returns the exit code.
func run(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 {
			if cmd, ok := commandNamed(args[1]); ok {
				newFlagSet(cmd, e.stdout).Usage()
				return exitOK
			}
		}
		writeHelp(e.stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	cmd, ok := commandNamed(args[0])
	if !ok {
		fmt.Fprintf(e.stderr, "streamkap-keys: unknown command %q; run \"streamkap-keys help\"\n", args[0])
		return exitUsage
	}
	fs := newFlagSet(cmd, e.stderr)
	a := &app{env: e}
	a.common(fs, cmd.receivesSecret || cmd.mayReceiveSecret)
	body := cmd.setup(fs)
	positional, err := parseInterleaved(fs, args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK // -h printed the usage, to stderr
		}
		return exitUsage // the flag package printed the problem
	}
	err = a.check(cmd)
	if err == nil {
		ctx, cancel := context.WithTimeout(ctx, a.timeout)
		defer cancel()
		err = body(ctx, a, positional)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "streamkap-keys %s: %v\n", cmd.name, strings.TrimPrefix(err.Error(), "streamkap: "))
	}
	return exitCode(err)
}

// parseInterleaved parses flags before and after the positional
// arguments ("get pk-1 -o json"); "--" ends the flags.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), nil // after "--", everything is an argument
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// newFlagSet makes a command's flag set, whose usage writes to out.
func newFlagSet(cmd command, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: streamkap-keys %s [flags] %s\n\n%s\n\nExample:\n  %s\n\nFlags:\n", cmd.name, cmd.args, cmd.summary, cmd.example)
		fs.PrintDefaults()
	}
	return fs
}

func commandNamed(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func writeHelp(w io.Writer) {
	fmt.Fprintf(w, "streamkap-keys manages Streamkap Project Keys.\n\nUsage: streamkap-keys <command> [flags] [arguments]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-22s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nAuthentication: %s and %s (and %s for another address), or --credential-file.\n",
		streamkap.EnvClientID, streamkap.EnvSecret, streamkap.EnvHost)
	fmt.Fprintf(w, "Output: a table, or -o json. Secrets are never printed unless --out - --reveal.\n")
	fmt.Fprintf(w, "Run \"streamkap-keys <command> --help\" for a command's flags and an example.\n")
}

// app is one command's run: its common flags and its client.
type app struct {
	*env
	host, credentialFile string
	output               string
	quiet                bool
	timeout              time.Duration
	out                  string
	reveal, force        bool

	client *streamkap.Client
}

// common declares the flags every command takes.
func (a *app) common(fs *flag.FlagSet, secretFlags bool) {
	fs.StringVar(&a.host, "host", "", "the API's address (default $"+streamkap.EnvHost+", or "+streamkap.DefaultBaseURL+")")
	fs.StringVar(&a.credentialFile, "credential-file", "", "authenticate with a Project Key credential file instead of $"+streamkap.EnvClientID+"/$"+streamkap.EnvSecret)
	fs.StringVar(&a.output, "o", "table", "output format: table or json")
	fs.BoolVar(&a.quiet, "quiet", false, "no progress on stderr")
	fs.DurationVar(&a.timeout, "timeout", 5*time.Minute, "give up after this long")
	if secretFlags {
		fs.StringVar(&a.out, "out", "", "write the shown-once secret to this file (mode 0600), or to stdout with \"-\" and --reveal")
		fs.BoolVar(&a.reveal, "reveal", false, "with --out -, print the secret to stdout")
		fs.BoolVar(&a.force, "force", false, "with --out FILE, overwrite an existing file")
	}
}

// check validates the common flags before anything is sent.
func (a *app) check(cmd command) error {
	if a.output != "table" && a.output != "json" {
		return usageError("-o must be table or json, not %q", a.output)
	}
	if a.timeout <= 0 {
		return usageError("--timeout must be positive")
	}
	if cmd.receivesSecret {
		return a.requireOut(cmd.name + " receives a secret")
	}
	return nil
}

// api returns the client, built from the flags and the environment on first use.
func (a *app) api() (*streamkap.Client, error) {
	if a.client != nil {
		return a.client, nil
	}
	opts := []streamkap.Option{streamkap.WithUserAgent("streamkap-keys/" + streamkap.Version)}
	host := a.host
	if host == "" {
		host = a.getenv(streamkap.EnvHost)
	}
	if host != "" {
		opts = append(opts, streamkap.WithBaseURL(host))
	}
	id, secret := a.getenv(streamkap.EnvClientID), a.getenv(streamkap.EnvSecret)
	switch {
	case a.credentialFile != "":
		opts = append(opts, streamkap.WithCredentialFile(a.credentialFile))
	case id != "" && secret != "":
		opts = append(opts, streamkap.WithClientCredentials(id, secret))
	case id != "" || secret != "":
		set, missing := streamkap.EnvClientID, streamkap.EnvSecret
		if id == "" {
			set, missing = missing, set
		}
		return nil, usageError("%s is set but %s is not: set both, or use --credential-file", set, missing)
	default:
		return nil, usageError("no credentials: set %s and %s, or pass --credential-file", streamkap.EnvClientID, streamkap.EnvSecret)
	}
	client, err := streamkap.NewClient(opts...)
	if err != nil {
		return nil, err
	}
	a.client = client
	return client, nil
}

// progress writes a progress line on stderr when it is a terminal.
func (a *app) progress(format string, args ...any) {
	if a.quiet || !a.stderrIsTerminal {
		return
	}
	fmt.Fprintf(a.stderr, "\r"+format, args...)
}

// progressDone ends a progress line.
func (a *app) progressDone() {
	if !a.quiet && a.stderrIsTerminal {
		fmt.Fprintln(a.stderr)
	}
}
