package application

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sozialplattform/sozialplattform/internal/form"
	"github.com/sozialplattform/sozialplattform/internal/pdf"
)

// today is late enough for the HzL answers below (notlage_seit 01.11.2026).
var today = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

const hzlPath = "../../content/antraege/hilfe-zum-lebensunterhalt.v1.yaml"

// The chapters of the HzL definition in their order.
var hzlChapters = []string{"antragsteller", "situation", "haushalt", "unterkunft", "einkommen", "ausgaben",
	"vermoegen", "unterlagen", "nothilfe", "absenden"}

func loadHzL(tb testing.TB) *form.Definition {
	tb.Helper()
	f, err := os.Open(hzlPath)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	d, err := form.Load(f, "hilfe-zum-lebensunterhalt.v1.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func loadYAML(tb testing.TB, src string) *form.Definition {
	tb.Helper()
	d, err := form.Load(strings.NewReader(src), "inline.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// The HzL definition has no chapter with applicableIf; this small form has
// one ("kinder", only for people with children) between two ordinary ones.
const tinyYAML = `
service: test-antrag
leika: "99000000000001"
version: 2
fields:
  - id: name
    type: text
  - id: hat_kinder
    type: yesno
  - id: kind_name
    type: text
  - id: beleg
    type: file
  - id: bestaetigt
    type: yesno
chapters:
  - id: person
    title: {de: Person, en: Person}
    items:
      - field: name
        label: {de: Name, en: Name}
        required: true
      - field: hat_kinder
        label: {de: "Haben Sie Kinder?", en: "Do you have children?"}
        required: true
  - id: kinder
    title: {de: Kinder, en: Children}
    applicableIf: {"==": [{"var": "hat_kinder"}, "ja"]}
    items:
      - field: kind_name
        label: {de: Name des Kindes, en: Name of the child}
        required: true
  - id: unterlagen
    title: {de: Unterlagen, en: Documents}
    items:
      - field: beleg
        label: {de: Beleg, en: Receipt}
  - id: absenden
    title: {de: Absenden, en: Send}
    items:
      - field: bestaetigt
        label: {de: "Alles richtig?", en: "All correct?"}
        required: true
`

func tiny(tb testing.TB) *form.Definition {
	tb.Helper()
	d := loadYAML(tb, tinyYAML)
	if len(d.Chapters) != 4 || d.Chapters[1].ApplicableIf == nil {
		tb.Fatalf("tiny definition: %d chapters", len(d.Chapters))
	}
	return d
}

// hzlAnswers is a whole valid HzL application (the values of
// internal/form/hzl_test.go).
func hzlAnswers() form.Answers {
	return form.Answers{"antrag_fuer": "selbst", "person.vorname": "Erika", "person.nachname": "Mustermann", "person.geburtsdatum": "12.08.1964",
		"person.geschlecht": "weiblich", "person.staatsangehoerigkeit": "DEU", "person.familienstand": "ledig", "adresse.strasse": "Heidestraße 17", "adresse.plz": "51147",
		"adresse.ort": "Köln", "erwerbsfaehig": "nein", "grund": "krankheit", "notlage_seit": "01.11.2026", "rente_beantragt": "nein", "schwerbehindert": "nein", "pflegegrad": "keiner",
		"lebt_allein": "ja", "hat_unterhaltspflichtige": "nein", "wohnsituation": "miete", "miete.kaltmiete": "450", "miete.nebenkosten": "120", "miete.heizkosten": "80",
		"einzug": "01.03.2015", "mietrueckstaende": "nein", "warmwasser": "zentral", "vermieter.name": "GWG Köln", "direktzahlung": "nein", "hat_einkommen": "ja", "hat_einmalig": "nein",
		"einkommen.#": "2", "einkommen.0.wer": "antragsteller", "einkommen.0.zahler": "AOK", "einkommen.0.haeufigkeit": "monatlich", "einkommen.0.art": "krankengeld", "einkommen.0.betrag": "612,40",
		"einkommen.1.wer": "antragsteller", "einkommen.1.zahler": "AOK", "einkommen.1.haeufigkeit": "monatlich", "einkommen.1.art": "sonstiges", "einkommen.1.art_text": "Nebenkostenerstattung", "einkommen.1.betrag": "20",
		"krankenversicherung": "pflicht", "krankenkasse": "AOK", "unterhalt_zahlt": "nein", "hat_versicherungen": "nein", "hat_schulden": "nein",
		"hat_konto": "ja", "konten.#": "1", "konten.0.wer": "antragsteller", "konten.0.bank": "Sparkasse", "konten.0.iban": "DE89 3704 0044 0532 0130 00", "konten.0.stand_am": "01.12.2026", "konten.0.kontostand": "-120,50", "hat_vermoegen": "nein", "hat_fahrzeug": "nein", "hat_schenkungen": "nein", "hat_ansprueche": "nein",
		"auszahlung.iban": "DE89 3704 0044 0532 0130 00", "auszahlung.inhaber": "Erika Mustermann",
		"braucht_sofort_hilfe": "nein", "richtig_vollstaendig": "bestaetigt", "mitwirkung": "bestaetigt"}
}

// complete is a HzL instance with every chapter filled and ticked.
func complete(def *form.Definition) *Instance {
	in := New(def, "hilfe-zum-lebensunterhalt", "053150000000", today.Add(-time.Hour))
	in.Answers = hzlAnswers()
	for _, c := range def.Chapters {
		in.Done[c.ID] = true
	}
	return in
}

// statuses renders the chapter list compactly for comparisons and messages.
func statuses(cs []ChapterInfo) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.ID + "=" + string(c.Status)
	}
	return strings.Join(parts, " ")
}

func statusOf(t *testing.T, cs []ChapterInfo, id string) Status {
	t.Helper()
	for _, c := range cs {
		if c.ID == id {
			return c.Status
		}
	}
	t.Fatalf("chapter %s not in the list: %s", id, statuses(cs))
	return ""
}

func TestNewInstanceOpensOnlyTheFirstChapter(t *testing.T) {
	def := loadHzL(t)
	in := New(def, "hilfe-zum-lebensunterhalt", "053150000000", today)
	if uuid.Validate(in.ID) != nil || in.LeiKa != "99107012017000" || in.Version != 1 || in.Service != "hilfe-zum-lebensunterhalt" ||
		in.ARS != "053150000000" || !in.Created.Equal(today) || !in.Updated.Equal(today) {
		t.Fatalf("new instance %+v", in)
	}
	if other := New(def, "hilfe-zum-lebensunterhalt", "", today); other.ID == in.ID {
		t.Fatal("two applications share an application number")
	}
	cs := in.Chapters(def, "", today)
	if len(cs) != len(hzlChapters) {
		t.Fatalf("%d chapters: %s", len(cs), statuses(cs))
	}
	for i, c := range cs {
		want := Locked
		if i == 0 {
			want = Open
		}
		if c.ID != hzlChapters[i] || c.Status != want {
			t.Fatalf("chapter %d: %s %s, want %s %s (%s)", i, c.ID, c.Status, hzlChapters[i], want, statuses(cs))
		}
		if c.Title["de"] == "" {
			t.Errorf("chapter %s has no title in the list", c.ID)
		}
	}
	if got := in.FirstOpen(def, today); got != "antragsteller" {
		t.Fatalf("FirstOpen = %q", got)
	}
	if !in.Reachable(def, "antragsteller", today) {
		t.Fatal("the first chapter is not reachable")
	}
	for _, id := range []string{"situation", "einkommen", "absenden", "no-such-chapter"} {
		if in.Reachable(def, id, today) {
			t.Errorf("Reachable(%q) on a new application", id)
		}
	}
	if in.ReadyToCheck(def, today) {
		t.Fatal("a new application is ready to check")
	}
}

func TestDoneOpensTheNextChapter(t *testing.T) {
	def := loadHzL(t)
	in := New(def, "hilfe-zum-lebensunterhalt", "", today)
	in.Answers = hzlAnswers()
	in.Done["antragsteller"] = true
	cs := in.Chapters(def, "", today)
	want := "antragsteller=done situation=open haushalt=locked unterkunft=locked einkommen=locked ausgaben=locked " +
		"vermoegen=locked unterlagen=locked nothilfe=locked absenden=locked"
	if got := statuses(cs); got != want {
		t.Fatalf("chapters\n got %s\nwant %s", got, want)
	}
	if !in.Reachable(def, "situation", today) || !in.Reachable(def, "antragsteller", today) || in.Reachable(def, "haushalt", today) {
		t.Fatal("reachable chapters wrong after the first Weiter")
	}
	if got := in.FirstOpen(def, today); got != "situation" {
		t.Fatalf("FirstOpen = %q", got)
	}
	// A tick further on does not unlock anything while an earlier chapter is open.
	in.Done["einkommen"] = true
	if st := statusOf(t, in.Chapters(def, "", today), "einkommen"); st != Locked {
		t.Fatalf("einkommen ticked behind an open chapter: %s", st)
	}
	// All ticked: nothing is open any more.
	for _, id := range hzlChapters {
		in.Done[id] = true
	}
	if got := in.FirstOpen(def, today); got != "" {
		t.Fatalf("FirstOpen with all done = %q", got)
	}
	for _, c := range in.Chapters(def, "", today) {
		if c.Status != Done {
			t.Fatalf("all ticked, but %s is %s", c.ID, c.Status)
		}
	}
}

func TestChaptersThatDoNotApply(t *testing.T) {
	def := tiny(t)
	in := New(def, "test-antrag", "", today)
	in.Answers["name"], in.Answers["hat_kinder"] = "Erika", "nein"
	if got, want := statuses(in.Chapters(def, "", today)), "person=open kinder=na unterlagen=locked absenden=locked"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	in.Done["person"] = true
	cs := in.Chapters(def, "", today)
	if got, want := statuses(cs), "person=done kinder=na unterlagen=open absenden=locked"; got != want {
		t.Fatalf("a chapter that does not apply blocks the next one: got %s, want %s", got, want)
	}
	// It stays in the list, with its title, so the list does not jump.
	if cs[1].ID != "kinder" || cs[1].Title["de"] != "Kinder" {
		t.Fatalf("not-applicable chapter: %+v", cs[1])
	}
	if got := in.FirstOpen(def, today); got != "unterlagen" {
		t.Fatalf("FirstOpen = %q", got)
	}
	// It is never shown as the current chapter.
	if st := statusOf(t, in.Chapters(def, "kinder", today), "kinder"); st != NotApplicable {
		t.Fatalf("not-applicable chapter as current: %s", st)
	}
	// With children it applies, opens, and locks what follows it.
	in.Answers["hat_kinder"] = "ja"
	if got, want := statuses(in.Chapters(def, "", today)), "person=done kinder=open unterlagen=locked absenden=locked"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	// The list is computed on a copy: the instance's answers stay as they are.
	in.Answers["hat_kinder"], in.Answers["kind_name"] = "nein", "Lena"
	in.Chapters(def, "", today)
	if in.Answers["kind_name"] != "Lena" {
		t.Fatal("showing the chapter list removed an answer")
	}
}

func TestChaptersMarksCurrentAndFollowsChanges(t *testing.T) {
	def := loadHzL(t)
	in := New(def, "hilfe-zum-lebensunterhalt", "", today)
	in.Answers = hzlAnswers()
	in.Done["antragsteller"] = true
	cs := in.Chapters(def, "situation", today)
	if got, want := statuses(cs[:3]), "antragsteller=done situation=current haushalt=locked"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	// Going back: the done chapter is shown as current, the next one stays open.
	cs = in.Chapters(def, "antragsteller", today)
	if got, want := statuses(cs[:3]), "antragsteller=current situation=open haushalt=locked"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	// The caller's copy is its own: changing it changes no later list.
	cs[1].Status = Done
	if st := statusOf(t, in.Chapters(def, "", today), "situation"); st != Open {
		t.Fatalf("a caller's edit leaked into the next list: %s", st)
	}
	// A tick removed after the first list: the list follows.
	delete(in.Done, "antragsteller")
	if got, want := statuses(in.Chapters(def, "", today)[:2]), "antragsteller=open situation=locked"; got != want {
		t.Fatalf("after removing the tick: got %s, want %s", got, want)
	}
	if in.Reachable(def, "situation", today) {
		t.Fatal("situation reachable after its predecessor lost its tick")
	}
	in.Done["antragsteller"] = true
	in.Done["situation"] = true
	if got := in.FirstOpen(def, today); got != "haushalt" {
		t.Fatalf("after ticking situation: FirstOpen = %q", got)
	}
	in.Done["situation"] = false // a false tick counts as none
	if got := in.FirstOpen(def, today); got != "situation" {
		t.Fatalf("after a false tick: FirstOpen = %q", got)
	}
}

func TestChaptersFollowAnswerChanges(t *testing.T) {
	def := tiny(t)
	in := New(def, "test-antrag", "", today)
	in.Answers["name"], in.Answers["hat_kinder"] = "Erika", "ja"
	in.Done["person"] = true
	if st := statusOf(t, in.Chapters(def, "", today), "kinder"); st != Open {
		t.Fatalf("kinder = %s", st)
	}
	in.Answers["hat_kinder"] = "nein"
	if got, want := statuses(in.Chapters(def, "", today)), "person=done kinder=na unterlagen=open absenden=locked"; got != want {
		t.Fatalf("after answering no children: got %s, want %s", got, want)
	}
	in.Answers["hat_kinder"] = "ja"
	if got := in.Next(def, "person", +1, today); got != "kinder" {
		t.Fatalf("after answering children again: Next = %q", got)
	}
	// A whole new answers map (a draft loaded into the session) is seen too.
	in.Answers = form.Answers{"name": "Erika", "hat_kinder": "nein"}
	if st := statusOf(t, in.Chapters(def, "", today), "kinder"); st != NotApplicable {
		t.Fatalf("after replacing the answers: kinder = %s", st)
	}
}

func TestChaptersFollowTheDay(t *testing.T) {
	// A chapter that applies only until a deadline: the list must change
	// with the day even when no answer changes.
	def := loadYAML(t, `
service: frist
leika: "99000000000002"
version: 1
fields:
  - {id: frist, type: date}
  - {id: begruendung, type: text}
chapters:
  - id: start
    title: {de: Start}
    items:
      - {field: frist, label: {de: Frist}, required: true}
  - id: frist_laeuft
    title: {de: Frist läuft}
    applicableIf: {">=": [{"var": "frist"}, {"today": 0}]}
    items:
      - {field: begruendung, label: {de: Begründung}}
`)
	in := New(def, "frist", "", today)
	in.Answers["frist"] = "26.11.2026"
	in.Done["start"] = true
	if st := statusOf(t, in.Chapters(def, "", today), "frist_laeuft"); st != Open {
		t.Fatalf("before the deadline: %s", st)
	}
	if st := statusOf(t, in.Chapters(def, "", today.AddDate(0, 0, 2)), "frist_laeuft"); st != NotApplicable {
		t.Fatalf("two days later the list is stale: %s", st)
	}
}

func TestNextSkipsChaptersThatDoNotApply(t *testing.T) {
	def := tiny(t)
	in := New(def, "test-antrag", "", today)
	in.Answers["name"], in.Answers["hat_kinder"] = "Erika", "nein"
	for _, c := range []struct {
		from string
		dir  int
		want string
	}{
		{"person", +1, "unterlagen"},
		{"unterlagen", -1, "person"},
		{"unterlagen", +1, "absenden"},
		{"absenden", +1, ""},
		{"person", -1, ""},
		{"kinder", +1, "unterlagen"},
		{"kinder", -1, "person"},
		{"no-such-chapter", +1, ""},
	} {
		if got := in.Next(def, c.from, c.dir, today); got != c.want {
			t.Errorf("Next(%s, %+d) = %q, want %q", c.from, c.dir, got, c.want)
		}
	}
	in.Answers["hat_kinder"] = "ja"
	if got := in.Next(def, "person", +1, today); got != "kinder" {
		t.Errorf("with children Next(person, +1) = %q", got)
	}
	if got := in.Next(def, "unterlagen", -1, today); got != "kinder" {
		t.Errorf("with children Next(unterlagen, -1) = %q", got)
	}

	hzl := loadHzL(t)
	h := New(hzl, "hilfe-zum-lebensunterhalt", "", today)
	for i, id := range hzlChapters {
		want := ""
		if i+1 < len(hzlChapters) {
			want = hzlChapters[i+1]
		}
		if got := h.Next(hzl, id, +1, today); got != want {
			t.Errorf("HzL Next(%s, +1) = %q, want %q", id, got, want)
		}
	}
}

func TestReadyToCheck(t *testing.T) {
	def := loadHzL(t)
	in := New(def, "hilfe-zum-lebensunterhalt", "", today)
	in.Answers = hzlAnswers()
	for _, id := range hzlChapters[:len(hzlChapters)-2] {
		in.Done[id] = true
	}
	if in.ReadyToCheck(def, today) {
		t.Fatal("ready to check while nothilfe is still open")
	}
	in.Done["nothilfe"] = true
	if !in.ReadyToCheck(def, today) {
		t.Fatal("not ready to check with every chapter before absenden done")
	}
	delete(in.Done, "haushalt")
	if in.ReadyToCheck(def, today) {
		t.Fatal("ready to check with a gap in the middle")
	}

	small := tiny(t)
	s := New(small, "test-antrag", "", today)
	s.Answers["name"], s.Answers["hat_kinder"] = "Erika", "nein"
	s.Done["person"], s.Done["unterlagen"] = true, true
	if !s.ReadyToCheck(small, today) {
		t.Fatal("a chapter that does not apply keeps the check page closed")
	}
	s.Answers["hat_kinder"] = "ja"
	if s.ReadyToCheck(small, today) {
		t.Fatal("ready to check although the children chapter now applies and is not done")
	}
}

func TestCheck(t *testing.T) {
	def := loadHzL(t)
	in := complete(def)
	if ps := in.Check(def, today); len(ps) != 0 {
		t.Fatalf("a complete application has problems: %+v", ps)
	}
	if len(in.Done) != len(hzlChapters) {
		t.Fatalf("a clean check removed ticks: %v", in.Done)
	}

	// An earlier chapter became invalid.
	delete(in.Answers, "person.nachname")
	ps := in.Check(def, today)
	if len(ps) != 1 || ps[0].Chapter != "antragsteller" || ps[0].Path != "person.nachname" || ps[0].Key != "form.error.required" {
		t.Fatalf("problems %+v", ps)
	}
	if in.Done["antragsteller"] {
		t.Fatal("the invalid chapter kept its tick")
	}
	for _, id := range hzlChapters[1:] {
		if !in.Done[id] {
			t.Errorf("valid chapter %s lost its tick", id)
		}
	}
	if got := in.FirstOpen(def, today); got != "antragsteller" {
		t.Fatalf("FirstOpen after the check = %q", got)
	}
	if in.ReadyToCheck(def, today) {
		t.Fatal("ready to check with an invalid chapter")
	}

	// A rule's message counts as a problem too, with the chapter it points into.
	in = complete(def)
	in.Answers["notlage_seit"] = "01.12.2026"
	ps = in.Check(def, today)
	if len(ps) != 1 || ps[0].Chapter != "situation" || ps[0].Path != "notlage_seit" || ps[0].Text["de"] == "" {
		t.Fatalf("rule problem %+v", ps)
	}

	// What is hidden is cleared and never sent.
	in = complete(def)
	in.Answers["grund_text"] = "bleibt nicht"
	in.Answers["unterhalt_betrag"] = "300"
	if ps := in.Check(def, today); len(ps) != 0 {
		t.Fatalf("hidden answers validated: %+v", ps)
	}
	if _, ok := in.Answers["grund_text"]; ok {
		t.Fatal("hidden grund_text kept")
	}
	if _, ok := in.Answers["unterhalt_betrag"]; ok {
		t.Fatal("hidden unterhalt_betrag kept")
	}
	if in.Answers["person.nachname"] != "Mustermann" || in.Answers["einkommen.0.betrag"] != "612,40" {
		t.Fatal("the check changed visible answers")
	}
}

func TestCheckDropsChaptersThatNoLongerApply(t *testing.T) {
	def := tiny(t)
	in := New(def, "test-antrag", "", today)
	in.Answers = form.Answers{"name": "Erika", "hat_kinder": "ja", "kind_name": "Lena", "bestaetigt": "ja"}
	for _, c := range def.Chapters {
		in.Done[c.ID] = true
	}
	if ps := in.Check(def, today); len(ps) != 0 {
		t.Fatalf("%+v", ps)
	}
	in.Answers["hat_kinder"] = "nein"
	if ps := in.Check(def, today); len(ps) != 0 {
		t.Fatalf("%+v", ps)
	}
	if in.Done["kinder"] {
		t.Fatal("a chapter that no longer applies kept its tick")
	}
	if _, ok := in.Answers["kind_name"]; ok {
		t.Fatal("the answers of a chapter that no longer applies are kept")
	}
	// Applying again, the chapter is open and empty: it must be filled anew.
	in.Answers["hat_kinder"] = "ja"
	ps := in.Check(def, today)
	if len(ps) != 1 || ps[0].Chapter != "kinder" || ps[0].Path != "kind_name" {
		t.Fatalf("%+v", ps)
	}
	if got := in.FirstOpen(def, today); got != "kinder" {
		t.Fatalf("FirstOpen = %q", got)
	}
}

// delivery records what it was handed.
type delivery struct {
	got []*Submission
	err error
}

func (d *delivery) Hand(_ context.Context, s *Submission) error {
	if d.err != nil {
		return d.err
	}
	d.got = append(d.got, s)
	return nil
}

func TestSubmit(t *testing.T) {
	def := loadHzL(t)
	in := complete(def)
	now := today.Add(7 * time.Minute)
	d := &delivery{}
	req := Submission{ID: "forged", Status: "delivered", OfficeID: "office-köln", Owner: "owner-hash", Lang: "tr",
		Uploads: []string{"u1", "u2"}, PostkorbConsent: false, PostkorbHandle: "postkorb-123", Level: "substantial"}
	got, err := Submit(context.Background(), d, def, in, req, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.got) != 1 {
		t.Fatalf("handed %d times", len(d.got))
	}
	h := d.got[0]
	if !reflect.DeepEqual(got, h) {
		t.Fatalf("returned %+v, handed %+v", got, h)
	}
	if h.ID != in.ID || h.LeiKa != "99107012017000" || h.Service != "hilfe-zum-lebensunterhalt" || h.Version != 1 ||
		h.ARS != "053150000000" || h.Status != "submitted" || !h.SubmittedAt.Equal(now) {
		t.Fatalf("handed %+v", h)
	}
	if h.OfficeID != "office-köln" || h.Owner != "owner-hash" || h.Lang != "tr" || h.Level != "substantial" ||
		!reflect.DeepEqual(h.Uploads, []string{"u1", "u2"}) || h.PostkorbConsent {
		t.Fatalf("the caller's facts were not kept: %+v", h)
	}
	if h.PostkorbHandle != "postkorb-123" || h.OfficePostkorb() != "" {
		t.Fatalf("without consent the handle is for the person's copy only: %q, office %q", h.PostkorbHandle, h.OfficePostkorb())
	}
	if !reflect.DeepEqual(h.Answers, in.Answers) || h.Answers["person.nachname"] != "Mustermann" {
		t.Fatalf("answers %v", h.Answers)
	}
	// The submission is a copy: later changes to the instance do not reach it.
	in.Answers["person.nachname"] = "Geändert"
	in.Answers["neu"] = "x"
	delete(in.Answers, "adresse.ort")
	if h.Answers["person.nachname"] != "Mustermann" || h.Answers["adresse.ort"] != "Köln" || h.Answers["neu"] != "" {
		t.Fatalf("the submission follows the instance: %v", h.Answers)
	}

	// With consent the mailbox handle goes along.
	in = complete(def)
	d = &delivery{}
	req.PostkorbConsent = true
	got, err = Submit(context.Background(), d, def, in, req, now)
	if err != nil || len(d.got) != 1 || got.PostkorbHandle != "postkorb-123" || !got.PostkorbConsent {
		t.Fatalf("with consent: %+v %v", got, err)
	}
}

func TestSubmitIncomplete(t *testing.T) {
	def := loadHzL(t)
	in := complete(def)
	delete(in.Answers, "person.nachname")
	d := &delivery{}
	got, err := Submit(context.Background(), d, def, in, Submission{OfficeID: "o"}, today)
	var inc *ErrIncomplete
	if !errors.As(err, &inc) {
		t.Fatalf("err = %v", err)
	}
	if got != nil || len(d.got) != 0 {
		t.Fatalf("an incomplete application was handed: %+v %d", got, len(d.got))
	}
	if len(inc.Problems) != 1 || inc.Problems[0].Chapter != "antragsteller" || inc.Problems[0].Path != "person.nachname" {
		t.Fatalf("problems %+v", inc.Problems)
	}
	if !strings.Contains(err.Error(), "1 problem") {
		t.Fatalf("message %q", err.Error())
	}
	if in.Done["antragsteller"] {
		t.Fatal("the invalid chapter kept its tick")
	}

	// A new instance: nothing filled, nothing handed.
	if _, err := Submit(context.Background(), d, def, New(def, "hilfe-zum-lebensunterhalt", "", today), Submission{}, today); !errors.As(err, &inc) || len(d.got) != 0 {
		t.Fatalf("empty application: %v, handed %d", err, len(d.got))
	}
}

func TestSubmitDeliveryFails(t *testing.T) {
	def := loadHzL(t)
	boom := errors.New("outbox down")
	got, err := Submit(context.Background(), &delivery{err: boom}, def, complete(def), Submission{}, today)
	if !errors.Is(err, boom) || got != nil {
		t.Fatalf("got %+v, %v", got, err)
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	def := loadHzL(t)
	in := complete(def)
	in.Answers["nothilfe_text"] = "Zeile 1\nZeile 2 „Anführung“ <b>&</b>"
	delete(in.Done, "absenden")
	in.Updated = today.Add(3 * time.Minute)
	s, err := in.Encode()
	if err != nil {
		t.Fatal(err)
	}
	out, err := Decode(s, def)
	if err != nil {
		t.Fatal(err)
	}
	if out.ID != in.ID || out.LeiKa != in.LeiKa || out.Service != in.Service || out.Version != in.Version || out.ARS != in.ARS ||
		!out.Created.Equal(in.Created) || !out.Updated.Equal(in.Updated) {
		t.Fatalf("round trip\n got %+v\nwant %+v", out, in)
	}
	if !reflect.DeepEqual(out.Answers, in.Answers) || !reflect.DeepEqual(out.Done, in.Done) {
		t.Fatalf("answers or ticks changed:\n got %v %v\nwant %v %v", out.Answers, out.Done, in.Answers, in.Done)
	}
	if a, b := statuses(in.Chapters(def, "", today)), statuses(out.Chapters(def, "", today)); a != b {
		t.Fatalf("chapter list differs after the round trip:\n%s\n%s", a, b)
	}
	// Encoding again gives the same text.
	if s2, _ := out.Encode(); s2 != s {
		t.Fatal("encoding is not stable")
	}

	// A saved instance without answers or ticks can be filled in.
	bare := fmt.Sprintf(`{"id":%q,"leika":"99107012017000","version":1}`, in.ID)
	b, err := Decode(bare, def)
	if err != nil {
		t.Fatal(err)
	}
	b.Answers["person.vorname"] = "Erika"
	b.Done["antragsteller"] = true
	if got := b.FirstOpen(def, today); got != "situation" {
		t.Fatalf("FirstOpen of a bare instance = %q", got)
	}
}

func TestDecodeRefuses(t *testing.T) {
	def := loadHzL(t)
	in := complete(def)
	encodeWith := func(change func(*Instance)) string {
		t.Helper()
		c := *in
		change(&c)
		s, err := c.Encode()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for name, s := range map[string]string{
		"other form":    encodeWith(func(c *Instance) { c.LeiKa = "99107012018000" }),
		"other version": encodeWith(func(c *Instance) { c.Version = 2 }),
		"bad id":        encodeWith(func(c *Instance) { c.ID = "../../etc" }),
		"no id":         encodeWith(func(c *Instance) { c.ID = "" }),
		"empty object":  `{}`,
		"null":          `null`,
	} {
		if got, err := Decode(s, def); !errors.Is(err, ErrStale) || got != nil {
			t.Errorf("%s: %v, %v", name, got, err)
		}
	}
	for name, s := range map[string]string{
		"garbage":      "not json at all",
		"cut off":      encodeWith(func(*Instance) {})[:40],
		"empty":        "",
		"wrong shapes": `{"id":1,"answers":[1,2]}`,
	} {
		got, err := Decode(s, def)
		if err == nil || got != nil {
			t.Errorf("%s: decoded %+v", name, got)
		}
		if errors.Is(err, ErrStale) || errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// The other definition refuses an instance of this one.
	other := tiny(t)
	if _, err := Decode(encodeWith(func(*Instance) {}), other); !errors.Is(err, ErrStale) {
		t.Errorf("decoded with another definition: %v", err)
	}

	// Size: up to MaxInstanceBytes is fine, one byte more is refused before parsing.
	valid := encodeWith(func(*Instance) {})
	atLimit := valid + strings.Repeat(" ", MaxInstanceBytes-len(valid))
	if _, err := Decode(atLimit, def); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
	if got, err := Decode(atLimit+" ", def); !errors.Is(err, ErrTooLarge) || got != nil {
		t.Fatalf("one byte over the limit: %v", err)
	}
	if _, err := Decode(strings.Repeat("x", 10*MaxInstanceBytes), def); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("far over the limit: %v", err)
	}
	// Encode refuses to write what Decode would refuse to read.
	big := complete(def)
	big.Answers["nothilfe_text"] = strings.Repeat("ä", MaxInstanceBytes/2)
	if s, err := big.Encode(); !errors.Is(err, ErrTooLarge) || s != "" {
		t.Fatalf("Encode of an oversized instance: %d bytes, %v", len(s), err)
	}
}

var texts = DocumentTexts{Title: "Antrag auf Hilfe zum Lebensunterhalt", Subtitle: "Entwurf", Number: "Antragsnummer",
	Time: "Zeitpunkt", Office: "Stelle", Status: "Status", StatusValue: "eingereicht",
	NotApplicable: "Dieser Abschnitt trifft nicht zu.", Files: "Datei", Footer: "Sozialplattform",
	PageLabel: func(p, n int) string { return fmt.Sprintf("Seite %d von %d", p, n) }}

func fields(sec pdf.Section) map[string]string {
	m := map[string]string{}
	for _, f := range sec.Fields {
		m[f.Label] = f.Value
	}
	return m
}

func TestDocument(t *testing.T) {
	def := loadHzL(t)
	answers := hzlAnswers()
	answers["grund_text"] = "versteckt" // hidden: grund is not "sonstiges"
	berlin := time.FixedZone("CET", 3600)
	at := time.Date(2026, 11, 25, 10, 30, 0, 0, berlin)
	files := []FileName{{Slot: "nachweis_miete", Name: "Mietvertrag Müller.pdf"}, {Slot: "nachweis_konten", Name: "Auszug 1.jpg"},
		{Slot: "unbekannt", Name: "anderes.png"}}
	doc := Document(def, answers, "de", texts, "c0ffee00-0000-4000-8000-000000000001", "Sozialamt Köln", at, files, "unterlagen")

	if doc.Lang != "de" || doc.Title != texts.Title || doc.Subtitle != "Entwurf" || doc.Footer != "Sozialplattform" ||
		!doc.Created.Equal(at) || doc.PageLabel == nil || doc.PageLabel(1, 3) != "Seite 1 von 3" {
		t.Fatalf("document head %+v", doc)
	}
	wantMeta := []pdf.Field{{Label: "Antragsnummer", Value: Reference("c0ffee00-0000-4000-8000-000000000001")},
		{Label: "Zeitpunkt", Value: "25.11.2026 10:30"}, {Label: "Stelle", Value: "Sozialamt Köln"},
		{Label: "Status", Value: "eingereicht"}}
	if !reflect.DeepEqual(doc.Meta, wantMeta) {
		t.Fatalf("meta\n got %+v\nwant %+v", doc.Meta, wantMeta)
	}
	if len(doc.Sections) != len(def.Chapters) {
		t.Fatalf("%d sections for %d chapters", len(doc.Sections), len(def.Chapters))
	}
	for i, sec := range doc.Sections {
		if sec.Heading != def.Chapters[i].Title["de"] {
			t.Errorf("section %d heading %q, want %q", i, sec.Heading, def.Chapters[i].Title["de"])
		}
		if sec.Note != "" {
			t.Errorf("section %s has a note though it applies: %q", sec.Heading, sec.Note)
		}
		for _, f := range sec.Fields {
			if strings.HasPrefix(f.Label, "Datei: ") && def.Chapters[i].ID != "unterlagen" {
				t.Errorf("file listed under %s: %+v", sec.Heading, f)
			}
			if f.Value == "versteckt" {
				t.Errorf("a hidden answer is printed: %+v", f)
			}
		}
	}
	person := fields(doc.Sections[0])
	if person["Nachname"] != "Mustermann" || person["Vorname"] != "Erika" || person["Ort"] != "Köln" {
		t.Fatalf("antragsteller section %+v", doc.Sections[0].Fields)
	}
	up := doc.Sections[7]
	wantFiles := []pdf.Field{
		{Label: "Datei: Mietvertrag und Nachweise über Miete, Nebenkosten und Heizung", Value: "Mietvertrag Müller.pdf"},
		{Label: "Datei: Kontoauszüge der letzten drei Monate", Value: "Auszug 1.jpg"},
		{Label: "Datei: unbekannt", Value: "anderes.png"},
	}
	if !reflect.DeepEqual(up.Fields, wantFiles) {
		t.Fatalf("upload section\n got %+v\nwant %+v", up.Fields, wantFiles)
	}
	if answers["grund_text"] != "versteckt" {
		t.Fatal("the document changed the answers it was given")
	}

	// Without office and status the key facts are number and time only;
	// in English the headings and slot labels are English.
	en := texts
	en.StatusValue = ""
	doc = Document(def, answers, "en", en, "id-1", "", at, files[:1], "unterlagen")
	if len(doc.Meta) != 2 || doc.Meta[0].Value != Reference("id-1") || doc.Meta[1].Label != "Zeitpunkt" {
		t.Fatalf("meta %+v", doc.Meta)
	}
	if doc.Sections[0].Heading != "Applicant" || doc.Sections[7].Heading != "Documents" {
		t.Fatalf("headings %q %q", doc.Sections[0].Heading, doc.Sections[7].Heading)
	}
	if got := fields(doc.Sections[7]); got["Datei: Tenancy agreement and proof of rent, service charges and heating"] != "Mietvertrag Müller.pdf" {
		t.Fatalf("english upload section %+v", doc.Sections[7].Fields)
	}
	// Without an upload chapter no file is listed anywhere.
	doc = Document(def, answers, "de", texts, "id-1", "", at, files, "")
	for _, sec := range doc.Sections {
		for _, f := range sec.Fields {
			if strings.HasPrefix(f.Label, "Datei: ") {
				t.Fatalf("file listed without an upload chapter: %+v", f)
			}
		}
	}
}

func TestDocumentNotApplicable(t *testing.T) {
	def := tiny(t)
	answers := form.Answers{"name": "Erika", "hat_kinder": "nein", "kind_name": "Lena", "bestaetigt": "ja"}
	doc := Document(def, answers, "de", texts, "id-2", "", today, []FileName{{Slot: "beleg", Name: "beleg.pdf"}}, "unterlagen")
	if len(doc.Sections) != 4 {
		t.Fatalf("%d sections", len(doc.Sections))
	}
	kinder := doc.Sections[1]
	if kinder.Heading != "Kinder" || kinder.Note != texts.NotApplicable || len(kinder.Fields) != 0 {
		t.Fatalf("not-applicable section %+v", kinder)
	}
	for _, i := range []int{0, 2, 3} {
		if doc.Sections[i].Note != "" {
			t.Errorf("section %s has a note: %q", doc.Sections[i].Heading, doc.Sections[i].Note)
		}
	}
	if got := fields(doc.Sections[0]); got["Name"] != "Erika" || got["Haben Sie Kinder?"] != "nein" {
		t.Fatalf("person section %+v", doc.Sections[0].Fields)
	}
	if got := fields(doc.Sections[2]); len(got) != 1 || got["Datei: Beleg"] != "beleg.pdf" {
		t.Fatalf("upload section %+v", doc.Sections[2].Fields)
	}
	answers["hat_kinder"] = "ja"
	doc = Document(def, answers, "de", texts, "id-2", "", today, nil, "unterlagen")
	if k := doc.Sections[1]; k.Note != "" || fields(k)["Name des Kindes"] != "Lena" {
		t.Fatalf("applicable children section %+v", k)
	}
}

func FuzzDecode(f *testing.F) {
	def := loadHzL(f)
	in := complete(def)
	valid, err := in.Encode()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{valid, "", "null", "{}", "[]", `"x"`, `{"id":"` + in.ID + `","leika":"99107012017000","version":1,"answers":null,"done":null}`,
		`{"id":"` + in.ID + `","leika":"99107012017000","version":1,"answers":{"a":1}}`, valid[:len(valid)/2], "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Decode(s, def)
		if err != nil {
			if got != nil {
				t.Fatalf("an instance with an error: %+v", got)
			}
			return
		}
		if got.LeiKa != def.LeiKa || got.Version != def.Version || uuid.Validate(got.ID) != nil {
			t.Fatalf("accepted an instance of another form: %+v", got)
		}
		if got.Answers == nil || got.Done == nil {
			t.Fatal("decoded instance cannot be filled in")
		}
		// What was accepted can be written again and reads back the same.
		enc, err := got.Encode()
		if errors.Is(err, ErrTooLarge) {
			return // JSON escaping may grow hand-made input past the limit
		}
		if err != nil {
			t.Fatal(err)
		}
		again, err := Decode(enc, def)
		if err != nil {
			t.Fatalf("re-encoded instance refused: %v", err)
		}
		if again.ID != got.ID || !reflect.DeepEqual(again.Answers, got.Answers) || !reflect.DeepEqual(again.Done, got.Done) {
			t.Fatalf("re-encoding changed the instance:\n%+v\n%+v", got, again)
		}
	})
}

// TestDecodeRefusesEntryCountsAboveTheMaximum: a tampered count of entries
// would make every evaluation loop millions of times; such state is refused.
func TestDecodeRefusesEntryCountsAboveTheMaximum(t *testing.T) {
	def := loadHzL(t)
	in := New(def, "hilfe-zum-lebensunterhalt", "", time.Now())
	in.Answers["hat_einkommen"], in.Answers["einkommen.#"] = "ja", "3000000"
	raw, err := in.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(raw, def); !errors.Is(err, ErrStale) {
		t.Fatalf("tampered count: %v", err)
	}
	in.Answers["einkommen.#"] = "10"
	raw, _ = in.Encode()
	if _, err := Decode(raw, def); err != nil {
		t.Fatalf("the maximum itself: %v", err)
	}
}
