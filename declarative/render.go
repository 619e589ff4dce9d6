package declarative

import (
	"fmt"
	"github.com/streamkap-go/streamkap"
	"io"
	"strconv"
	"strings"
)

// WritePlan writes plans as text a person reads, in the manner of
// terraform plan: a summary line, then each key with its actions and the
// fields they set ("before -> after" for an update). The text is stable:
// the same plans always print the same.
//
//	Plan: 1 to create, 1 to change, 0 to replace, 0 to delete, 1 unchanged.
//
//	+ "ingest-bot": create
//	    create (shown once: api_client_secret)
//	      api.roles             ["Data Admin"]
//
//	~ "reporter" (pk-2): update
//	    update
//	      tools.profile         "full" -> "read-only"
//
//	= "steady" (pk-3): no changes
func WritePlan(w io.Writer, plans []*KeyPlan) error {
	var create, change, replace, del, same int
	for _, p := range plans {
		switch {
		case p.Prune:
			del++
		case p.NoChanges():
			same++
		case len(p.ReplaceReasons) > 0:
			replace++
		case p.KeyID == "":
			create++
		default:
			change++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Plan: %d to create, %d to change, %d to replace, %d to delete, %d unchanged.\n", create, change, replace, del, same)
	for _, p := range plans {
		b.WriteByte('\n')
		writeKeyPlan(&b, p)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// String is the plan as WritePlan writes it, without the summary line.
func (p *KeyPlan) String() string {
	var b strings.Builder
	writeKeyPlan(&b, p)
	return b.String()
}

func writeKeyPlan(b *strings.Builder, p *KeyPlan) {
	symbol, summary := "~", ""
	kinds := make([]string, len(p.Actions))
	for i, a := range p.Actions {
		kinds[i] = string(a.Kind)
	}
	switch {
	case p.Prune:
		symbol, summary = "-", "delete (no spec names it)"
	case p.NoChanges():
		symbol, summary = "=", "no changes"
	case len(p.ReplaceReasons) > 0:
		symbol, summary = "-/+", "replace, because "+strings.Join(p.ReplaceReasons, "; ")
	case p.KeyID == "":
		symbol, summary = "+", strings.Join(kinds, ", ")
	default:
		summary = strings.Join(kinds, ", ")
	}
	fmt.Fprintf(b, "%s %s", symbol, strconv.Quote(p.Name))
	if p.KeyID != "" {
		fmt.Fprintf(b, " (%s)", streamkap.SafeCell(p.KeyID))
	}
	fmt.Fprintf(b, ": %s\n", summary)
	if p.Prune {
		return
	}
	for _, a := range p.Actions {
		fmt.Fprintf(b, "    %s", a.Kind)
		if len(a.ShownOnce) > 0 {
			fmt.Fprintf(b, " (shown once: %s)", strings.Join(a.ShownOnce, ", "))
		}
		b.WriteByte('\n')
		for _, c := range a.Changes {
			fmt.Fprintf(b, "      %-21s ", c.Field)
			if a.Kind == ActionUpdate {
				fmt.Fprintf(b, "%s -> ", renderValue(c.Before))
			}
			fmt.Fprintf(b, "%s\n", renderValue(c.After))
		}
	}
}

// renderValue prints a change's value: null, a quoted string, or a list
// of quoted strings.
func renderValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(v)
	case []string:
		quoted := make([]string, len(v))
		for i, s := range v {
			quoted[i] = strconv.Quote(s)
		}
		return "[" + strings.Join(quoted, ", ") + "]"
	}
	return fmt.Sprint(v)
}
