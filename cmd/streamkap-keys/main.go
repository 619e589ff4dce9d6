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
	"syscall"
	"time"

	"github.com/streamkap-go/streamkap"
)

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		if sig, ok := <-signals; ok {
			cancel(&signalError{sig: sig})
		}
	}()
	code := run(ctx, os.Args[1:], &env{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		getenv: os.Getenv, stderrIsTerminal: isTerminal(os.Stderr), interactive: isTerminal(os.Stdin) && isTerminal(os.Stderr),
	})
	signal.Stop(signals)
	os.Exit(code)
}

// signalError is why a run's context ended when a signal stopped it.
type signalError struct{ sig os.Signal }

func (e *signalError) Error() string { return "interrupted by " + signalName(e.sig) }

// exitCode is the shell's convention: 128 and the signal's number (130
// for SIGINT, 143 for SIGTERM).
func (e *signalError) exitCode() int {
	if n, ok := e.sig.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 130
}

func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}

// env is what a run sees of the world, so that tests can run it in process.
type env struct {
	stdin            io.Reader
	stdout, stderr   io.Writer
	getenv           func(string) string
	stderrIsTerminal bool
	// interactive: a person at a terminal, who can answer a confirmation.
	interactive bool
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
	// exitChanges is plan --detailed-exitcode's "something would change".
	exitChanges = 2
)

// errUsage marks a mistake in the command line; nothing was sent.
var errUsage = errors.New("usage")

func usageError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errUsage}, args...)...)
}

// exitCode maps an error to its exit code (the README's table, which
// TestExitCodeTable keeps in step). An unknown outcome comes first: it is
// what a script must act on before anything else; a conflict or refusal
// comes before validation, since the API answers some with a 422.
func exitCode(err error) int {
	var cfgErr *streamkap.ConfigError
	var sig *signalError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &sig):
		return sig.exitCode()
	case errors.Is(err, errChanges):
		return exitChanges
	case errors.Is(err, streamkap.ErrOutcomeUnknown), errors.Is(err, streamkap.ErrSecretLost), errors.Is(err, errSecretRescued):
		return exitOutcomeUnknown
	case errors.Is(err, errUsage), errors.Is(err, flag.ErrHelp), errors.As(err, &cfgErr):
		return exitUsage
	case errors.Is(err, streamkap.ErrNotFound):
		return exitNotFound
	case errors.Is(err, streamkap.ErrKeyNotReady):
		return exitNotReady
	case errors.Is(err, streamkap.ErrRefused), errors.Is(err, streamkap.ErrConflict):
		return exitRefused
	case errors.Is(err, streamkap.ErrValidation):
		return exitValidation
	case errors.Is(err, streamkap.ErrRateLimited):
		return exitRateLimited
	case errors.Is(err, streamkap.ErrUnauthorized), errors.Is(err, streamkap.ErrForbidden):
		return exitUnauthorized
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
	// deliversSecrets: the command hands shown-once secrets to
	// --secrets-dir or --secret-command (apply).
	deliversSecrets bool
	// setup declares the command's own flags; run does the work.
	setup func(fs *flag.FlagSet) body
}

// run runs one command line and returns the exit code.
func run(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 {
		writeHelp(e.stderr) // usage, not data: stdout stays for data
		return exitUsage
	}
	if args[0] == "--version" || args[0] == "-version" {
		args = append([]string{"version"}, args[1:]...)
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 {
			cmd, ok := commandNamed(args[1])
			if !ok {
				fmt.Fprintf(e.stderr, "streamkap-keys: unknown command %q; run \"streamkap-keys help\"\n", args[1])
				return exitUsage
			}
			fs, _ := declareFlags(cmd, &app{env: e})
			printUsage(e.stdout, cmd, fs)
			return exitOK
		}
		writeHelp(e.stdout)
		return exitOK
	}
	cmd, ok := commandNamed(args[0])
	if !ok {
		fmt.Fprintf(e.stderr, "streamkap-keys: unknown command %q; run \"streamkap-keys help\"\n", args[0])
		return exitUsage
	}
	a := &app{env: e}
	fs, body := declareFlags(cmd, a)
	positional, err := parseInterleaved(fs, args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(e.stdout, cmd, fs) // asked for: it is the output
			return exitOK
		}
		printUsage(e.stderr, cmd, fs) // the flag package printed the problem
		return exitUsage
	}
	err = a.check(cmd)
	if err == nil {
		runCtx, cancel := context.WithTimeout(ctx, a.timeout)
		defer cancel()
		err = body(runCtx, a, positional)
	}
	var sig *signalError
	if errors.As(context.Cause(ctx), &sig) {
		what := "nothing was sent, or every write that was sent is reported above"
		if errors.Is(err, streamkap.ErrOutcomeUnknown) {
			what = "a write may have been sent and applied: read the key back"
		}
		fmt.Fprintf(e.stderr, "streamkap-keys %s: %v; %s\n", cmd.name, sig, what)
		if err != nil {
			fmt.Fprintf(e.stderr, "streamkap-keys %s: %s\n", cmd.name, diagnostic(err))
		}
		return sig.exitCode()
	}
	if err != nil && !errors.Is(err, errChanges) {
		fmt.Fprintf(e.stderr, "streamkap-keys %s: %s\n", cmd.name, diagnostic(err))
	}
	return exitCode(err)
}

// diagnostic is an error as stderr shows it: one line, terminal-safe
// (the SDK's errors are already; a spec file's or a command's may quote
// anything).
func diagnostic(err error) string {
	return streamkap.SafeCell(strings.TrimPrefix(err.Error(), "streamkap: "))
}

// declareFlags makes a command's flag set with its flags declared; its
// errors go to stderr, and usage is printed by the caller.
func declareFlags(cmd command, a *app) (*flag.FlagSet, body) {
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	fs.Usage = func() {}
	a.common(fs, cmd.receivesSecret || cmd.mayReceiveSecret)
	if cmd.receivesSecret || cmd.mayReceiveSecret || cmd.deliversSecrets {
		a.declareSecretCommand(fs)
	}
	return fs, cmd.setup(fs)
}

// printUsage writes a command's usage, example and flags.
func printUsage(out io.Writer, cmd command, fs *flag.FlagSet) {
	fmt.Fprintf(out, "Usage: streamkap-keys %s [flags] %s\n\n%s\n\nExample:\n  %s\n\nFlags:\n", cmd.name, cmd.args, cmd.summary, cmd.example)
	fs.SetOutput(out)
	fs.PrintDefaults()
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
	secretCommand        string
	secretFormat         string
	namespace            string

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
	opts := []streamkap.Option{streamkap.WithUserAgent("streamkap-keys/" + streamkap.Version), streamkap.WithLogger(warningLogger(a.stderr))}
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
		if err := checkCredentialFile(a.credentialFile); err != nil {
			return nil, err
		}
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

// checkCredentialFile proves, before anything is sent, that --credential-file
// is a regular file holding API credentials (the SDK reads it again, and
// warns if others can read it). Every problem is a usage error.
func checkCredentialFile(path string) error {
	if path == "-" {
		return usageError("--credential-file takes a file, not stdin")
	}
	file, err := readCredentialFile(context.Background(), nil, path, "--credential-file")
	if err != nil {
		return err
	}
	if file.API == nil || file.API.ClientID == "" || file.API.ClientSecret.IsZero() {
		return usageError("--credential-file %s has no API credentials (a Kafka-only key cannot call the API)", path)
	}
	return nil
}

// confirm asks the person at the terminal to confirm a deletion, unless
// --yes said so already; scripts (no terminal) are not asked.
func (a *app) confirm(yes bool, what string) error {
	if yes || !a.interactive {
		return nil
	}
	fmt.Fprintf(a.stderr, "%s? [y/N] ", streamkap.SafeCell(what))
	answer, _ := readLine(a.stdin)
	if a := strings.ToLower(strings.TrimSpace(answer)); a == "y" || a == "yes" {
		return nil
	}
	return usageError("not confirmed (pass --yes to skip the question); nothing was sent")
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
