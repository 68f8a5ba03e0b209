package office

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// FormatV1 names the import format (docs/zustaendigkeiten.md).
const FormatV1 = "sozialplattform/zustaendigkeiten@1"

// MaxImportBytes caps an import file; all of Germany's offices fit easily.
const MaxImportBytes = 64 << 20

// Document is the import format, modelled on the Portalverbund's data:
// Organisationseinheiten (offices) and Zuständigkeiten (which office is
// responsible for which LeiKa service in which area, and how it is reached).
type Document struct {
	Format           string              `json:"format"`
	Source           string              `json:"quelle"`
	Demo             bool                `json:"demo"`
	Offices          []DocOffice         `json:"organisationseinheiten"`
	Responsibilities []DocResponsibility `json:"zustaendigkeiten"`
}

// DocOffice is one Organisationseinheit.
type DocOffice struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Address struct {
		Street   string `json:"strasse,omitempty"`
		Postcode string `json:"plz,omitempty"`
		City     string `json:"ort"`
	} `json:"anschrift"`
	Contact struct {
		Phone   string `json:"telefon,omitempty"`
		Email   string `json:"email,omitempty"`
		Website string `json:"internet,omitempty"`
	} `json:"kontakt"`
	OpeningHours string `json:"oeffnungszeiten,omitempty"`
}

// DocResponsibility is one Zuständigkeit.
type DocResponsibility struct {
	LeiKa       string `json:"leikaId"`
	ARS         string `json:"ars"`
	Office      string `json:"organisationseinheit"`
	Destination string `json:"fitConnectDestinationId,omitempty"`
	XTA         string `json:"xtaAdresse,omitempty"`
	Online      string `json:"onlineDienst,omitempty"`
}

// ImportError locates a problem in an import file.
type ImportError struct {
	Where string // e.g. "organisationseinheiten[3]"
	Err   error
}

func (e *ImportError) Error() string { return e.Where + ": " + e.Err.Error() }
func (e *ImportError) Unwrap() error { return e.Err }

// ReadDocument parses an import file without storing anything.
func ReadDocument(r io.Reader) (*Document, error) {
	dec := json.NewDecoder(io.LimitReader(r, MaxImportBytes+1))
	dec.DisallowUnknownFields()
	var doc Document
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("office: import file is not valid JSON of the expected shape: %w", err)
	}
	if doc.Format != FormatV1 {
		return nil, fmt.Errorf("office: import file has format %q, want %q", doc.Format, FormatV1)
	}
	return &doc, nil
}

// ImportStats counts what an import stored.
type ImportStats struct{ Offices, Responsibilities int }

// Import checks every record of doc first and stores nothing if one is
// wrong; then it adds or replaces the offices and responsibilities.
func Import(ctx context.Context, s Store, doc *Document, now time.Time) (ImportStats, error) {
	offices := make([]Office, 0, len(doc.Offices))
	known := map[string]bool{}
	for i, d := range doc.Offices {
		o := Office{ID: d.ID, Name: d.Name, Street: d.Address.Street, Postcode: d.Address.Postcode, City: d.Address.City,
			Phone: d.Contact.Phone, Email: d.Contact.Email, Website: d.Contact.Website, OpeningHours: d.OpeningHours,
			Demo: doc.Demo, Source: doc.Source, UpdatedAt: now}
		if err := o.Validate(); err != nil {
			return ImportStats{}, &ImportError{fmt.Sprintf("organisationseinheiten[%d] (%s)", i, d.ID), err}
		}
		if known[o.ID] {
			return ImportStats{}, &ImportError{fmt.Sprintf("organisationseinheiten[%d]", i), fmt.Errorf("id %q twice", o.ID)}
		}
		known[o.ID] = true
		offices = append(offices, o)
	}
	rs := make([]Responsibility, 0, len(doc.Responsibilities))
	for i, d := range doc.Responsibilities {
		r := Responsibility{LeiKa: d.LeiKa, ARS: d.ARS, OfficeID: d.Office, FITConnectDestination: d.Destination,
			XTAAddress: d.XTA, OnlineServiceURL: d.Online, UpdatedAt: now}
		if err := r.Validate(); err != nil {
			return ImportStats{}, &ImportError{fmt.Sprintf("zustaendigkeiten[%d]", i), err}
		}
		if !known[r.OfficeID] {
			if _, err := s.FindOffice(ctx, r.OfficeID); err != nil {
				return ImportStats{}, &ImportError{fmt.Sprintf("zustaendigkeiten[%d]", i), fmt.Errorf("unknown organisationseinheit %q", r.OfficeID)}
			}
		}
		rs = append(rs, r)
	}
	if err := s.SaveAll(ctx, offices, rs); err != nil {
		return ImportStats{}, err
	}
	return ImportStats{Offices: len(offices), Responsibilities: len(rs)}, nil
}
