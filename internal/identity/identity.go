// Package identity is who a citizen is after signing in with BundID: a typed
// set of attributes and the trust level reached. Attributes are used only
// after the person agreed to take them over (Consented).
package identity

import (
	"fmt"
	"strings"
	"time"
)

// Level is a trust level (Vertrauensniveau) as BundID reports it.
type Level int

// Levels, ordered: a higher one satisfies a lower requirement.
const (
	LevelNone         Level = 0
	LevelNiedrig      Level = 1 // STORK-QAA-Level-1: user name and password
	LevelSubstantiell Level = 3 // STORK-QAA-Level-3: ELSTER certificate, Mein Unternehmenskonto
	LevelHoch         Level = 4 // STORK-QAA-Level-4: Online-Ausweis (eID)
)

// ContextClassRef is the SAML AuthnContextClassRef of a level.
func (l Level) ContextClassRef() string {
	switch l {
	case LevelNiedrig:
		return "STORK-QAA-Level-1"
	case LevelSubstantiell:
		return "STORK-QAA-Level-3"
	case LevelHoch:
		return "STORK-QAA-Level-4"
	}
	return ""
}

// Key names the level for URLs and message keys: niedrig, substantiell, hoch.
func (l Level) Key() string {
	switch l {
	case LevelNiedrig:
		return "niedrig"
	case LevelSubstantiell:
		return "substantiell"
	case LevelHoch:
		return "hoch"
	}
	return ""
}

// ParseLevel reads a level from its key or its AuthnContextClassRef. Level 2
// does not exist at BundID; it is read as niedrig, the level it satisfies.
func ParseLevel(s string) (Level, error) {
	switch strings.TrimSpace(s) {
	case "niedrig", "STORK-QAA-Level-1", "STORK-QAA-Level-2":
		return LevelNiedrig, nil
	case "substantiell", "STORK-QAA-Level-3":
		return LevelSubstantiell, nil
	case "hoch", "STORK-QAA-Level-4":
		return LevelHoch, nil
	}
	return LevelNone, fmt.Errorf("identity: unknown trust level %q", s)
}

// Identity is a signed-in citizen.
type Identity struct {
	// Subject is the bPK2, BundID's pseudonymous identifier for this person
	// at this service provider.
	Subject string `json:"sub"`
	Level   Level  `json:"level"`
	// Method is how the person signed in (e.g. "Benutzername", "eID").
	Method string `json:"method,omitempty"`

	GivenName      string `json:"givenName,omitempty"`
	Surname        string `json:"surname,omitempty"`
	BirthName      string `json:"birthName,omitempty"`
	BirthDate      string `json:"birthDate,omitempty"` // as delivered, YYYY-MM-DD
	PlaceOfBirth   string `json:"placeOfBirth,omitempty"`
	Nationality    string `json:"nationality,omitempty"`
	Street         string `json:"street,omitempty"`
	Postcode       string `json:"postcode,omitempty"`
	Locality       string `json:"locality,omitempty"`
	Country        string `json:"country,omitempty"`
	Email          string `json:"email,omitempty"`
	PostkorbHandle string `json:"postkorb,omitempty"`

	SignedInAt time.Time `json:"signedInAt"`
	// Consented is when the person agreed that their attributes may be
	// taken over into forms; zero means not (yet).
	Consented time.Time `json:"consented,omitempty"`
}

// Satisfies reports whether the identity's level meets a requirement.
func (id *Identity) Satisfies(min Level) bool { return id != nil && id.Level >= min }

// Attribute OIDs of BundID (shared/reference/interfaces.md §5).
const (
	OIDbPK2         = "urn:oid:1.3.6.1.4.1.25484.494450.3"
	OIDAuthMethod   = "urn:oid:1.3.6.1.4.1.25484.494450.2"
	OIDTrustLevel   = "urn:oid:1.2.40.0.10.2.1.1.261.94"
	OIDGivenName    = "urn:oid:2.5.4.42"
	OIDSurname      = "urn:oid:2.5.4.4"
	OIDMail         = "urn:oid:0.9.2342.19200300.100.1.3"
	OIDBirthDate    = "urn:oid:1.2.40.0.10.2.1.1.55"
	OIDPlaceOfBirth = "urn:oid:1.3.6.1.5.5.7.9.2"
	OIDBirthName    = "urn:oid:1.2.40.0.10.2.1.1.225566"
	OIDNationality  = "urn:oid:1.2.40.0.10.2.1.1.225577"
	OIDStreet       = "urn:oid:2.5.4.16"
	OIDPostcode     = "urn:oid:2.5.4.17"
	OIDLocality     = "urn:oid:2.5.4.7"
	OIDCountry      = "urn:oid:1.2.40.0.10.2.1.1.225599"
	OIDPostkorb     = "urn:oid:2.5.4.18"
)

// MaxAttributeLength bounds every attribute value; longer values are refused.
const MaxAttributeLength = 500

// FromAttributes builds an identity from SAML attribute values by OID. The
// bPK2 is required; every value is bounded and stripped of control
// characters. level is the AuthnContext the assertion states.
func FromAttributes(attrs map[string]string, level Level, now time.Time) (*Identity, error) {
	for k, v := range attrs {
		if len(v) > MaxAttributeLength {
			return nil, fmt.Errorf("identity: attribute %s too long", k)
		}
		attrs[k] = clean(v)
	}
	id := &Identity{
		Subject: attrs[OIDbPK2], Level: level, Method: attrs[OIDAuthMethod],
		GivenName: attrs[OIDGivenName], Surname: attrs[OIDSurname], BirthName: attrs[OIDBirthName],
		BirthDate: attrs[OIDBirthDate], PlaceOfBirth: attrs[OIDPlaceOfBirth], Nationality: attrs[OIDNationality],
		Street: attrs[OIDStreet], Postcode: attrs[OIDPostcode], Locality: attrs[OIDLocality], Country: attrs[OIDCountry],
		Email: attrs[OIDMail], PostkorbHandle: attrs[OIDPostkorb], SignedInAt: now,
	}
	if id.Subject == "" {
		return nil, fmt.Errorf("identity: assertion carries no bPK2")
	}
	if lv, ok := attrs[OIDTrustLevel]; ok && lv != "" {
		// The attribute must not claim more than the authentication context.
		if stated, err := ParseLevel(lv); err == nil && stated < level {
			id.Level = stated
		}
	}
	return id, nil
}

func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

// DisplayName is how the personal area greets the person.
func (id *Identity) DisplayName() string {
	return strings.TrimSpace(id.GivenName + " " + id.Surname)
}
