package counsel

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/sozialplattform/sozialplattform/internal/counselling"
	"github.com/sozialplattform/sozialplattform/internal/geo"
	"github.com/sozialplattform/sozialplattform/internal/web"
)

// The counselling-centre finder: a GET form (q, ort, art, radius, sprache,
// online, seite) whose results are a list; nothing about the visitor is
// stored. Bad filter values get a message beside their field and keep
// everything else that was typed.

const (
	counsellingPageSize = 20
	defaultRadiusKm     = 25
	maxRadiusKm         = 200
	maxCounsellingQuery = 100
)

// radiusChoices are the radii the form offers; others typed into the
// address are accepted within 1 to maxRadiusKm.
var radiusChoices = []int{5, 10, 25, 50, 100}

// counsellingLanguages are the languages a centre may name (ISO 639-1),
// which the finder's language filter offers.
var counsellingLanguages = []string{"de", "en", "ar", "bg", "el", "es", "fa", "fr", "hr", "hu", "it", "ku", "nl", "pl", "ps", "pt",
	"ro", "ru", "sq", "sr", "ti", "tr", "uk", "vi", "zh", "dgs"}

// languageName is a language's name in the reader's language (German for
// Leichte Sprache); "dgs" is Deutsche Gebärdensprache.
func languageName(ui, code string) string {
	if code == "dgs" {
		if ui == "de" || ui == "ls" {
			return "Deutsche Gebärdensprache"
		}
		return "German Sign Language (DGS)"
	}
	if ui == "ls" {
		ui = "de"
	}
	tag, err := language.Parse(code)
	if err != nil {
		return code
	}
	if n := display.Languages(language.Make(ui)).Name(tag); n != "" {
		return n
	}
	return code
}

type counsellingForm struct {
	Q, Ort, Sprache string
	Radius          string
	Arten           []string
	Online          bool
	Page            int
}

type counsellingHit struct {
	counselling.Hit
	Distance string
}

type counsellingData struct {
	Form      counsellingForm
	Searched  bool
	Place     *geo.Resolved
	Choices   []geo.Choice
	Hits      []counsellingHit
	Total     int
	Pages     int
	Prev      string
	Next      string
	Radii     []int
	Languages []langOption
	Types     []string
}

type langOption struct{ Code, Name string }

// languageOptions are the filter's languages named and sorted in ui, made
// once per language: naming them costs more than the whole search.
func languageOptions(ui string) []langOption {
	if o, ok := langOptionsCache.Load(ui); ok {
		return o.([]langOption)
	}
	var out []langOption
	for _, c := range counsellingLanguages {
		out = append(out, langOption{c, languageName(ui, c)})
	}
	slices.SortFunc(out, func(a, b langOption) int { return strings.Compare(a.Name, b.Name) })
	langOptionsCache.Store(ui, out)
	return out
}

var langOptionsCache sync.Map

func (h *Handler) counsellingIndex(r *http.Request) (*counselling.Index, error) {
	ix, _, err := h.counsellingIndexVersion(r)
	return ix, err
}

func (h *Handler) counsellingIndexVersion(r *http.Request) (*counselling.Index, int64, error) {
	if h.Centres == nil {
		return counselling.NewIndex(nil), 0, nil
	}
	return h.Centres.IndexVersion(r.Context())
}

// counsellingFinder is GET /{lang}/beratung.
func (h *Handler) counsellingFinder(w http.ResponseWriter, r *http.Request) error {
	v := h.site.NewView(r, "")
	v.Title = v.T("counselling.title")
	q := r.URL.Query()
	f := counsellingForm{Q: web.QueryText(r, "q"), Ort: web.QueryText(r, "ort"), Sprache: web.QueryText(r, "sprache"),
		Radius: web.QueryText(r, "radius"), Arten: q["art"], Online: q.Get("online") != "", Page: 1}
	if len(f.Arten) > len(counselling.Types) {
		f.Arten = f.Arten[:len(counselling.Types)]
	}
	d := &counsellingData{Form: f, Radii: radiusChoices, Types: counselling.Types,
		Searched: len(q) > 0}
	d.Languages = languageOptions(v.Lang.Code)
	bad := func(field, key string, args ...any) {
		v.Errors = append(v.Errors, web.FieldMessage{Field: field, Message: v.T(key, args...)})
	}
	query := counselling.Query{Limit: counsellingPageSize, Online: f.Online}
	if utf8.RuneCountInString(f.Q) > maxCounsellingQuery {
		bad("q", "counselling.error.q_long", "max", maxCounsellingQuery)
	}
	query.Text = f.Q
	for _, a := range f.Arten {
		if !counselling.ValidType(a) {
			bad("art-"+counselling.Types[0], "counselling.error.art_unknown")
			continue
		}
		query.Types = append(query.Types, a)
	}
	if f.Sprache != "" {
		if !slices.Contains(counsellingLanguages, f.Sprache) {
			bad("sprache", "counselling.error.sprache_unknown")
		}
		query.Language = f.Sprache
	}
	radius := defaultRadiusKm
	if f.Radius != "" {
		n, err := strconv.Atoi(f.Radius)
		if err != nil || n < 1 || n > maxRadiusKm {
			bad("radius", "counselling.error.radius", "max", maxRadiusKm)
		} else {
			radius = n
		}
	}
	f.Radius = strconv.Itoa(radius)
	if p := q.Get("seite"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 10000 {
			bad("seite", "counselling.error.page")
		} else {
			f.Page = n
		}
	}
	if f.Ort != "" {
		res, key := h.Places.Resolve(f.Ort)
		switch {
		case key != "":
			bad("ort", key)
		case len(res.Choices) > 0:
			d.Choices = res.Choices
		case res.Place != nil && !res.Place.HasCoord:
			bad("ort", "counselling.error.place_no_coord")
		default:
			d.Place = res.Place
			query.HasPlace, query.Lat, query.Lon, query.RadiusKm = true, res.Place.Lat, res.Place.Lon, float64(radius)
		}
	}
	d.Form = f
	status := http.StatusOK
	if len(v.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	} else if !d.Searched {
		// Only the form: a list of every centre in the country helps nobody.
		v.Cacheable = true
	} else if len(d.Choices) == 0 {
		ix, version, err := h.counsellingIndexVersion(r)
		if err != nil {
			return err
		}
		// Results are the same for every visitor until the centres change.
		v.Cacheable, v.DataVersion = true, version
		query.Offset = (f.Page - 1) * counsellingPageSize
		res := ix.Search(query)
		d.Total = res.Total
		d.Pages = (res.Total + counsellingPageSize - 1) / counsellingPageSize
		for _, hit := range res.Hits {
			ch := counsellingHit{Hit: hit}
			if query.HasPlace {
				ch.Distance = v.T("counselling.distance", "km", formatKm(v.Lang.Code, hit.DistanceKm))
			}
			d.Hits = append(d.Hits, ch)
		}
		page := func(n int) string {
			p := url.Values{}
			for k, vs := range q {
				if k != "seite" {
					p[k] = vs
				}
			}
			if n > 1 {
				p.Set("seite", strconv.Itoa(n))
			}
			return "/" + v.Lang.Code + "/beratung?" + p.Encode()
		}
		if f.Page > 1 && f.Page <= d.Pages {
			d.Prev = page(f.Page - 1)
		}
		if f.Page < d.Pages {
			d.Next = page(f.Page + 1)
		}
	}
	v.Data = d
	return h.pages.Render(w, r, status, "counselling_finder", v)
}

func formatKm(lang string, km float64) string {
	s := strconv.FormatFloat(km, 'f', 1, 64)
	if lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

type counsellingDay struct {
	Name, Hours string
	Today       bool
}

type counsellingDetail struct {
	C          *counselling.Centre
	Open       counselling.OpenState
	OpenText   string
	Week       []counsellingDay
	Exceptions []string
	Languages  []string
	Booking    int
	Online     int
}

var weekdayKeys = []string{"mo", "tu", "we", "th", "fr", "sa", "su"}

// counsellingCentre is GET /{lang}/beratung/{slug}: the detail page.
func (h *Handler) counsellingCentre(w http.ResponseWriter, r *http.Request) error {
	ix, err := h.counsellingIndex(r)
	if err != nil {
		return err
	}
	c, ok := ix.Centre(r.PathValue("slug"))
	if !ok {
		return web.ErrNotFound
	}
	if r.PathValue("slug") != c.Slug {
		http.Redirect(w, r, "/"+web.Lang(r).Code+"/beratung/"+c.Slug, http.StatusMovedPermanently)
		return nil
	}
	v := h.site.NewView(r, c.Name)
	now := h.site.Now().In(counselling.Berlin)
	d := &counsellingDetail{C: c, Open: c.OpenAt(now), Booking: c.BookingCase(), Online: c.OnlineCase()}
	at := func(t time.Time) string {
		day := ""
		if t.YearDay() != now.YearDay() || t.Year() != now.Year() {
			day = v.T("counselling.day."+weekdayKeys[(int(t.Weekday())+6)%7]) + " "
		}
		return day + t.Format("15:04")
	}
	switch {
	case d.Open.Open:
		d.OpenText = v.T("counselling.open_until", "time", at(d.Open.Until))
	case !d.Open.Next.IsZero():
		d.OpenText = v.T("counselling.closed_next", "time", at(d.Open.Next))
	default:
		d.OpenText = v.T("counselling.closed")
	}
	today := (int(now.Weekday()) + 6) % 7
	for i, k := range weekdayKeys {
		hours := counselling.FormatIntervals(c.Hours[i])
		if hours == "" {
			hours = v.T("counselling.closed_day")
		}
		d.Week = append(d.Week, counsellingDay{Name: v.T("counselling.day." + k), Hours: hours, Today: i == today})
	}
	horizon := now.AddDate(0, 0, 60)
	for _, e := range c.Exceptions {
		if e.To.Before(now.Add(-24*time.Hour)) || e.From.After(horizon) {
			continue
		}
		when := e.From.Format("02.01.2006")
		if !e.To.Equal(e.From) {
			when += "–" + e.To.Format("02.01.2006")
		}
		what := v.T("counselling.closed_day")
		if !e.Closed {
			what = counselling.FormatIntervals(e.Hours)
		}
		if e.Note != "" {
			what += " (" + e.Note + ")"
		}
		d.Exceptions = append(d.Exceptions, when+": "+what)
	}
	for _, l := range c.Languages {
		d.Languages = append(d.Languages, languageName(v.Lang.Code, l))
	}
	v.Desc = strings.Join(c.Offers, ", ")
	v.Data = d
	return h.pages.Render(w, r, http.StatusOK, "counselling_centre", v)
}

// counsellingComing is the page behind "Online-Beratung" (Fall 4) until
// online counselling is built ("Termin buchen", Fall 1, is booking.go).
func (h *Handler) counsellingComing(kind string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ix, err := h.counsellingIndex(r)
		if err != nil {
			return err
		}
		c, ok := ix.Centre(r.PathValue("slug"))
		if !ok || c.OnlineCase() != counselling.OnlineOwn {
			return web.ErrNotFound
		}
		v := h.site.NewView(r, "")
		v.Title = v.T("counselling.coming." + kind + ".title")
		v.Data = c
		return h.pages.Render(w, r, http.StatusOK, "counselling_coming", v)
	}
}
