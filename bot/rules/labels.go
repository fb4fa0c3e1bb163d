// Package rules recognises the netiquette violations and the FAQ intents of
// a post, and turns them into actions through a policy table. Its lexicons,
// weights and thresholds are data, read from YAML files in an fs.FS
// (configs/ embeds the defaults). It is pure: no I/O beyond that read, no
// logging, no knowledge of posts or platforms.
package rules

// Violation is a netiquette rule broken by a post; its value is the label
// of the classification contract.
type Violation string

// The violations of the classification contract.
const (
	PersonalData Violation = "personal_data"
	Shouting     Violation = "shouting"
	Profanity    Violation = "profanity"
	Hate         Violation = "hate"
	Insult       Violation = "insult"
	Political    Violation = "political"
	Advertising  Violation = "advertising"
	Repeated     Violation = "repeated"
	Illegal      Violation = "illegal"
)

// AllViolations lists every violation label.
var AllViolations = []Violation{PersonalData, Shouting, Profanity, Hate, Insult, Political, Advertising, Repeated, Illegal}

// Intent is the topic a post asks about; its value is the label of the
// classification contract.
type Intent string

// The intents of the classification contract.
const (
	Naspi               Intent = "naspi"
	AssegnoUnico        Intent = "assegno_unico"
	ISEE                Intent = "isee"
	ADI                 Intent = "adi"
	Pensione            Intent = "pensione"
	CedolinoPensione    Intent = "cedolino_pensione"
	CertificazioneUnica Intent = "certificazione_unica"
	Invalidita          Intent = "invalidita"
	Famiglia            Intent = "famiglia"
	Malattia            Intent = "malattia"
	AccessoServizi      Intent = "accesso_servizi"
	Contributi          Intent = "contributi"
	LavoroDomestico     Intent = "lavoro_domestico"
	CassaIntegrazione   Intent = "cassa_integrazione"
	Pagamenti           Intent = "pagamenti"
	Complaint           Intent = "complaint"
	ForgetMe            Intent = "forget_me"
	Thanks              Intent = "thanks"
	None                Intent = "none"
)

// AllIntents lists every intent label.
var AllIntents = []Intent{Naspi, AssegnoUnico, ISEE, ADI, Pensione, CedolinoPensione, CertificazioneUnica,
	Invalidita, Famiglia, Malattia, AccessoServizi, Contributi, LavoroDomestico, CassaIntegrazione, Pagamenti,
	Complaint, ForgetMe, Thanks, None}

// IsTopic reports whether i is an INPS service topic (not complaint,
// forget_me, thanks or none).
func (i Intent) IsTopic() bool {
	switch i {
	case Complaint, ForgetMe, Thanks, None, "":
		return false
	}
	return true
}

// Evidence is one reason behind a label: which rule fired and on which
// lexicon entry. Match is the lexicon's own entry, never the post's text.
type Evidence struct {
	Label  string  `json:"label"`
	Rule   string  `json:"rule"`
	Match  string  `json:"match,omitempty"`
	Weight float64 `json:"weight,omitempty"`
}
