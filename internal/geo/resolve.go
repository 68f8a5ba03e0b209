package geo

import (
	"errors"
	"strings"
	"unicode"
)

// Resolution is what a place typed into a form comes to: exactly one place,
// or a choice between several. The office finder and the counselling-centre
// finder both ask for a place this way.
type Resolution struct {
	Query   string // as typed, shown again in the field
	Choices []Choice
	Place   *Resolved
	// More: more places have that name than are offered; the person
	// should add the postcode. Mismatch: the name is not at the postcode
	// typed; the choices are the postcode's places.
	More, Mismatch bool
}

// Choice is one of several places a query matched.
type Choice struct {
	Label, Query string
}

// Resolved is the one place a query named, with its regional key.
type Resolved struct {
	*Place
	ARS       string
	Level     Level
	KreisName string
}

// Label is how a place is named in lists: "Troisdorf (53840, 53842 …)".
func (p Resolved) Label() string { return placeLabel(p.Place, "") }

func placeLabel(p *Place, kreisName string) string {
	var b strings.Builder
	b.WriteString(p.Name)
	if len(p.Postcodes) > 0 && !p.IsKreis {
		b.WriteString(" (")
		for i, c := range p.Postcodes {
			if i == 3 {
				b.WriteString(" …")
				break
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(c)
		}
		b.WriteString(")")
	}
	if kreisName != "" {
		b.WriteString(" – " + kreisName)
	}
	return b.String()
}

// choiceQuery is what a choice sends back: postcode and name select exactly
// one place, and read well in the address bar.
func choiceQuery(p *Place) string {
	if p.IsKreis || len(p.Postcodes) == 0 {
		return p.Name
	}
	return p.Postcodes[0] + " " + p.Name
}

// problemKeys are the message keys (internal/i18n) of a refused query.
var problemKeys = []struct {
	err error
	key string
}{
	{ErrEmpty, "place.error.empty"},
	{ErrTooLong, "place.error.too_long"},
	{ErrPostcodeFormat, "place.error.postcode"},
	{ErrCharacters, "place.error.characters"},
	{ErrNotFound, "place.error.not_found"},
}

// Resolve looks up a place typed into a form. For a query it refuses it
// returns the message key of the reason, to be shown beside the field.
func (d *Directory) Resolve(q string) (*Resolution, string) {
	res := &Resolution{Query: q}
	limit := 30
	if strings.ContainsFunc(q, unicode.IsDigit) {
		limit = 0 // every municipality of a postcode (54636 has 39)
	}
	found, err := d.Lookup(q, limit)
	if err != nil {
		for _, p := range problemKeys {
			if errors.Is(err, p.err) {
				return res, p.key
			}
		}
		return res, "place.error.not_found"
	}
	res.More, res.Mismatch = found.More, found.Mismatch
	if found.Named == nil {
		// Several places, or one that was not named exactly ("Beuel" →
		// Beulich?): the person chooses.
		for _, p := range found.Places {
			label := placeLabel(p, d.kreisLabel(p))
			if v := found.Via[p]; v != "" {
				label = v + " (" + label + ")"
			}
			res.Choices = append(res.Choices, Choice{Label: label, Query: choiceQuery(p)})
		}
		return res, ""
	}
	p := found.Named
	ars, lvl := d.ARS(p)
	pv := &Resolved{Place: p, ARS: ars, Level: lvl}
	pv.KreisName = d.kreisLabel(p)
	res.Place = pv
	return res, ""
}

// kreisLabel names the Kreis a municipality lies in ("Landkreis Coburg",
// not "Coburg", which is also a town); "" for a Kreis itself and for a
// kreisfreie Stadt, which is its own Kreis.
func (d *Directory) kreisLabel(p *Place) string {
	k, ok := d.Kreis(p.Kreis)
	if !ok || p.IsKreis || k.Type == "Kreisfreie Stadt" || k.Type == "Stadtkreis" {
		return ""
	}
	return k.Label()
}
