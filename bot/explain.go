package bot

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Explain renders a verdict for a moderator, in Italian: what was found and
// where (positions, never the data), which rules decided, what the bot
// would do. It shows the redacted text only.
func Explain(v *Verdict) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Testo (dati personali mascherati):\n  %s\n\n", indent(v.Redacted))
	if len(v.Spans) == 0 {
		b.WriteString("Dati personali: nessuno\n")
	} else {
		b.WriteString("Dati personali:\n")
		for _, s := range v.Spans {
			from := utf8.RuneCountInString(v.Display[:s.Start]) + 1
			to := from + utf8.RuneCountInString(v.Display[s.Start:s.End]) - 1
			fmt.Fprintf(&b, "  - %s, caratteri %d–%d, mascherato come %s\n", s.Kind, from, to, s.Kind.Mask())
		}
	}
	if len(v.Violations) == 0 {
		b.WriteString("Violazioni della netiquette: nessuna\n")
	} else {
		fmt.Fprintf(&b, "Violazioni della netiquette: %s\n", strings.Join(labelStrings(v.Violations), ", "))
	}
	fmt.Fprintf(&b, "Tema: %s\n", v.Intent)
	if v.Personal {
		b.WriteString("Caso personale: sì (si rimanda ai canali che verificano l'identità)\n")
	} else {
		b.WriteString("Caso personale: no\n")
	}
	if len(v.Evidence) > 0 {
		b.WriteString("Perché:\n")
		for _, ev := range v.Evidence {
			fmt.Fprintf(&b, "  - %s: regola %s", ev.Label, ev.Rule)
			if ev.Match != "" {
				fmt.Fprintf(&b, " («%s»)", ev.Match)
			}
			if ev.Weight != 0 {
				fmt.Fprintf(&b, " peso %.2g", ev.Weight)
			}
			b.WriteByte('\n')
		}
	}
	if len(v.Actions) == 0 {
		b.WriteString("Azioni: nessuna\n")
	} else {
		fmt.Fprintf(&b, "Azioni: %s\n", strings.Join(labelStrings(v.Actions), ", "))
	}
	if v.Reply != "" {
		fmt.Fprintf(&b, "Risposta:\n  %s\n", indent(v.Reply))
	}
	return b.String()
}

func indent(s string) string { return strings.ReplaceAll(s, "\n", "\n  ") }
