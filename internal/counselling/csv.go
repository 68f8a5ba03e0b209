package counselling

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/sozialplattform/sozialplattform/internal/csvio"
)

// Import and export of centres as CSV, in the columns of CSVColumns (the
// back office's words). An import is checked as a whole first: every row's
// problems are listed, and nothing is written while one row has a problem
// or when it is a dry run. Rows with an ID change that centre (if the
// actor may); rows without one add a centre; a centre twice in the file
// (same name and postcode) or already there without its ID is a problem.

// ImportRow is what the import makes of one row.
type ImportRow struct {
	Line     int
	Name     string
	Action   string // "create" or "update"
	Problems []FieldError
}

// ImportReport is the result of a (dry) run.
type ImportReport struct {
	Encoding string
	Rows     []ImportRow
	Problems int // rows with problems
	Created  int
	Updated  int
	Written  bool
}

// BulkStore writes many centres in one transaction.
type BulkStore interface {
	SaveCentres(ctx context.Context, cs []*Centre, audit AuditEntry) error
}

// ErrCSV wraps a file that is not a usable CSV file; its message says why
// in German and English (csvio's).
var ErrCSV = errors.New("counselling: not a usable CSV file")

// requiredColumns must be in the header.
var requiredColumns = []string{"name", "arten", "traeger", "standorte"}

// ImportCentres reads r and, unless dryRun or a row has problems, stores
// every row in orgID's organisation (the actor's own for an organisation
// administrator).
func (e *Editor) ImportCentres(ctx context.Context, a Actor, orgID string, r io.Reader, dryRun bool, bulk BulkStore) (*ImportReport, error) {
	if !a.CanEditCentres() {
		return nil, ErrForbidden
	}
	if a.Role != RoleSystemAdmin {
		orgID = a.OrgID
	}
	if _, err := e.Store.FindOrganisation(ctx, orgID); err != nil {
		return nil, &ValidationError{[]FieldError{{Field: "organisation", Key: "counselling.error.org_missing"}}}
	}
	table, err := csvio.Read(r)
	if err != nil {
		return nil, errors.Join(ErrCSV, err)
	}
	rep := &ImportReport{Encoding: table.Encoding}
	have := map[string]bool{}
	for _, h := range table.Header {
		have[strings.ToLower(strings.TrimSpace(h))] = true
	}
	var missing []string
	for _, c := range requiredColumns {
		if !have[c] {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, &ValidationError{[]FieldError{{Field: "datei", Key: "counselling.error.csv_columns", Args: []any{"columns", strings.Join(missing, ", ")}}}}
	}
	existing, err := e.Store.CentresOf(ctx, orgID)
	if err != nil {
		return nil, err
	}
	key := func(c *Centre) string {
		pc := ""
		if len(c.Locations) > 0 {
			pc = c.Locations[0].Postcode
		}
		return strings.ToLower(strings.Join(strings.Fields(c.Name), " ")) + "|" + pc
	}
	known, byID := map[string]*Centre{}, map[string]*Centre{}
	for _, c := range existing {
		known[key(c)] = c
		byID[c.ID] = c
	}
	seen := map[string]int{}
	byLine := map[int]int{}
	for _, p := range table.Problems {
		byLine[p.Line]++
	}
	var save []*Centre
	now := e.Now()
	for _, row := range table.Rows {
		text, problems := TextFromColumns(row.Values)
		for _, p := range table.Problems {
			if p.Line == row.Line {
				problems = append(problems, FieldError{Field: "datei", Key: "counselling.error.csv_row", Args: []any{"msg", p.Msg}})
			}
		}
		c, perr := text.Centre()
		problems = append(problems, perr...)
		ir := ImportRow{Line: row.Line, Name: text.Name, Action: "create"}
		if c.ID != "" {
			// The organisation's own centres are at hand; only an ID from
			// elsewhere needs the store, to tell foreign from unknown.
			old, err := byID[c.ID], error(nil)
			if old == nil {
				old, err = e.Store.FindCentre(ctx, c.ID)
			}
			switch {
			case errors.Is(err, ErrNotFound):
				problems = append(problems, FieldError{Field: "id", Key: "counselling.error.csv_id_unknown"})
			case err != nil:
				return nil, err
			case !a.mayEdit(old.OrgID) || old.OrgID != orgID:
				problems = append(problems, FieldError{Field: "id", Key: "counselling.error.csv_id_foreign"})
			default:
				ir.Action = "update"
				c.OrgID, c.Slug, c.Demo = old.OrgID, old.Slug, old.Demo
			}
		} else {
			c.OrgID = orgID
		}
		c.Normalise()
		problems = append(problems, c.Validate()...)
		problems = append(problems, e.locate(c)...)
		k := key(c)
		if first, dup := seen[k]; dup {
			problems = append(problems, FieldError{Field: "name", Key: "counselling.error.csv_duplicate", Args: []any{"line", first}})
		} else {
			seen[k] = row.Line
		}
		if old, ok := known[k]; ok && c.ID == "" {
			problems = append(problems, FieldError{Field: "name", Key: "counselling.error.csv_exists", Args: []any{"id", old.ID}})
		}
		ir.Problems = problems
		if len(problems) > 0 {
			rep.Problems++
		} else if ir.Action == "create" {
			rep.Created++
		} else {
			rep.Updated++
		}
		rep.Rows = append(rep.Rows, ir)
		c.UpdatedAt, c.UpdatedBy = now, a.ID
		save = append(save, c)
	}
	if dryRun || rep.Problems > 0 || len(save) == 0 {
		return rep, nil
	}
	for _, c := range save {
		if c.ID == "" {
			c.ID = newID()
		}
		if c.Slug == "" {
			slug, err := e.uniqueSlug(ctx, c)
			if err != nil {
				return nil, err
			}
			c.Slug = slug
		}
	}
	if err := bulk.SaveCentres(ctx, save, AuditEntry{At: now, ActorID: a.ID, OrgID: orgID, Entity: "import", EntityID: orgID,
		Action: "import", Fields: []string{"created", itoa(rep.Created), "updated", itoa(rep.Updated)}}); err != nil {
		return nil, err
	}
	rep.Written = true
	return rep, nil
}

// locate fills the coordinates from the place directory.
func (e *Editor) locate(c *Centre) []FieldError {
	var problems []FieldError
	for i := range c.Locations {
		l := &c.Locations[i]
		if !postcodeRE.MatchString(l.Postcode) {
			continue
		}
		res, err := e.Places.Lookup(l.Postcode, 1)
		if err != nil || len(res.Places) == 0 || !res.Places[0].HasCoord {
			problems = append(problems, FieldError{Field: "standorte", Key: "counselling.error.postcode_unknown", Args: []any{"n", i + 1, "plz", l.Postcode}})
			continue
		}
		l.Lat, l.Lon = res.Places[0].Lat, res.Places[0].Lon
	}
	return problems
}

// ExportCentres writes the centres the actor may edit as CSV (formula-safe:
// csvio.Writer).
func (e *Editor) ExportCentres(ctx context.Context, a Actor, w io.Writer) error {
	cs, err := e.Centres(ctx, a)
	if err != nil {
		return err
	}
	cw := csvio.NewWriter(w)
	if err := cw.Write(CSVColumns); err != nil {
		return err
	}
	for _, c := range cs {
		t := TextOf(c)
		// One line per cell reads better in a spreadsheet: lists of
		// addresses and contacts are joined with " | ".
		t.Locations = strings.ReplaceAll(t.Locations, "\n", " | ")
		t.Contacts = strings.ReplaceAll(t.Contacts, "\n", " | ")
		if err := cw.Write(t.Row()); err != nil {
			return err
		}
	}
	return cw.Flush()
}
