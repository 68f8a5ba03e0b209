package counselling

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/sozialplattform/sozialplattform/internal/geo"
)

// The back office's rules. Every read and write of a centre for editing
// goes through Editor with the acting person; whether they may is decided
// here, not in the web handlers, so no route can forget it.

// Role of an actor, as in package account.
const (
	RoleSystemAdmin = "system-admin"
	RoleOrgAdmin    = "org-admin"
	RoleCounsellor  = "counsellor"
)

// Actor is the person acting in the back office.
type Actor struct {
	ID    string
	Role  string
	OrgID string
}

// ErrForbidden: the actor may not do this.
var ErrForbidden = errors.New("counselling: not allowed")

// ErrNotFound: no such centre.
var ErrNotFound = errors.New("counselling: not found")

// ErrSlugTaken: another centre has the address (a race between two saves).
var ErrSlugTaken = errors.New("counselling: slug taken")

// mayEdit: system administrators all centres, organisation administrators
// their organisation's; counsellors none (they come with booking).
func (a Actor) mayEdit(orgID string) bool {
	switch a.Role {
	case RoleSystemAdmin:
		return true
	case RoleOrgAdmin:
		return a.OrgID != "" && a.OrgID == orgID
	}
	return false
}

// CanEditCentres reports whether the actor may edit any centre at all (for
// showing the back office's entry).
func (a Actor) CanEditCentres() bool {
	return a.Role == RoleSystemAdmin || (a.Role == RoleOrgAdmin && a.OrgID != "")
}

// Organisation is a centre's Träger account on the platform.
type Organisation struct {
	ID        string
	Name      string
	CreatedAt time.Time
}

// AuditEntry records who changed what.
type AuditEntry struct {
	At       time.Time
	ActorID  string
	OrgID    string
	Entity   string // "centre", "user", "organisation", "import"
	EntityID string
	Action   string // "create", "update", "delete", "import"
	Fields   []string
}

// EditorStore keeps centres, organisations and the audit log.
type EditorStore interface {
	DirectoryStore
	FindCentre(ctx context.Context, id string) (*Centre, error)
	// SaveCentre inserts or updates the centre and appends the audit entry
	// in one transaction, and moves the directory's version on.
	SaveCentre(ctx context.Context, c *Centre, audit AuditEntry) error
	DeleteCentre(ctx context.Context, id string, audit AuditEntry) error
	CentresOf(ctx context.Context, orgID string) ([]*Centre, error)
	SlugTaken(ctx context.Context, slug, exceptID string) (bool, error)
	FindOrganisation(ctx context.Context, id string) (*Organisation, error)
	Organisations(ctx context.Context) ([]Organisation, error)
	Audit(ctx context.Context, orgID string, limit int) ([]AuditEntry, error)
}

// Places finds the coordinates of a postcode.
type Places interface {
	Lookup(q string, limit int) (geo.Result, error)
}

// Editor is the back office for centres.
type Editor struct {
	Store  EditorStore
	Places Places
	Now    func() time.Time
}

// Centres lists the centres the actor may edit.
func (e *Editor) Centres(ctx context.Context, a Actor) ([]*Centre, error) {
	switch {
	case a.Role == RoleSystemAdmin:
		return e.Store.AllCentres(ctx)
	case a.CanEditCentres():
		return e.Store.CentresOf(ctx, a.OrgID)
	}
	return nil, ErrForbidden
}

// Get returns a centre for editing.
func (e *Editor) Get(ctx context.Context, a Actor, id string) (*Centre, error) {
	if !a.CanEditCentres() {
		return nil, ErrForbidden
	}
	c, err := e.Store.FindCentre(ctx, id)
	if err != nil {
		return nil, err
	}
	if !a.mayEdit(c.OrgID) {
		// The same answer as for a centre that does not exist would hide
		// that it does; but an administrator who follows an old link
		// should learn why it fails, and IDs are not secret.
		return nil, ErrForbidden
	}
	return c, nil
}

// ValidationError carries every problem of a save.
type ValidationError struct{ Problems []FieldError }

func (e *ValidationError) Error() string {
	return fmt.Sprintf("counselling: %d problems", len(e.Problems))
}

// Save validates and stores a centre: a new one (empty ID) in the actor's
// organisation (a system administrator names it), or a change to one the
// actor may edit, which keeps its organisation. Coordinates come from the
// place directory; a postcode it does not know is a problem.
func (e *Editor) Save(ctx context.Context, a Actor, c *Centre) error {
	if !a.CanEditCentres() {
		return ErrForbidden
	}
	action := "create"
	var old *Centre
	if c.ID != "" {
		var err error
		if old, err = e.Get(ctx, a, c.ID); err != nil {
			return err
		}
		c.OrgID, c.Demo, action = old.OrgID, old.Demo, "update"
	} else {
		c.ID = newID()
		if a.Role != RoleSystemAdmin {
			c.OrgID = a.OrgID
		}
		if c.OrgID == "" {
			return &ValidationError{[]FieldError{{Field: "organisation", Key: "counselling.error.org_missing"}}}
		}
		if _, err := e.Store.FindOrganisation(ctx, c.OrgID); err != nil {
			return &ValidationError{[]FieldError{{Field: "organisation", Key: "counselling.error.org_missing"}}}
		}
	}
	c.Normalise()
	problems := c.Validate()
	problems = append(problems, e.locate(c)...)
	if len(problems) > 0 {
		return &ValidationError{problems}
	}
	if old == nil || c.Slug == "" {
		slug, err := e.uniqueSlug(ctx, c)
		if err != nil {
			return err
		}
		c.Slug = slug
	}
	c.UpdatedAt, c.UpdatedBy = e.Now(), a.ID
	return e.Store.SaveCentre(ctx, c, AuditEntry{At: c.UpdatedAt, ActorID: a.ID, OrgID: c.OrgID, Entity: "centre", EntityID: c.ID,
		Action: action, Fields: changedFields(old, c)})
}

// Delete removes a centre the actor may edit.
func (e *Editor) Delete(ctx context.Context, a Actor, id string) error {
	c, err := e.Get(ctx, a, id)
	if err != nil {
		return err
	}
	return e.Store.DeleteCentre(ctx, id, AuditEntry{At: e.Now(), ActorID: a.ID, OrgID: c.OrgID, Entity: "centre", EntityID: id, Action: "delete"})
}

// AuditLog is the actor's organisation's log (everything for a system
// administrator).
func (e *Editor) AuditLog(ctx context.Context, a Actor, limit int) ([]AuditEntry, error) {
	switch {
	case a.Role == RoleSystemAdmin:
		return e.Store.Audit(ctx, "", limit)
	case a.CanEditCentres():
		return e.Store.Audit(ctx, a.OrgID, limit)
	}
	return nil, ErrForbidden
}

var slugJunk = regexp.MustCompile(`[^a-z0-9]+`)

// Slug makes the readable part of a centre's address from its name and
// city.
func Slug(name, city string) string {
	s := geo.Fold(name + " " + city)
	s = strings.NewReplacer("ß", "ss").Replace(s)
	s = strings.Trim(slugJunk.ReplaceAllString(s, "-"), "-")
	if len(s) > 80 {
		s = strings.TrimRight(s[:80], "-")
	}
	if s == "" {
		s = "beratungsstelle"
	}
	return s
}

func (e *Editor) uniqueSlug(ctx context.Context, c *Centre) (string, error) {
	city := ""
	if len(c.Locations) > 0 {
		city = c.Locations[0].City
	}
	base := Slug(c.Name, city)
	for n := 1; n < 1000; n++ {
		s := base
		if n > 1 {
			s = fmt.Sprintf("%s-%d", base, n)
		}
		taken, err := e.Store.SlugTaken(ctx, s, c.ID)
		if err != nil {
			return "", err
		}
		if !taken {
			return s, nil
		}
	}
	return c.ID, nil
}

// changedFields names the fields that differ, for the audit log (names
// only: the log tells who changed what, the centre shows the values).
func changedFields(old, c *Centre) []string {
	if old == nil {
		return []string{"*"}
	}
	var out []string
	add := func(name string, changed bool) {
		if changed {
			out = append(out, name)
		}
	}
	add("name", old.Name != c.Name)
	add("arten", !slices.Equal(old.Types, c.Types))
	add("traeger", old.Traeger != c.Traeger || old.TraegerAddress != c.TraegerAddress)
	add("standorte", fmt.Sprint(old.Locations) != fmt.Sprint(c.Locations))
	add("telefon", old.Phone != c.Phone)
	add("email", old.Email != c.Email)
	add("website", old.Website != c.Website)
	add("oeffnungszeiten", fmt.Sprint(old.Hours) != fmt.Sprint(c.Hours))
	add("ausnahmen", FormatExceptions(old.Exceptions) != FormatExceptions(c.Exceptions))
	add("sprachen", !slices.Equal(old.Languages, c.Languages))
	add("angebote", !slices.Equal(old.Offers, c.Offers))
	add("themen", !slices.Equal(old.Topics, c.Topics))
	add("beschreibung", old.Description != c.Description)
	add("anfahrt", old.Transit != c.Transit || old.Car != c.Car)
	add("barrierefreiheit", old.Accessibility != c.Accessibility)
	add("kontakte", fmt.Sprint(old.Contacts) != fmt.Sprint(c.Contacts))
	add("funktionen", old.OwnBooking != c.OwnBooking || old.OwnOnline != c.OwnOnline || old.BookingURL != c.BookingURL || old.OnlineURL != c.OnlineURL)
	return out
}

func newID() string { return uuid.NewString() }

func itoa(n int) string { return fmt.Sprint(n) }
