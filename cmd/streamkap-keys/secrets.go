package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/declarative"
)

// errSecretRescued marks a run whose shown-once secret could not be
// written where asked and went to a fallback file instead (exit 9: the
// script must look at stderr before anything else).
var errSecretRescued = errors.New("the shown-once secret was kept in a fallback file")

// declareSecretCommand declares the flags that deliver secrets to a command.
func (a *app) declareSecretCommand(fs *flag.FlagSet) {
	fs.StringVar(&a.secretCommand, "secret-command", "", "run this command (through sh -c) for each shown-once secret, the secret on its stdin only")
	fs.StringVar(&a.secretFormat, "secret-format", "json", "what --secret-command gets on stdin: json (the credential file) or kubernetes (a v1 Secret manifest)")
	fs.StringVar(&a.namespace, "namespace", "", "with --secret-format kubernetes, the Secret's namespace")
}

// requireOut refuses, before anything is sent, a command that would
// receive a secret and has nowhere to put it. It proves the destination:
// --secret-command names a program that exists; --out is a regular file
// (or none yet) in a directory where a file of mode 0600 can be written.
func (a *app) requireOut(why string) error {
	if a.secretCommand != "" {
		if a.out != "" {
			return usageError("--out and --secret-command together: give one; nothing was sent")
		}
		return a.checkSecretCommand()
	}
	switch {
	case a.out == "":
		return usageError("%s shown once: give --out FILE (written with mode 0600), --out - --reveal, or --secret-command CMD; nothing was sent", why)
	case a.out == "-":
		if !a.reveal {
			return usageError("--out - prints the secret to stdout: add --reveal to confirm; nothing was sent")
		}
		return nil
	}
	info, err := os.Lstat(a.out)
	switch {
	case err == nil && !info.Mode().IsRegular():
		return usageError("--out %s is not a regular file (%s): give a file path, or - with --reveal; nothing was sent", a.out, info.Mode().Type())
	case err == nil && !a.force:
		return usageError("%s exists: add --force to overwrite it; nothing was sent", a.out)
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return usageError("--out: %v; nothing was sent", err)
	}
	if err := probeDir(filepath.Dir(a.out)); err != nil {
		return usageError("--out %s cannot be written: %v; nothing was sent", a.out, err)
	}
	return nil
}

// shellBuiltins may start a --secret-command without being a program.
var shellBuiltins = map[string]bool{"exec": true, "command": true, "cd": true, ".": true, ":": true, "true": true, "eval": true,
	"printf": true, "echo": true, "read": true, "set": true, "export": true, "test": true, "[": true, "umask": true, "{": true, "(": true}

// checkSecretCommand proves, before anything is sent, that --secret-command
// can run: sh exists, the format is known, and the command's first word
// (after any VAR=value) is a shell builtin or an executable program.
func (a *app) checkSecretCommand() error {
	if a.secretFormat != "json" && a.secretFormat != "kubernetes" {
		return usageError("--secret-format must be json or kubernetes, not %q; nothing was sent", a.secretFormat)
	}
	if _, err := exec.LookPath("sh"); err != nil {
		return usageError("--secret-command runs through sh, which is not here: %v; nothing was sent", err)
	}
	for _, word := range strings.Fields(a.secretCommand) {
		if name, _, isAssignment := strings.Cut(word, "="); isAssignment && name != "" && !strings.ContainsAny(name, `/$"'`) {
			continue
		}
		if shellBuiltins[word] || strings.ContainsAny(word, "$`\"'") {
			return nil // a builtin, or a word only the shell can resolve
		}
		if _, err := exec.LookPath(word); err != nil {
			return usageError("--secret-command: %v; nothing was sent", err)
		}
		return nil
	}
	return usageError("--secret-command is empty; nothing was sent")
}

// secretSink is the ExecSink --secret-command describes.
func (a *app) secretSink() *declarative.ExecSink {
	sink := &declarative.ExecSink{Command: []string{"sh", "-c", a.secretCommand}}
	if a.secretFormat == "kubernetes" {
		sink.Render = declarative.KubernetesSecret{Namespace: a.namespace}.Render
	}
	return sink
}

// applySink is apply's secret sink: --secret-command, then --secrets-dir
// (as a backup when both are given), each proven before anything is sent;
// nil when neither is given.
func (a *app) applySink(secretsDir string, dryRun bool) (declarative.SecretSink, error) {
	var sinks []declarative.SecretSink
	if a.secretCommand != "" {
		if err := a.checkSecretCommand(); err != nil && !dryRun {
			return nil, err
		}
		sinks = append(sinks, a.secretSink())
	}
	if secretsDir != "" {
		if !dryRun {
			if err := prepareSecretsDir(secretsDir); err != nil {
				return nil, err
			}
		}
		sinks = append(sinks, declarative.DirSink(secretsDir))
	}
	switch len(sinks) {
	case 0:
		return nil, nil
	case 1:
		return sinks[0], nil
	}
	return declarative.Chain(sinks...), nil
}

// probeDir proves that a file of mode 0600 can be created in dir.
func probeDir(dir string) error {
	probe, err := os.CreateTemp(dir, ".streamkap-keys-probe-*")
	if err != nil {
		return err
	}
	name := probe.Name()
	err = errors.Join(probe.Chmod(0o600), probe.Close())
	return errors.Join(err, os.Remove(name))
}

// writeSecret delivers a shown-once secret: to --secret-command, to --out
// (mode 0600, atomically), or to stdout with --out - --reveal, and returns
// where it went. The destination was proven before the request; a file
// that appeared at --out since is replaced. When delivery still fails, the
// secret goes to a fallback file, which stderr names with the key's id,
// and the error matches errSecretRescued.
func (a *app) writeSecret(ctx context.Context, s declarative.ShownOnceSecret) (string, error) {
	file := s.File()
	switch {
	case a.secretCommand != "":
		// The secret must be kept even if the command's own time ran out.
		if err := a.secretSink().Store(context.WithoutCancel(ctx), s); err != nil {
			return "", a.keepSecret(file, "", err)
		}
		return "--secret-command", nil
	case a.out == "-":
		data, err := file.RevealJSON()
		if err == nil {
			_, err = fmt.Fprintf(a.stdout, "%s\n", data)
			clear(data)
		}
		if err == nil {
			return "stdout", nil
		}
		return "", a.keepSecret(file, "", err)
	}
	if err := file.WriteFile(a.out); err != nil {
		return "", a.keepSecret(file, filepath.Dir(a.out), err)
	}
	return a.out, nil
}

// keepSecret writes a secret that could not go where asked to a fallback
// file, mode 0600: in dir (next to the target) if it can, else in the
// current directory, else in the temporary directory. Stderr names the
// file and the key; the secret itself is never printed.
func (a *app) keepSecret(file *streamkap.CredentialFile, dir string, cause error) error {
	where, err := writeFallback(file, fallbackName(file.ProjectKeyID, ""), dir)
	if err != nil {
		return fmt.Errorf("the shown-once secret of key %s could not be written (%v), nor kept in a fallback file: %w",
			orDash(file.ProjectKeyID), cause, errors.Join(err, streamkap.ErrSecretLost))
	}
	fmt.Fprintf(a.stderr, "streamkap-keys: the shown-once secret of key %s could not be written where asked (%v); it is in %s (mode 0600)\n",
		orDash(file.ProjectKeyID), cause, where)
	return fmt.Errorf("%w: %s (key %s)", errSecretRescued, where, orDash(file.ProjectKeyID))
}

// fallbackName is the pattern of a fallback file's name.
func fallbackName(keyID, what string) string {
	if keyID == "" {
		keyID = "new-key"
	}
	return "streamkap-" + declarative.SecretFileName(declarative.ShownOnceSecret{KeyName: keyID}) + what + ".rescued-*.json"
}

// writeFallback writes file to a new file named after pattern in the
// first of dir, the current directory and the temporary directory where
// it can, and returns its path.
func writeFallback(file *streamkap.CredentialFile, pattern, dir string) (string, error) {
	var errs []error
	for _, d := range []string{dir, ".", os.TempDir()} {
		if d == "" {
			continue
		}
		where, err := writeNew(file, d, pattern)
		if err == nil {
			return where, nil
		}
		errs = append(errs, err)
	}
	return "", errors.Join(errs...)
}

// writeNew writes file to a new file (mode 0600) in dir.
func writeNew(file *streamkap.CredentialFile, dir, pattern string) (string, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", err
	}
	name := f.Name()
	if err := f.Close(); err != nil {
		return "", err
	}
	if err := file.WriteFile(name); err != nil {
		_ = os.Remove(name)
		return "", err
	}
	if abs, err := filepath.Abs(name); err == nil {
		name = abs
	}
	return name, nil
}

// rescueKafka keeps a Kafka password whose write's outcome is unknown: it
// may be in effect, and it was chosen here. It goes where the command's
// secret would (proven before the request), marked unconfirmed, or to a
// fallback file when the command had nowhere to put one. When it can be
// kept nowhere, the error says so (ErrSecretLost).
func (a *app) rescueKafka(ctx context.Context, id, keyName, username string, password streamkap.Secret) error {
	if password.IsZero() {
		return nil
	}
	s := declarative.ShownOnceSecret{KeyName: keyName, KeyID: id, Unconfirmed: true,
		Kafka: &streamkap.KafkaCredentials{Username: username, Password: password}}
	if a.out == "" && a.secretCommand == "" {
		where, err := writeFallback(s.File(), fallbackName(id, ".kafka"), "")
		if err != nil {
			return lostPassword(id, err)
		}
		fmt.Fprintf(a.stderr, "streamkap-keys: the outcome is unknown; the Kafka password that was sent is in %s (mode 0600)\n", where)
		return nil
	}
	where, err := a.writeSecret(ctx, s)
	switch {
	case errors.Is(err, errSecretRescued):
		return nil // in a fallback file, which keepSecret named
	case err != nil:
		return err
	case where == "--secret-command":
		fmt.Fprintf(a.stderr, "streamkap-keys: the outcome is unknown; the Kafka password that was sent was delivered to --secret-command, marked unconfirmed\n")
	default:
		fmt.Fprintf(a.stderr, "streamkap-keys: the outcome is unknown; the Kafka password that was sent is in %s\n", where)
	}
	return nil
}

// rescueMismatch keeps the password an answer named, when it is not the
// one sent (which rescueKafka keeps): either may be in effect.
func (a *app) rescueMismatch(err error) error {
	var mismatch *streamkap.KafkaPasswordMismatchError
	if !errors.As(err, &mismatch) {
		return nil
	}
	s := declarative.ShownOnceSecret{KeyID: mismatch.ProjectKeyID, Unconfirmed: true,
		Kafka: &streamkap.KafkaCredentials{Username: mismatch.Username, Password: mismatch.Reported}}
	where, werr := writeFallback(s.File(), fallbackName(mismatch.ProjectKeyID, ".kafka-reported"), "")
	if werr != nil {
		return lostPassword(mismatch.ProjectKeyID, werr)
	}
	fmt.Fprintf(a.stderr, "streamkap-keys: the answer named another Kafka password than the one sent; it is in %s (mode 0600)\n", where)
	return nil
}

// lostPassword reports a Kafka password that could be kept nowhere.
func lostPassword(id string, err error) error {
	return fmt.Errorf("the Kafka password of key %s could not be kept in any file: %w", orDash(id), errors.Join(err, streamkap.ErrSecretLost))
}

// prepareSecretsDir proves, before anything is sent, that apply can write
// its secrets into dir (created 0700 if missing).
func prepareSecretsDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return usageError("--secrets-dir: %v; nothing was sent", err)
	}
	if err := probeDir(dir); err != nil {
		return usageError("--secrets-dir %s cannot be written: %v; nothing was sent", dir, err)
	}
	return nil
}

// keepUnstored writes every secret a fleet's errors hand back (a sink
// that failed, a Kafka password whose write's outcome is unknown) to
// fallback files, names each on stderr, and returns an error matching
// errSecretRescued when there was any.
func (a *app) keepUnstored(res *declarative.FleetResult, dir string) error {
	if res == nil {
		return nil
	}
	var kept []string
	var errs []error
	for _, r := range append(res.Keys, res.Pruned...) {
		for _, s := range declarative.UnstoredSecrets(r.Err) {
			what := ""
			if s.Unconfirmed {
				what = ".unconfirmed"
			}
			where, err := writeFallback(s.File(), fallbackName(s.KeyID, what), dir)
			if err != nil {
				errs = append(errs, fmt.Errorf("key %q (%s): %w", s.KeyName, orDash(s.KeyID), err))
				continue
			}
			kept = append(kept, where)
			note := "shown-once secret"
			if s.Unconfirmed {
				note = "Kafka password that may be in effect (its write is unconfirmed)"
			}
			fmt.Fprintf(a.stderr, "streamkap-keys: the %s of key %q (%s) is in %s (mode 0600)\n", note, s.KeyName, orDash(s.KeyID), where)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("secrets could not be kept anywhere: %w", errors.Join(append(errs, streamkap.ErrSecretLost)...))
	}
	if len(kept) > 0 {
		return fmt.Errorf("%w: %d file(s), named above", errSecretRescued, len(kept))
	}
	return nil
}
