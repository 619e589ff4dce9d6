package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/declarative"
)

// print writes v as JSON (-o json), or the table table writes. Data goes to
// stdout, and nothing else does.
func (a *app) print(v any, table func(w io.Writer)) error {
	if a.output == "json" || table == nil {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			return err
		}
		_, err := a.stdout.Write(streamkap.SafeJSON(buf.Bytes()))
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	table(tw)
	return tw.Flush()
}

// printUpdate prints an update's answer: the API's PATCH answer with -o
// json (never a secret: an update that adds access goes through
// printSaved), the key's row otherwise, and the API's warnings on stderr.
func (a *app) printUpdate(res *streamkap.UpdateProjectKeyResult) error {
	a.warn(res.Warnings)
	return a.print(res, keysTable([]streamkap.ProjectKey{res.ProjectKey}))
}

// warn shows the API's warnings on stderr (the SDK has escaped them).
func (a *app) warn(warnings []string) {
	for _, w := range warnings {
		fmt.Fprintf(a.stderr, "streamkap-keys: warning: %s\n", streamkap.SafeCell(w))
	}
}

// printSaved reports a command whose secret went to --out: with --out -
// the secret was the data on stdout, so the report goes to stderr.
func (a *app) printSaved(where string, v any, format string, args ...any) error {
	message := streamkap.SafeCell(fmt.Sprintf(format, args...))
	switch where {
	case "stdout":
		fmt.Fprintf(a.stderr, "%s; the shown-once secret was printed to stdout\n", message)
		return nil
	case "--secret-command":
		return a.print(v, func(w io.Writer) {
			fmt.Fprintf(w, "%s; the shown-once secret was delivered to --secret-command\n", message)
		})
	}
	return a.print(v, func(w io.Writer) {
		fmt.Fprintf(w, "%s; the shown-once secret is in %s (mode 0600)\n", message, where)
	})
}

// readLine reads one line, without its line break.
func readLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password")
	}
	return line, nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func roleNames(roles []streamkap.Role) string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = r.Name
	}
	return orDash(strings.Join(names, ", "))
}

func list(v []string) string {
	if v == nil {
		return "-"
	}
	return "[" + strings.Join(v, ", ") + "]"
}

func keysTable(keys []streamkap.ProjectKey) func(io.Writer) {
	return func(w io.Writer) {
		fmt.Fprintln(w, "ID\tNAME\tSTATUS\tAPI\tKAFKA\tROLES\tTOOL PROFILE")
		for _, k := range keys {
			writeCells(w, k.ID, k.Name, string(k.Status), yesNo(k.HasAPIAccess()),
				orDash(k.KafkaUsername), roleNames(k.Roles), orDash(string(k.ToolProfile)))
		}
	}
}

func detailTable(k *streamkap.ProjectKeyDetail) func(io.Writer) {
	return func(w io.Writer) {
		acls := make([]string, len(k.KafkaACLs))
		for i, a := range k.KafkaACLs {
			acls[i] = fmt.Sprintf("%s:%s:%s", a.TopicName, a.Operation, a.ResourcePatternType)
			if a.Resource != "" && a.Resource != streamkap.ResourceTopic {
				acls[i] += ":" + string(a.Resource)
			}
		}
		writeRows(w, [][2]string{
			{"id", k.ID}, {"name", k.Name}, {"status", string(k.Status)}, {"description", orDash(k.Description)},
			{"api client id", orDash(k.APIClientID)}, {"roles", roleNames(k.Roles)},
			{"kafka username", orDash(k.KafkaUsername)}, {"kafka acls", orDash(strings.Join(acls, ", "))},
			{"whitelist ips", orDash(k.WhitelistIPs)}, {"kafka proxy", orDash(k.KafkaProxyEndpoint)},
			{"tool profile", orDash(string(k.ToolProfile))}, {"allowed tools", list(k.AllowedTools)},
			{"blocked tools", list(k.BlockedTools)}, {"token ttl", k.TokenTTL.String()},
		})
	}
}

// writeRows writes one "label: value" row per pair.
func writeRows(w io.Writer, rows [][2]string) {
	for _, r := range rows {
		fmt.Fprintf(w, "%s:\t%s\n", r[0], streamkap.SafeCell(r[1]))
	}
}

// writeCells writes one table row. Every cell is made terminal-safe: text
// from the server or a spec file (a key's name, say) has its control
// characters escaped, so it can neither drive the terminal (OSC 52 sets
// its clipboard) nor start a row of its own.
func writeCells(w io.Writer, cells ...string) {
	for i, c := range cells {
		if i > 0 {
			io.WriteString(w, "\t")
		}
		io.WriteString(w, streamkap.SafeCell(c))
	}
	io.WriteString(w, "\n")
}

func mcpTable(c *streamkap.MCPConfig) func(io.Writer) {
	return func(w io.Writer) {
		writeRows(w, [][2]string{
			{"project key id", c.ProjectKeyID}, {"tenant id", c.TenantID}, {"service id", c.ServiceID},
			{"kafka username", orDash(c.KafkaUsername)}, {"tool profile", orDash(string(c.ToolProfile))},
			{"allowed tools", list(c.AllowedTools)}, {"blocked tools", list(c.BlockedTools)},
		})
	}
}

func rolesTable(roles []streamkap.Role) func(io.Writer) {
	return func(w io.Writer) {
		fmt.Fprintln(w, "ID\tKEY\tNAME\tDESCRIPTION")
		for _, r := range roles {
			writeCells(w, r.ID, r.Key, r.Name, orDash(r.Description))
		}
	}
}

func statusTable(id, status string) func(io.Writer) {
	return func(w io.Writer) { writeCells(w, id, status) }
}

// reportFleet prints what a fleet run did, even when it failed part-way
// (res is nil only when nothing was done), and returns the run's error.
func (a *app) reportFleet(res *declarative.FleetResult, runErr error, planOnly bool) error {
	if res == nil {
		return runErr
	}
	for _, r := range res.Keys {
		for _, w := range r.Warnings {
			fmt.Fprintf(a.stderr, "streamkap-keys: warning: %s: %s\n", streamkap.SafeCell(r.Name), streamkap.SafeCell(w))
		}
	}
	if err := a.printFleet(res, planOnly); err != nil {
		return err
	}
	return runErr
}

// printFleet writes a fleet's plans (a plan, or a dry run) or results.
func (a *app) printFleet(res *declarative.FleetResult, planOnly bool) error {
	if planOnly && a.output != "json" {
		return declarative.WritePlan(a.stdout, res.Plans())
	}
	return a.print(res, fleetTable(res))
}

func fleetTable(res *declarative.FleetResult) func(io.Writer) {
	return func(w io.Writer) {
		fmt.Fprintln(w, "NAME\tKEY\tWRITES\tRESULT")
		for _, r := range append(append([]*declarative.Result{}, res.Keys...), res.Pruned...) {
			writeCells(w, r.Name, orDash(r.KeyID), strconv.Itoa(r.Writes), fleetOutcome(r))
		}
	}
}

// fleetOutcome is a spec's or pruned key's result, on one line.
func fleetOutcome(r *declarative.Result) string {
	switch {
	case r.Err != nil:
		return "failed: " + strings.ReplaceAll(strings.TrimPrefix(strings.TrimPrefix(r.Error, "declarative: "), "streamkap: "), "\n", "; ")
	case r.Plan != nil && r.Plan.Prune:
		return "deleted (no spec names it)"
	case r.Plan != nil && r.Plan.NoChanges():
		return "no changes"
	}
	return "ok"
}
