package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// completionCommand prints a completion script for bash, zsh or fish,
// built from the commands and their flags, so it never goes stale.
func completionCommand(fs *flag.FlagSet) body {
	return func(_ context.Context, a *app, args []string) error {
		shell, err := oneArg(args, "the shell: bash, zsh or fish")
		if err != nil {
			return err
		}
		words := completionWords()
		switch shell {
		case "bash":
			return writeBashCompletion(a.stdout, words, false)
		case "zsh":
			return writeBashCompletion(a.stdout, words, true)
		case "fish":
			return writeFishCompletion(a.stdout, words)
		}
		return usageError("completion takes bash, zsh or fish, not %q", shell)
	}
}

// completionWords maps each command to its flags.
func completionWords() map[string][]string {
	out := map[string][]string{}
	for _, cmd := range commands() {
		fs, _ := declareFlags(cmd, &app{env: &env{stdout: io.Discard, stderr: io.Discard}})
		var flags []string
		fs.VisitAll(func(f *flag.Flag) { flags = append(flags, "--"+f.Name) })
		sort.Strings(flags)
		out[cmd.name] = flags
	}
	return out
}

func commandNames() []string {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	return append(names, "help")
}

func writeBashCompletion(w io.Writer, words map[string][]string, zsh bool) error {
	var b strings.Builder
	if zsh {
		b.WriteString("#compdef streamkap-keys\nautoload -U +X bashcompinit && bashcompinit\n")
	}
	b.WriteString("# streamkap-keys completion: source it, or put it where your shell loads completions.\n")
	b.WriteString("_streamkap_keys() {\n  local cur=${COMP_WORDS[COMP_CWORD]}\n  if [ \"$COMP_CWORD\" -eq 1 ]; then\n")
	fmt.Fprintf(&b, "    COMPREPLY=($(compgen -W %q -- \"$cur\"))\n    return\n  fi\n  case ${COMP_WORDS[1]} in\n", strings.Join(commandNames(), " "))
	for _, name := range commandNames() {
		if flags, ok := words[name]; ok {
			fmt.Fprintf(&b, "    %s) COMPREPLY=($(compgen -W %q -- \"$cur\")) ;;\n", name, strings.Join(flags, " "))
		}
	}
	b.WriteString("  esac\n}\ncomplete -o default -F _streamkap_keys streamkap-keys\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func writeFishCompletion(w io.Writer, words map[string][]string) error {
	var b strings.Builder
	b.WriteString("# streamkap-keys completion for fish.\n")
	fmt.Fprintf(&b, "complete -c streamkap-keys -f -n __fish_use_subcommand -a %q\n", strings.Join(commandNames(), " "))
	for _, name := range commandNames() {
		for _, f := range words[name] {
			fmt.Fprintf(&b, "complete -c streamkap-keys -n '__fish_seen_subcommand_from %s' -l %s\n", name, strings.TrimPrefix(f, "--"))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
