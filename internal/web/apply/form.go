package apply

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sozialplattform/sozialplattform/content"
	"github.com/sozialplattform/sozialplattform/internal/application"
	"github.com/sozialplattform/sozialplattform/internal/draft"
	"github.com/sozialplattform/sozialplattform/internal/form"
	"github.com/sozialplattform/sozialplattform/internal/identity"
	"github.com/sozialplattform/sozialplattform/internal/office"
	"github.com/sozialplattform/sozialplattform/internal/session"
	"github.com/sozialplattform/sozialplattform/internal/web"
)

// The application assistant: one page per chapter of a form definition.
// The application lives in the server-side session, never in the browser;
// for a signed-in person it is also saved as a draft (24 hours) at every
// chapter change and by "Speichern". Without JavaScript everything works
// through the buttons Zurück, Aktualisieren and Weiter; with it, a changed
// answer asks the server for the chapter again and swaps it in place, so the
// conditions are evaluated in Go only.

// Chapter pseudo-ids that are pages of their own.
const (
	pageCheck = "pruefen" // check your answers
)

// returnToCheck is the parameter that brings a person who changes an answer
// from the check page back there after "Weiter".
const returnToCheck = "ziel"

func formKey(leika string) string { return "antrag:" + leika }

// formContext is everything a handler of the assistant needs.
type formContext struct {
	def   *form.Definition
	svc   *content.Service
	in    *application.Instance
	base  string // /{lang}/antrag/{leika}
	lang  string
	fresh bool // started by this request: the session had none
}

// loadForm finds the definition and the person's application in the session;
// start creates one when there is none.
func (h *Handler) loadForm(r *http.Request, start bool) (*formContext, error) {
	leika := r.PathValue("leika")
	if leika == "" {
		leika = r.PathValue("slug")
	}
	def, ok := h.Forms[leika]
	if !ok {
		return nil, web.ErrNotFound
	}
	svc, ok := h.Catalogue.ByLeiKa(leika)
	if !ok {
		return nil, web.ErrNotFound
	}
	fc := &formContext{def: def, svc: svc, lang: web.Lang(r).Code}
	fc.base = "/" + fc.lang + "/antrag/" + leika
	if sess := session.FromContext(r.Context()); sess != nil {
		if raw := sess.Get(formKey(leika)); raw != "" {
			if in, err := application.Decode(raw, def); err == nil {
				fc.in = in
			}
		}
	}
	if fc.in == nil && start {
		fc.in = application.New(def, svc.Slug, validARS(r.URL.Query().Get("ars")), h.site.Now())
		fc.fresh = true
	}
	if fc.in == nil {
		return nil, errFormExpired
	}
	return fc, nil
}

// validARS keeps a regional key from a link only if it has the form of one.
func validARS(ars string) string {
	if len(ars) != 12 && len(ars) != 5 && len(ars) != 2 {
		return ""
	}
	for _, c := range ars {
		if c < '0' || c > '9' {
			return ""
		}
	}
	return ars
}

// saveForm writes the application back into the session and, for a
// signed-in person, into the draft.
func (h *Handler) saveForm(w http.ResponseWriter, r *http.Request, fc *formContext) error {
	fc.in.Updated = h.site.Now()
	raw, err := fc.in.Encode()
	if err != nil {
		return err
	}
	sess := session.FromContext(r.Context())
	sess.Set(formKey(fc.def.LeiKa), raw)
	if err := h.site.Sessions.Save(r.Context(), w, sess); err != nil {
		return err
	}
	if h.Uploads != nil {
		// Proofs live as long as the application they belong to.
		if err := h.Uploads.Extend(r.Context(), fc.in.ID); err != nil {
			return err
		}
	}
	if citizenFrom(r) != nil && h.Drafts != nil {
		return h.Drafts.Save(r.Context(), &draft.Draft{ID: fc.in.ID, Owner: sess.Owner(), Service: fc.svc.Slug, Data: raw,
			CreatedAt: fc.in.Created})
	}
	return nil
}

// formEntry is GET /{lang}/antrag/{leika}: it starts the application (or
// finds the one in the session) and sends the browser on to the first
// chapter that still needs answers, at that chapter's own address. A page
// of its own at the entry would show another chapter each time the person
// got further, so browser Back from chapter 2 would show chapter 2 again.
func (h *Handler) formEntry(w http.ResponseWriter, r *http.Request) error {
	fc, err := h.loadForm(r, true)
	if err != nil {
		return err
	}
	if fc.fresh && len(fc.in.Answers) == 0 {
		// A signed-in person who starts again from the benefit page goes on
		// with the draft they saved, not a second, empty one.
		if resumed, err := h.savedDraft(w, r, fc); err != nil || resumed != nil {
			if err != nil {
				return err
			}
			fc = resumed
		}
	}
	if ars := validARS(r.URL.Query().Get("ars")); ars != "" && ars != fc.in.ARS {
		fc.in.ARS, fc.fresh = ars, true
	}
	if fc.fresh {
		// The application begins here: it gets its place in the session,
		// with what BundID delivered if the person agreed to its use.
		if id := citizenFrom(r); id != nil && !id.Consented.IsZero() && len(fc.in.Answers) == 0 {
			prefill(fc.def, fc.in.Answers, id)
		}
		if err := h.saveForm(w, r, fc); err != nil {
			return err
		}
	}
	first := fc.in.FirstOpen(fc.def, h.site.Now())
	if first == "" {
		first = fc.def.Chapters[len(fc.def.Chapters)-1].ID
	}
	target := fc.base + "/" + first
	if r.URL.Query().Get("abgelaufen") == "1" {
		target += "?abgelaufen=1"
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// savedDraft puts the signed-in person's latest draft of this service into
// the session and returns it (nil when there is none).
func (h *Handler) savedDraft(w http.ResponseWriter, r *http.Request, fc *formContext) (*formContext, error) {
	if citizenFrom(r) == nil || h.Drafts == nil {
		return nil, nil
	}
	sess := session.FromContext(r.Context())
	drafts, err := h.Drafts.List(r.Context(), sess.Owner())
	if err != nil {
		return nil, err
	}
	for _, d := range drafts { // newest first
		if d.Service != fc.svc.Slug {
			continue
		}
		in, err := application.Decode(d.Data, fc.def)
		if err != nil || len(in.Answers) == 0 {
			continue // an older form version cannot go on; an empty one need not
		}
		sess.Set(formKey(fc.def.LeiKa), d.Data)
		if err := h.site.Sessions.Save(r.Context(), w, sess); err != nil {
			return nil, err
		}
		return h.loadForm(r, false)
	}
	return nil, nil
}

// prefill takes a signed-in person's BundID attributes into the fields that
// name them as their prefill source; the person sees and may change them.
func prefill(def *form.Definition, a form.Answers, id *identity.Identity) {
	values := map[string]string{"givenName": id.GivenName, "surname": id.Surname, "birthName": id.BirthName,
		"birthDate": id.ShownBirthDate(), "placeOfBirth": id.PlaceOfBirth, "street": id.Street, "postcode": id.Postcode,
		"locality": id.Locality, "email": id.Email}
	for _, path := range def.PrefillFields() {
		f, _ := def.FieldByPath(path)
		if v := values[f.Prefill]; v != "" {
			a[path] = v
		}
		// BundID's nationality is a country code; the form asks for a
		// category (code list staatsangehoerigkeit: DEU, EU, ANDERE, …). It
		// goes into that field of the group that holds the person's own
		// birth date, when the form's code list has the category.
		if f.Prefill == "birthDate" {
			natPath := path[:strings.LastIndex(path, ".")+1] + "staatsangehoerigkeit"
			nat, ok := def.FieldByPath(natPath)
			if cat := id.NationalityCategory(); ok && cat != "" && a[natPath] == "" {
				for _, c := range def.CodeLists[nat.CodeList] {
					if c.Value == cat {
						a[natPath] = cat
					}
				}
			}
		}
	}
}

// formGone sends a person whose application is no longer in the session to
// a new one, with a notice.
func (h *Handler) formGone(w http.ResponseWriter, r *http.Request) error {
	// Back after sending: the application's pages lead to its receipt, not
	// to a new empty application that invites a second one.
	if sess := session.FromContext(r.Context()); sess != nil {
		if last := sess.Get(lastReceiptKey(r.PathValue("leika"))); last != "" && h.receiptAllowed(r, last) {
			http.Redirect(w, r, "/"+web.Lang(r).Code+"/antrag/"+r.PathValue("leika")+"/eingang/"+last, http.StatusSeeOther)
			return nil
		}
	}
	if h.signInExpired(w, r) {
		return nil
	}
	if r.URL.Query().Get("abgelaufen") == "1" {
		// Sent here from a new application that is already gone again: the
		// browser keeps no session cookie. Another round would never end.
		return errNoCookies
	}
	http.Redirect(w, r, "/"+web.Lang(r).Code+"/antrag/"+r.PathValue("leika")+"?abgelaufen=1", http.StatusSeeOther)
	return nil
}

// resumeDraft is reached from the personal area: the draft becomes the
// application of this session again.
func (h *Handler) resumeDraft(w http.ResponseWriter, r *http.Request, svc *content.Service, id string) error {
	id_ := citizenFrom(r)
	if id_ == nil || h.Drafts == nil {
		http.Redirect(w, r, "/"+web.Lang(r).Code+"/anmelden?"+url.Values{"weiter": {"/" + web.Lang(r).Code + "/konto"}}.Encode(), http.StatusSeeOther)
		return nil
	}
	sess := session.FromContext(r.Context())
	d, err := h.Drafts.Find(r.Context(), sess.Owner(), id)
	if errors.Is(err, draft.ErrNotFound) || (err == nil && d.Service != svc.Slug) {
		return web.ErrNotFound
	}
	if err != nil {
		return err
	}
	for leika, def := range h.Forms {
		if svcOf, ok := h.Catalogue.ByLeiKa(leika); ok && svcOf.Slug == svc.Slug {
			if _, err := application.Decode(d.Data, def); err != nil {
				return errFormExpired
			}
			sess.Set(formKey(leika), d.Data)
			if err := h.site.Sessions.Save(r.Context(), w, sess); err != nil {
				return err
			}
			http.Redirect(w, r, "/"+web.Lang(r).Code+"/antrag/"+leika, http.StatusSeeOther)
			return nil
		}
	}
	return web.ErrNotFound
}

// formChapterGet shows a chapter.
func (h *Handler) formChapterGet(w http.ResponseWriter, r *http.Request) error {
	// A page kept for exactly this state was reachable in it: answered
	// before the application is even read.
	if e := h.states.get(h.stateKeyFor(r, r.PathValue("leika"), r.PathValue("chapter")), h.site.Now()); e != nil {
		e.write(w, r)
		return nil
	}
	fc, err := h.loadForm(r, false)
	if err == errFormExpired {
		return h.formGone(w, r)
	}
	if err != nil {
		return err
	}
	id := r.PathValue("chapter")
	if _, ok := fc.def.Chapter(id); !ok {
		return web.ErrNotFound
	}
	if !fc.in.Reachable(fc.def, id, h.site.Now()) {
		// A locked chapter: go to the first one that needs answers.
		http.Redirect(w, r, fc.base+"/"+fc.in.FirstOpen(fc.def, h.site.Now()), http.StatusSeeOther)
		return nil
	}
	return h.showChapterCached(w, r, fc, id)
}

// showChapterCached answers a GET of a chapter from the state cache when
// nothing changed since it was rendered.
func (h *Handler) showChapterCached(w http.ResponseWriter, r *http.Request, fc *formContext, id string) error {
	key := h.chapterStateKey(r, fc, id)
	if key == "" {
		return h.showChapter(w, r, fc, id, nil, http.StatusOK)
	}
	if e := h.states.get(key, h.site.Now()); e != nil {
		e.write(w, r)
		return nil
	}
	return h.cachedRender(w, r, key, func(w http.ResponseWriter) error {
		return h.showChapter(w, r, fc, id, nil, http.StatusOK)
	})
}

// chapterStateKey is the state cache's key for a chapter page, "" for pages
// that show what the application alone does not determine (uploads, the
// receiving office).
func (h *Handler) chapterStateKey(r *http.Request, fc *formContext, id string) string {
	if id == fc.def.Chapters[len(fc.def.Chapters)-1].ID || id == fc.def.UploadChapter() {
		return ""
	}
	return h.stateKeyFor(r, fc.def.LeiKa, id)
}

// stateKeyFor is the state cache's key for a page of the application: the
// visitor's cookies, the application exactly as saved in the session, the
// page, language, query, encoding and day; "" without an application.
func (h *Handler) stateKeyFor(r *http.Request, leika, id string) string {
	sess := session.FromContext(r.Context())
	if sess == nil {
		return ""
	}
	raw := sess.Get(formKey(leika))
	if raw == "" {
		return ""
	}
	cookie := func(name string) string {
		if c, err := r.Cookie(name); err == nil {
			return c.Value
		}
		return ""
	}
	return stateKey(cookie(h.site.Sessions.CookieName()), cookie(h.site.CSRFCookieName()), string(sess.Kind()), leika, id, web.Lang(r).Code,
		r.URL.RawQuery, web.NegotiateEncoding(r), h.site.Now().UTC().Format("2006-01-02"), raw)
}

// formChapterPost takes a chapter's answers and acts on the button pressed.
func (h *Handler) formChapterPost(w http.ResponseWriter, r *http.Request) error {
	fc, err := h.loadForm(r, true)
	if err != nil {
		return err
	}
	id := r.PathValue("chapter")
	if _, ok := fc.def.Chapter(id); !ok {
		return web.ErrNotFound
	}
	if fc.fresh {
		// "Absenden" pressed twice: the first one sent it; show its receipt.
		if sess := session.FromContext(r.Context()); sess != nil {
			if last := sess.Get(lastReceiptKey(fc.def.LeiKa)); last != "" && h.receiptAllowed(r, last) {
				http.Redirect(w, r, fc.base+"/eingang/"+last, http.StatusSeeOther)
				return nil
			}
		}
		// A signed-in person's sign-in ended: to the sign-in, which says
		// where the saved draft is.
		if h.signInExpired(w, r) {
			return nil
		}
		// The session ended while the person was typing: what they sent is
		// kept in a new application, and they are told.
		h.readChapter(fc, id, r)
		if err := h.saveForm(w, r, fc); err != nil {
			return err
		}
		http.Redirect(w, r, fc.base+"?abgelaufen=1", http.StatusSeeOther)
		return nil
	}
	if !fc.in.Reachable(fc.def, id, h.site.Now()) {
		http.Redirect(w, r, fc.base+"/"+fc.in.FirstOpen(fc.def, h.site.Now()), http.StatusSeeOther)
		return nil
	}
	// What was on the screen before: a question this answer opens is new,
	// not a mistake.
	shown := map[string]bool{}
	if before, _ := fc.def.Evaluate(id, fc.in.Answers, h.site.Now()); before != nil {
		for _, it := range before.Items {
			if it.Visible {
				shown[it.Path] = true
			}
		}
	}
	fragment := r.Header.Get("X-Fragment") == "1"
	open := h.readChapter(fc, id, r)
	action := r.PostFormValue("aktion")
	switch {
	case strings.HasPrefix(action, "hinzufuegen:"):
		g := strings.TrimPrefix(action, "hinzufuegen:")
		if fc.def.AddEntry(g, fc.in.Answers) {
			open[g+"."+strconv.Itoa(fc.in.Answers.Count(g)-1)] = true
		}
	case strings.HasPrefix(action, "entfernen:"):
		g, idx, ok := strings.Cut(strings.TrimPrefix(action, "entfernen:"), ":")
		if i, err := strconv.Atoi(idx); ok && err == nil {
			fc.def.RemoveEntry(g, i, fc.in.Answers)
			open = shiftOpen(open, g, i)
		}
	}
	now := h.site.Now()
	st, _ := fc.def.Evaluate(id, fc.in.Answers, now)
	last := id == fc.def.Chapters[len(fc.def.Chapters)-1].ID
	switch action {
	case "zurueck":
		// Back never validates and never loses what was typed.
		if err := h.saveForm(w, r, fc); err != nil {
			return err
		}
		prev := fc.in.Next(fc.def, id, -1, now)
		if last && fc.in.ReadyToCheck(fc.def, now) {
			prev = pageCheck
		}
		if prev == "" {
			prev = id
		}
		http.Redirect(w, r, fc.base+"/"+prev, http.StatusSeeOther)
		return nil
	case "weiter", "speichern", "absenden":
		if action == "speichern" {
			if err := h.saveForm(w, r, fc); err != nil {
				return err
			}
			// Back where "Speichern" was pressed, the confirmation beside it.
			http.Redirect(w, r, fc.base+"/"+id+"?gespeichert=1#gespeichert", http.StatusSeeOther)
			return nil
		}
		consentErrs := h.consentProblems(r, fc, last && action == "absenden")
		if len(st.Problems) == 0 && len(consentErrs) == 0 {
			fc.in.Done[id] = true
			if last && action == "absenden" {
				return h.submit(w, r, fc)
			}
			if err := h.saveForm(w, r, fc); err != nil {
				return err
			}
			next := fc.in.Next(fc.def, id, +1, now)
			if next == fc.def.Chapters[len(fc.def.Chapters)-1].ID || next == "" ||
				(r.PostFormValue(returnToCheck) == pageCheck && fc.in.ReadyToCheck(fc.def, now)) {
				next = pageCheck
			}
			http.Redirect(w, r, fc.base+"/"+next, http.StatusSeeOther)
			return nil
		}
		delete(fc.in.Done, id)
		if err := h.saveForm(w, r, fc); err != nil {
			return err
		}
		for _, p := range st.Problems {
			if g, i := groupEntryOf(p.Path); g != "" {
				open[g+"."+strconv.Itoa(i)] = true
			}
		}
		if !last {
			// Post/Redirect/Get: the page with the messages has an address
			// of its own, so browser Back and reload never ask to send the
			// form again. Answers are saved; the messages are worked out
			// from them again.
			first := ""
			for _, p := range st.Problems {
				// Shown before, or answered: the person saw the question.
				if shown[p.Path] || strings.TrimSpace(r.PostFormValue(p.Path)) != "" {
					first = ""
					break
				}
				if first == "" {
					first = p.Path
				}
			}
			if first != "" {
				// Only questions the answers just opened are unanswered: show
				// them, without calling them mistakes.
				http.Redirect(w, r, h.chapterURL(r, fc, id, open, url.Values{"weitere": {"1"}}, problemTarget(fc.def, first)), http.StatusSeeOther)
				return nil
			}
			http.Redirect(w, r, h.chapterURL(r, fc, id, open, url.Values{"fehler": {"1"}}, "error-summary"), http.StatusSeeOther)
			return nil
		}
		v := h.site.NewView(r, "")
		v.Errors = append(chapterErrors(v, fc, st), consentErrs...)
		return h.showChapterView(w, r, v, fc, id, open, http.StatusUnprocessableEntity)
	}
	// "Aktualisieren", adding or removing an entry: show the chapter again
	// with what now applies, without error messages.
	if err := h.saveForm(w, r, fc); err != nil {
		return err
	}
	if fragment {
		return h.renderChapterFragment(w, r, fc, id, open)
	}
	// Land where the change happened: the entry just added (its first
	// field takes the focus), the list an entry left, or the first
	// question the answer opened.
	extra, anchor := url.Values{}, "chapter-fields"
	switch {
	case strings.HasPrefix(action, "hinzufuegen:"):
		g := strings.TrimPrefix(action, "hinzufuegen:")
		if n := fc.in.Answers.Count(g); n > 0 {
			// No fragment: a browser skips autofocus when the address
			// names an element, and the entry's first field takes the focus
			// (and so comes into view) by autofocus.
			extra.Set("neu", g+"."+strconv.Itoa(n-1))
			anchor = ""
		}
	case strings.HasPrefix(action, "entfernen:"):
		g, _, _ := strings.Cut(strings.TrimPrefix(action, "entfernen:"), ":")
		anchor = form.HTMLID(g) + "-add"
	default:
		for _, it := range st.Items {
			if it.Visible && it.Path != "" && !shown[it.Path] {
				anchor = problemTarget(fc.def, it.Path)
				break
			}
		}
	}
	http.Redirect(w, r, h.chapterURL(r, fc, id, open, extra, anchor), http.StatusSeeOther)
	return nil
}

// chapterURL is the chapter's address after a button that stays on it:
// the entries that are open, what else the page is to show (extra), the
// way back to the check page if the person came from there, and where on
// the page to land.
func (h *Handler) chapterURL(r *http.Request, fc *formContext, id string, open map[string]bool, extra url.Values, anchor string) string {
	q := url.Values{}
	var keys []string
	for k, ok := range open {
		if ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	q["offen"] = keys
	for k, vs := range extra {
		q[k] = vs
	}
	if r.PostFormValue(returnToCheck) == pageCheck {
		q.Set(returnToCheck, pageCheck)
	}
	u := fc.base + "/" + id
	if enc := q.Encode(); enc != "" {
		u += "?" + enc
	}
	if anchor != "" {
		u += "#" + anchor
	}
	return u
}

// openFromQuery are the entries a chapter's address says are open, those
// that exist.
func openFromQuery(r *http.Request, fc *formContext, open map[string]bool) {
	for _, k := range r.URL.Query()["offen"] {
		if g, i := groupEntryOf(k + ".x"); g != "" && g+"."+strconv.Itoa(i) == k && i < fc.in.Answers.Count(g) {
			open[k] = true
		}
	}
}

// chapterErrors are the messages of a chapter's problems, for the error
// summary and beside each field.
func chapterErrors(v *web.View, fc *formContext, st *form.ChapterState) []web.FieldMessage {
	labels := map[string]string{}
	for _, it := range st.Items {
		labels[it.Path] = it.Label.In(v.Lang.Code)
	}
	var out []web.FieldMessage
	for _, p := range st.Problems {
		out = append(out, web.FieldMessage{Field: problemTarget(fc.def, p.Path), Message: problemText(v, fc.def, p, labels[p.Path]),
			Target: optionTarget(fc.def, p.Path)})
	}
	return out
}

// problemTarget is the id an error-summary link jumps to: the field, or for
// a group without enough entries its add button.
func problemTarget(def *form.Definition, path string) string {
	if f, ok := def.FieldByPath(path); ok && f.Kind == "group" {
		return form.HTMLID(path) + "-add"
	}
	return form.HTMLID(path)
}

// problemText says what to change, naming the field: the error summary
// lists every problem of the page, and nine times "Bitte füllen Sie dieses
// Feld aus." tell a person nothing.
// optionTarget is, for a field answered with radio buttons or checkboxes,
// the id of its first option ("" for other fields): a link to the group
// itself would move no focus.
func optionTarget(def *form.Definition, path string) string {
	f, ok := def.FieldByPath(groupless(path))
	if !ok {
		return ""
	}
	switch f.Kind {
	case "yesno":
		return form.HTMLID(path) + "-ja"
	case "choice", "multichoice":
		return form.HTMLID(path) + "-0"
	}
	return ""
}

func problemText(v *web.View, def *form.Definition, p form.Problem, label string) string {
	if p.Key == "" {
		return p.Text.In(v.Lang.Code)
	}
	f, _ := def.FieldByPath(groupless(p.Path))
	if label == "" || f == nil {
		return v.T(p.Key)
	}
	switch p.Key {
	case "form.error.required":
		switch f.Kind {
		case "choice", "yesno", "codelist", "multichoice":
			return v.T("form.error.required_choice", "label", label)
		}
		return v.T("form.error.required_named", "label", label)
	case "form.error.range":
		if f.Min != nil && f.Max != nil {
			return v.T("form.error.range_between", "label", label, "min", limitText(f, *f.Min), "max", limitText(f, *f.Max))
		}
	}
	return v.T(p.Key)
}

// limitText writes a field's bound the way the field takes it.
func limitText(f *form.Field, x float64) string {
	if f.Kind == "money" {
		return form.DisplayValue("money", strconv.FormatInt(int64(x*100), 10)) + " €"
	}
	return strconv.FormatFloat(x, 'f', -1, 64)
}

// groupless is an instance path without its entry numbers
// ("einkommen.1.betrag" → "einkommen.betrag"), the field's own path.
func groupless(path string) string {
	parts := strings.Split(path, ".")
	out := parts[:0]
	for _, p := range parts {
		if _, err := strconv.Atoi(p); err != nil {
			out = append(out, p)
		}
	}
	return strings.Join(out, ".")
}

// shiftOpen keeps the open entries of a group in step after entry i was removed.
func shiftOpen(open map[string]bool, group string, i int) map[string]bool {
	out := map[string]bool{}
	for k := range open {
		g, idx := groupEntryOf(k + ".x")
		switch {
		case g != group || idx < i:
			out[k] = true
		case idx > i:
			out[group+"."+strconv.Itoa(idx-1)] = true
		}
	}
	return out
}

// readChapter copies the posted values of this chapter's fields into the
// answers; the evaluation then cleans and checks them. Entries of
// repeatable groups that were shown folded are not in the post and keep
// their answers. It returns the entries that were shown open.
//
// The page's script sends only what the person changed (teilweise=1 with
// nur=<path> for each answer it carries): an answer it does not name is
// kept as the server holds it, so a page shown from an old copy can never
// blank what was saved.
func (h *Handler) readChapter(fc *formContext, chapterID string, r *http.Request) map[string]bool {
	open := map[string]bool{}
	for _, k := range r.PostForm["offen"] {
		open[k] = true
	}
	var only map[string]bool
	if r.PostForm.Get("teilweise") == "1" {
		only = map[string]bool{}
		for _, p := range r.PostForm["nur"] {
			only[p] = true
		}
	}
	st, _ := fc.def.Evaluate(chapterID, fc.in.Answers.Clone(), h.site.Now())
	for _, it := range st.Items {
		// Every field of the chapter is read, visible or not: whether a
		// field shows depends on the answers being posted now, and the
		// evaluation afterwards clears what stays hidden.
		if it.Path == "" {
			continue
		}
		f, _ := fc.def.FieldByPath(it.Field)
		if f == nil || f.Kind == "group" || f.Kind == "file" {
			continue
		}
		if g, i := groupEntryOf(it.Path); g != "" && !open[g+"."+strconv.Itoa(i)] {
			continue
		}
		if only != nil && !only[it.Path] {
			continue
		}
		vals := r.PostForm[it.Path]
		switch {
		case f.Kind == "multichoice":
			fc.in.Answers[it.Path] = strings.Join(vals, "\n")
		case len(vals) > 0:
			fc.in.Answers[it.Path] = vals[0]
		default:
			delete(fc.in.Answers, it.Path)
		}
	}
	return open
}

// Template data of a chapter page.
type formPage struct {
	ServiceTitle string
	Chapter      *form.ChapterState
	Number       int // 1-based position of the chapter
	Total        int
	Help         string
	Chapters     []chapterLink
	Items        []renderedItem
	Action       string
	Base         string
	First, Last  bool
	Signed       bool // signed in: drafts are kept
	Saved        bool // "Speichern" was pressed
	// MoreQuestions: "Weiter" opened questions that now need an answer.
	MoreQuestions bool
	BackToCheck   bool      // reached by "Ändern" on the check page: "Weiter" returns there
	KeptUntil     time.Time // the draft's deadline
	Open          []string  // entries shown open (posted back)
	Consent       *consentView
	Uploads       *uploadView
	Expired       bool // a new application after the session had ended
}

type chapterLink struct {
	ID, Title, State, Href string
	Number                 int
}

type renderedItem struct {
	Info    string
	HTML    template.HTML
	Group   *groupView
	Upload  *uploadSlot
	Visible bool
}

type groupView struct {
	Path, AddID string
	Title       string
	Entries     []groupEntry
	Add         bool
	AddLabel    string
	Error       string
}

type groupEntry struct {
	Index   int
	Key     string // "einkommen.1", posted back while open
	Title   string
	Open    bool
	Summary string
	HTML    template.HTML
}

// consentView is the consent block of the last chapter.
type consentView struct {
	Terms, Postkorb   bool
	Signed            bool
	TermsErr          string
	Office            *office.Match
	OfficeProblem     string // message key when no office can receive it
	OfficeAlternative *office.Match
	// StartOffice is the office the application was started for, when the
	// applicant's address makes another one responsible.
	StartOffice *office.Match
}

func (h *Handler) showChapter(w http.ResponseWriter, r *http.Request, fc *formContext, id string, open map[string]bool, status int) error {
	return h.showChapterView(w, r, h.site.NewView(r, ""), fc, id, open, status)
}

func (h *Handler) buildChapter(r *http.Request, v *web.View, fc *formContext, id string, open map[string]bool) (*formPage, error) {
	lang := v.Lang.Code
	now := h.site.Now()
	st, _ := fc.def.Evaluate(id, fc.in.Answers, now)
	p := &formPage{ServiceTitle: fc.svc.View(lang).Title, Chapter: st, Help: st.Help.In(lang), Base: fc.base,
		Action: fc.base + "/" + id, Signed: citizenFrom(r) != nil, Saved: r.URL.Query().Get("gespeichert") == "1",
		BackToCheck: r.URL.Query().Get(returnToCheck) == pageCheck || r.PostFormValue(returnToCheck) == pageCheck,
		Expired:     r.URL.Query().Get("abgelaufen") == "1"}
	if p.Signed {
		p.KeptUntil = fc.in.Updated.Add(draft.Lifetime)
	}
	for i, c := range fc.in.Chapters(fc.def, id, now) {
		p.Chapters = append(p.Chapters, chapterLink{ID: c.ID, Title: c.Title.In(lang), State: string(c.Status),
			Href: fc.base + "/" + c.ID, Number: i + 1})
		if c.ID == id {
			p.Number = i + 1
		}
	}
	p.Total = len(fc.def.Chapters)
	p.First, p.Last = p.Number == 1, p.Number == p.Total
	errs := map[string]string{}
	for _, e := range v.Errors {
		if _, dup := errs[e.Field]; !dup {
			errs[e.Field] = e.Message
		}
	}
	if open == nil {
		open = map[string]bool{}
	}
	if k := r.URL.Query().Get("bearbeiten"); k != "" {
		open[k] = true
	}
	openFromQuery(r, fc, open)
	if r.URL.Query().Get("fehler") == "1" && len(v.Errors) == 0 {
		// After "Weiter" with something to correct (Post/Redirect/Get).
		v.Errors = chapterErrors(v, fc, st)
		for _, e := range v.Errors {
			errs[e.Field] = e.Message
		}
		for _, p := range st.Problems {
			if g, i := groupEntryOf(p.Path); g != "" {
				open[g+"."+strconv.Itoa(i)] = true
			}
		}
	}
	p.MoreQuestions = r.URL.Query().Get("weitere") == "1"
	p.Items = h.renderItems(fc, st, errs, open, addedEntry(r, fc, v), v)
	for k := range open {
		p.Open = append(p.Open, k)
	}
	if p.Last {
		c, err := h.consentView(r, fc, v)
		if err != nil {
			return nil, err
		}
		p.Consent = c
	}
	if hasUploads(fc.def, st) {
		u, err := h.uploadView(r, fc, st, v, errs)
		if err != nil {
			return nil, err
		}
		p.Uploads = u
		for i := range p.Items {
			if p.Items[i].Upload != nil {
				hint := p.Items[i].Upload.Hint
				p.Items[i].Upload = u.slot(p.Items[i].Upload.Slot, p.Items[i].Upload.Label)
				p.Items[i].Upload.Hint = hint
			}
		}
	}
	return p, nil
}

func (h *Handler) showChapterView(w http.ResponseWriter, r *http.Request, v *web.View, fc *formContext, id string, open map[string]bool, status int) error {
	p, err := h.buildChapter(r, v, fc, id, open)
	if err != nil {
		return err
	}
	v.Title = p.Chapter.Title.In(v.Lang.Code) + " – " + p.ServiceTitle
	if _, ok := p.Chapter.Title[v.Lang.Code]; !ok {
		// The form's own texts exist in German, English and Leichte
		// Sprache; other languages see German questions with a notice.
		v.FellBack = true
	}
	v.Data = p
	v.NoFeedback = true
	return h.pages.Render(w, r, status, "form_chapter", v)
}

// renderChapterFragment answers the script's in-place update with the inner
// part of the chapter form only.
func (h *Handler) renderChapterFragment(w http.ResponseWriter, r *http.Request, fc *formContext, id string, open map[string]bool) error {
	v := h.site.NewView(r, "")
	p, err := h.buildChapter(r, v, fc, id, open)
	if err != nil {
		return err
	}
	v.Data = p
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	return h.pages.Fragment(w, "form_chapter", "chapter_fields", v)
}

// addedEntry is the entry "Eintrag hinzufügen" just added ("einkommen.1"),
// named by the address the button leads to (neu=), "" otherwise or when
// the chapter has errors.
func addedEntry(r *http.Request, fc *formContext, v *web.View) string {
	k := r.URL.Query().Get("neu")
	g, i := groupEntryOf(k + ".x")
	if g == "" || g+"."+strconv.Itoa(i) != k || len(v.Errors) > 0 || i != fc.in.Answers.Count(g)-1 {
		return ""
	}
	return k
}

// renderItems renders the chapter's items; the first field of entry added
// takes the focus, so the person lands where the entry was added.
func (h *Handler) renderItems(fc *formContext, st *form.ChapterState, errs map[string]string, open map[string]bool, added string, v *web.View) []renderedItem {
	lang := v.Lang.Code
	var out []renderedItem
	groups := map[string]*groupView{}
	var summary []form.SummaryChapter
	for _, it := range st.Items {
		if !it.Visible {
			continue
		}
		if it.Field == "" {
			out = append(out, renderedItem{Info: it.Info.In(lang)})
			continue
		}
		f, _ := fc.def.FieldByPath(it.Field)
		if f.Kind == "group" {
			g := &groupView{Path: it.Path, AddID: form.HTMLID(it.Path) + "-add", Title: it.Label.In(lang),
				Add: f.Max == nil || float64(fc.in.Answers.Count(it.Path)) < *f.Max, Error: errs[form.HTMLID(it.Path)+"-add"]}
			g.AddLabel = v.T("form.entry.add")
			if g.Title != "" {
				g.AddLabel = v.T("form.entry.add_to", "group", g.Title)
			}
			for i := 0; i < fc.in.Answers.Count(it.Path); i++ {
				key := it.Path + "." + strconv.Itoa(i)
				g.Entries = append(g.Entries, groupEntry{Index: i, Key: key, Title: v.T("form.entry", "n", i+1)})
			}
			groups[it.Path] = g
			out = append(out, renderedItem{Group: g})
			continue
		}
		if f.Kind == "file" {
			out = append(out, renderedItem{Upload: &uploadSlot{Slot: it.Path, Label: it.Label.In(lang), Hint: it.Hint.In(lang)}})
			continue
		}
		fv := form.FieldView{ID: form.HTMLID(it.Path), Name: it.Path, Label: it.Label.In(lang), Hint: it.Hint.In(lang),
			Error: errs[form.HTMLID(it.Path)], Value: fc.in.Answers[it.Path], Required: it.Required, Lang: lang, Live: fc.def.Triggers(it.Field), TextLang: textLang(it.Label, lang),
			RequiredText: v.T("form.required"), OptionalText: v.T("form.optional"), YesText: v.T("form.yes"), NoText: v.T("form.no"),
			Placeholder:  v.T("form.date_placeholder"),
			Autocomplete: f.Autocomplete(), Autofocus: added != "" && strings.HasPrefix(it.Path, added+".")}
		if fv.Autofocus {
			added = ""
		}
		selected := map[string]bool{}
		for _, x := range strings.Split(fc.in.Answers[it.Path], "\n") {
			selected[x] = true
		}
		for _, c := range fc.def.CodeLists[f.CodeList] {
			fv.Codes = append(fv.Codes, form.CodeView{Value: c.Value, Label: c.Label.In(lang), Checked: selected[c.Value]})
		}
		fieldHTML, err := form.RenderHTML(f.Kind, fv)
		if err != nil {
			continue
		}
		// Fields of a repeatable group go into their entry.
		if g, idx := groupEntryOf(it.Path); g != "" {
			if gv := groups[g]; gv != nil && idx < len(gv.Entries) {
				gv.Entries[idx].HTML += fieldHTML
				if fv.Error != "" || !entryFilled(fc.in.Answers, gv.Entries[idx].Key) {
					open[gv.Entries[idx].Key] = true
				}
				continue
			}
		}
		out = append(out, renderedItem{HTML: fieldHTML})
	}
	// Entries that are complete and not being changed are shown folded, as a
	// line with their answers and a change link.
	for _, g := range groups {
		for i := range g.Entries {
			e := &g.Entries[i]
			e.Open = open[e.Key]
			if e.Open {
				continue
			}
			if summary == nil {
				summary = fc.def.SummaryOf(st.ID, fc.in.Answers, lang, h.site.Now())
			}
			e.Summary = entrySummary(summary, e.Key)
		}
	}
	return out
}

// textLang is "de" when a form text is shown in German in a page of another
// language (the form has no text in that language), else "".
func textLang(t form.Text, lang string) string {
	if _, ok := t[lang]; ok || lang == "de" || lang == "ls" {
		return ""
	}
	return "de"
}

// entryFilled reports whether an entry has any answer yet.
func entryFilled(a form.Answers, key string) bool {
	for k, v := range a {
		if strings.HasPrefix(k, key+".") && v != "" {
			return true
		}
	}
	return false
}

// entrySummary is the folded line of an entry: its first answers.
func entrySummary(chapters []form.SummaryChapter, key string) string {
	var parts []string
	for _, c := range chapters {
		for _, row := range c.Rows {
			if strings.HasPrefix(row.Path, key+".") && len(parts) < 3 {
				parts = append(parts, row.Value)
			}
		}
	}
	return strings.Join(parts, " · ")
}

// groupEntryOf splits "einkommen.1.betrag" into ("einkommen", 1).
func groupEntryOf(path string) (string, int) {
	parts := strings.Split(path, ".")
	for i, p := range parts {
		if n, err := strconv.Atoi(p); err == nil && i > 0 && i < len(parts)-1 {
			return strings.Join(parts[:i], "."), n
		}
	}
	return "", 0
}

// formCheck is the check-your-answers page with change links into each
// chapter, before the consent step.
func (h *Handler) formCheck(w http.ResponseWriter, r *http.Request) error {
	fc, err := h.loadForm(r, false)
	if err == errFormExpired {
		return h.formGone(w, r)
	}
	if err != nil {
		return err
	}
	now := h.site.Now()
	if !fc.in.ReadyToCheck(fc.def, now) {
		http.Redirect(w, r, fc.base+"/"+fc.in.FirstOpen(fc.def, now), http.StatusSeeOther)
		return nil
	}
	v := h.site.NewView(r, "")
	lang := v.Lang.Code
	last := fc.def.Chapters[len(fc.def.Chapters)-1]
	chapters := fc.def.Summary(fc.in.Answers, lang, now)
	files, err := h.uploadList(r, fc.in.ID)
	if err != nil {
		return err
	}
	var links []chapterLink
	for i, c := range fc.in.Chapters(fc.def, pageCheck, now) {
		links = append(links, chapterLink{ID: c.ID, Title: c.Title.In(lang), State: string(c.Status), Href: fc.base + "/" + c.ID, Number: i + 1})
	}
	upCh := fc.def.UploadChapter()
	var out []summaryChapterView
	for _, c := range chapters[:len(chapters)-1] {
		// "Ändern" leads into the chapter and, after "Weiter", back here.
		cv := summaryChapterView{ID: c.ID, Title: c.Title, Applicable: c.Applicable, Href: fc.base + "/" + c.ID + "?" + returnToCheck + "=" + pageCheck}
		for _, row := range c.Rows {
			href := cv.Href + "#" + form.HTMLID(row.Path)
			if g, i := groupEntryOf(row.Path); g != "" {
				href = cv.Href + "&bearbeiten=" + url.QueryEscape(g+"."+strconv.Itoa(i)) + "#" + form.HTMLID(row.Path)
			}
			cv.Rows = append(cv.Rows, summaryRowView{Label: row.Label, Value: row.Value, Href: href})
		}
		if c.ID == upCh {
			for _, f := range files {
				f.Size = humanSize(v, f.bytes)
				cv.Files = append(cv.Files, f.uploadFile)
			}
		}
		out = append(out, cv)
	}
	v.Title = v.T("form.summary.title") + " – " + fc.svc.View(lang).Title
	v.Data = map[string]any{"Chapters": out, "Next": fc.base + "/" + last.ID, "PDF": fc.base + "/pdf",
		"Links": links, "ServiceTitle": fc.svc.View(lang).Title}
	v.NoFeedback = true
	return h.pages.Render(w, r, http.StatusOK, "form_summary", v)
}

type summaryChapterView struct {
	ID, Title, Href string
	Applicable      bool
	Rows            []summaryRowView
	Files           []uploadFile
}

type summaryRowView struct{ Label, Value, Href string }

// consentView prepares the consent block and the office that receives the
// application.
func (h *Handler) consentView(r *http.Request, fc *formContext, v *web.View) (*consentView, error) {
	c := &consentView{Signed: citizenFrom(r) != nil, Terms: r.PostFormValue("nutzungsbedingungen") == "ja",
		Postkorb: r.PostFormValue("postkorb") == "ja", TermsErr: v.ErrorFor("f-nutzungsbedingungen")}
	m, alt, problem, err := h.officeFor(r, fc)
	if err != nil {
		return nil, err
	}
	c.Office, c.OfficeAlternative, c.OfficeProblem = m, alt, problem
	if fc.in.ARS != "" && h.addressARS(fc) != "" {
		// Started from the office finder for one place, living in another:
		// say which office the address makes responsible, and instead of
		// which.
		start, err := h.firstOffice(r, fc, fc.in.ARS)
		if err != nil {
			return nil, err
		}
		now := m
		if now == nil {
			now = alt
		}
		if start != nil && (now == nil || now.Office.ID != start.Office.ID) {
			c.StartOffice = start
		}
	}
	return c, nil
}

// firstOffice is the office responsible for the service in area ars, the
// one that takes the application online first.
func (h *Handler) firstOffice(r *http.Request, fc *formContext, ars string) (*office.Match, error) {
	ms, err := h.Offices.Find(r.Context(), fc.svc.LeiKaIDs(), ars, true)
	if err != nil || len(ms) == 0 {
		return nil, err
	}
	for i := range ms {
		if ms[i].Case == office.CaseApplyHere {
			return &ms[i], nil
		}
	}
	return &ms[0], nil
}

// consentProblems checks the consent step when the person sends.
func (h *Handler) consentProblems(r *http.Request, fc *formContext, sending bool) []web.FieldMessage {
	if !sending {
		return nil
	}
	v := h.site.NewView(r, "")
	var out []web.FieldMessage
	if r.PostFormValue("nutzungsbedingungen") != "ja" {
		out = append(out, web.FieldMessage{Field: "f-nutzungsbedingungen", Message: v.T("form.consent.terms_required")})
	}
	if m, _, problem, err := h.officeFor(r, fc); err == nil && (m == nil || problem != "") {
		out = append(out, web.FieldMessage{Field: "stelle", Message: v.T("form.office.none_short")})
	}
	return out
}

// applicationARS is the regional key the application is for: the
// applicant's address decides (the office responsible is the one where the
// person lives); the place chosen before the start counts only while the
// address does not name a place.
func (h *Handler) applicationARS(fc *formContext) string {
	if ars := h.addressARS(fc); ars != "" {
		return ars
	}
	return fc.in.ARS
}

// addressARS is the regional key of the applicant's postcode and town, ""
// while they name no place. A postcode shared by several places keeps the
// place chosen before the start if it is one of them.
func (h *Handler) addressARS(fc *formContext) string {
	plz := form.WesternDigits(strings.TrimSpace(fc.in.Answers["adresse.plz"]))
	if plz == "" {
		return ""
	}
	pick := func(q string, only bool) string {
		res, err := h.Places.Lookup(q, 5)
		if err != nil || len(res.Places) == 0 || (only && len(res.Places) > 1) {
			return ""
		}
		for _, p := range res.Places {
			if ars, _ := h.Places.ARS(p); ars != "" && ars == fc.in.ARS {
				return ars
			}
		}
		ars, _ := h.Places.ARS(res.Places[0])
		return ars
	}
	if ars := pick(strings.TrimSpace(plz+" "+fc.in.Answers["adresse.ort"]), false); ars != "" {
		return ars
	}
	return pick(plz, true)
}

// officeFor finds the office that receives the application: the place chosen
// before the application started, else the applicant's address. Only an
// office that takes applications on the platform (Fall 1) will do; otherwise
// the person is told where to turn instead.
func (h *Handler) officeFor(r *http.Request, fc *formContext) (m, alt *office.Match, problem string, err error) {
	ars := h.applicationARS(fc)
	if ars == "" {
		return nil, nil, "form.office.unknown", nil
	}
	ms, err := h.Offices.Find(r.Context(), fc.svc.LeiKaIDs(), ars, true)
	if err != nil {
		return nil, nil, "", err
	}
	for i := range ms {
		if ms[i].Case == office.CaseApplyHere {
			return &ms[i], nil, "", nil
		}
	}
	if len(ms) > 0 {
		return nil, &ms[0], "form.office.not_online", nil
	}
	return nil, nil, "form.office.unknown", nil
}
