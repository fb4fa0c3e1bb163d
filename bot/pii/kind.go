// Package pii finds personal data in a post's text and masks it. It is
// pure: no I/O, no logging, no knowledge of posts or platforms.
package pii

import "slices"

// Kind is a personal-data kind; its value is the label of the
// classification contract.
type Kind string

// The personal-data kinds of the classification contract.
const (
	Email       Kind = "email"
	Phone       Kind = "phone"
	IBAN        Kind = "iban"
	TaxCode     Kind = "tax_code"
	VAT         Kind = "vat_number"
	IDDocument  Kind = "id_document"
	PaymentCard Kind = "payment_card"
	CaseNumber  Kind = "case_number"
	Address     Kind = "address"
	BirthDate   Kind = "birth_date"
)

// AllKinds lists every kind, in the contract's order.
var AllKinds = []Kind{Email, Phone, IBAN, TaxCode, VAT, IDDocument, PaymentCard, CaseNumber, Address, BirthDate}

// masks are the placeholders that replace each kind in redacted text.
var masks = map[Kind]string{
	Email:       "[email]",
	Phone:       "[telefono]",
	IBAN:        "[iban]",
	TaxCode:     "[codice fiscale]",
	VAT:         "[partita iva]",
	IDDocument:  "[documento]",
	PaymentCard: "[carta]",
	CaseNumber:  "[pratica]",
	Address:     "[indirizzo]",
	BirthDate:   "[data di nascita]",
}

// Mask is the placeholder that replaces a span of kind k.
func (k Kind) Mask() string {
	if m, ok := masks[k]; ok {
		return m
	}
	return "[dato personale]"
}

// Span is one personal datum: its kind and its byte range [Start, End) in
// the text it was found in.
type Span struct {
	Kind  Kind
	Start int
	End   int
}

// Kinds returns the distinct kinds of spans, sorted.
func Kinds(spans []Span) []Kind {
	out := make([]Kind, 0, len(spans))
	for _, s := range spans {
		out = append(out, s.Kind)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Redact returns text with every span replaced by its kind's mask. Spans
// must be sorted by Start and must not overlap, as Find returns them.
func Redact(text string, spans []Span) string {
	if len(spans) == 0 {
		return text
	}
	buf := make([]byte, 0, len(text))
	last := 0
	for _, s := range spans {
		if s.Start < last || s.End > len(text) || s.Start >= s.End {
			continue
		}
		buf = append(buf, text[last:s.Start]...)
		buf = append(buf, s.Kind.Mask()...)
		last = s.End
	}
	buf = append(buf, text[last:]...)
	return string(buf)
}
