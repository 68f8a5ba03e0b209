package office_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/office"
	"github.com/sozialplattform/sozialplattform/internal/store"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

const (
	hzl       = "99107012017000"
	hzlOnce   = "99107054017000"
	buerger   = "99107108017000"
	troisdorf = "053820068068"
)

const sample = `{
  "format": "sozialplattform/zustaendigkeiten@1",
  "quelle": "Test",
  "organisationseinheiten": [
    {"id": "sozialamt-rsk", "name": "Sozialamt Rhein-Sieg-Kreis", "anschrift": {"strasse": "Kaiser-Wilhelm-Platz 1", "plz": "53721", "ort": "Siegburg"},
     "kontakt": {"telefon": "02241 13-0", "email": "sozialamt@example.org", "internet": "https://example.org"}, "oeffnungszeiten": "Mo–Fr 8–12 Uhr"},
    {"id": "sozialamt-troisdorf", "name": "Sozialamt Troisdorf", "anschrift": {"plz": "53840", "ort": "Troisdorf"}},
    {"id": "lvr", "name": "LVR", "anschrift": {"ort": "Köln"}},
    {"id": "jobcenter-rsk", "name": "Jobcenter Rhein-Sieg", "anschrift": {"ort": "Siegburg"}}
  ],
  "zustaendigkeiten": [
    {"leikaId": "99107012017000", "ars": "053820000000", "organisationseinheit": "sozialamt-rsk", "fitConnectDestinationId": "0f9d4e8c-8b1e-4b52-9a39-0e3a8f7c2d11"},
    {"leikaId": "99107054017000", "ars": "053820000000", "organisationseinheit": "sozialamt-rsk"},
    {"leikaId": "99107054017000", "ars": "053820068068", "organisationseinheit": "sozialamt-troisdorf", "onlineDienst": "https://example.org/einmalig"},
    {"leikaId": "99107012017000", "ars": "050000000000", "organisationseinheit": "lvr"},
    {"leikaId": "99107108017000", "ars": "053820000000", "organisationseinheit": "jobcenter-rsk", "xtaAdresse": "jobcenter-rsk@xta"}
  ]
}`

func load(t *testing.T, db *store.DB) {
	t.Helper()
	doc, err := office.ReadDocument(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	st, err := office.Import(context.Background(), db, doc, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if st.Offices != 4 || st.Responsibilities != 5 {
		t.Fatalf("imported %+v", st)
	}
}

func TestFindWalksUpTheRegionalHierarchy(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		load(t, db)
		f := &office.Finder{Store: db}
		ctx := context.Background()

		// Troisdorf: HzL is recorded for the Kreis, not the town: the Kreis's
		// Sozialamt answers, with its FIT-Connect destination → Fall 1.
		ms, err := f.Find(ctx, []string{hzl}, troisdorf, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 1 || ms[0].Office.ID != "sozialamt-rsk" || ms[0].Case != office.CaseApplyHere || ms[0].AreaARS != "053820000000" {
			t.Fatalf("HzL in Troisdorf: %+v", ms)
		}
		if ms[0].Office.Phone != "02241 13-0" || ms[0].Office.OpeningHours == "" {
			t.Fatalf("contact data lost: %+v", ms[0].Office)
		}
		// The same service where the platform cannot take the application
		// itself: the electronic route does not make it Fall 1.
		ms, _ = f.Find(ctx, []string{hzl}, troisdorf, false)
		if ms[0].Case != office.CaseContact {
			t.Fatalf("case %d, want 3", ms[0].Case)
		}
		// One-off needs: the town itself is responsible and has its own
		// online service → Fall 2, and the more specific area wins.
		ms, _ = f.Find(ctx, []string{hzlOnce}, troisdorf, true)
		if len(ms) != 1 || ms[0].Office.ID != "sozialamt-troisdorf" || ms[0].Case != office.CaseExternal {
			t.Fatalf("one-off needs: %+v", ms)
		}
		// Elsewhere in the Kreis (Siegburg) the Kreis answers: no route → Fall 3.
		ms, _ = f.Find(ctx, []string{hzlOnce}, "053820056056", true)
		if len(ms) != 1 || ms[0].Office.ID != "sozialamt-rsk" || ms[0].Case != office.CaseContact {
			t.Fatalf("one-off needs in Siegburg: %+v", ms)
		}
		// Elsewhere in the Land only the Land-level entry applies.
		ms, _ = f.Find(ctx, []string{hzl}, "053150000000", true)
		if len(ms) != 1 || ms[0].Office.ID != "lvr" || ms[0].Case != office.CaseContact {
			t.Fatalf("HzL in Köln: %+v", ms)
		}
		// XTA counts as an electronic route.
		ms, _ = f.Find(ctx, []string{buerger}, troisdorf, true)
		if len(ms) != 1 || ms[0].Case != office.CaseApplyHere || ms[0].XTAAddress == "" {
			t.Fatalf("Bürgergeld: %+v", ms)
		}
		// Several LeiKa ids of one service: one entry per office, the main
		// id's office first.
		ms, _ = f.Find(ctx, []string{hzl, hzlOnce}, troisdorf, true)
		if len(ms) != 2 || ms[0].Office.ID != "sozialamt-rsk" || ms[1].Office.ID != "sozialamt-troisdorf" {
			t.Fatalf("two LeiKa ids: %+v", ms)
		}
		// Outside every recorded area: nothing.
		ms, _ = f.Find(ctx, []string{hzl}, "091620000000", true)
		if len(ms) != 0 {
			t.Fatalf("München: %+v", ms)
		}
	})
}

func TestAreas(t *testing.T) {
	got := strings.Join(office.Areas("071435009269"), " ")
	if got != "071435009269 071435009000 071430000000 071000000000 070000000000" {
		t.Fatal(got)
	}
	got = strings.Join(office.Areas("110000000000"), " ")
	if got != "110000000000" {
		t.Fatal(got)
	}
	for _, bad := range []string{"", "05382", "05382006806x", "0538200680680"} {
		if office.Areas(bad) != nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestImportRejectsTheWholeFileOnOneBadRecord(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		bad := strings.Replace(sample, `"ars": "050000000000"`, `"ars": "0500"`, 1)
		doc, err := office.ReadDocument(strings.NewReader(bad))
		if err != nil {
			t.Fatal(err)
		}
		_, err = office.Import(context.Background(), db, doc, time.Now())
		var ie *office.ImportError
		if !errors.As(err, &ie) || !strings.Contains(ie.Where, "zustaendigkeiten[3]") {
			t.Fatalf("error %v", err)
		}
		if n, _ := db.CountOffices(context.Background()); n != 0 {
			t.Fatalf("%d offices stored from a rejected file", n)
		}
	})
	for name, in := range map[string]string{
		"not json":       "{",
		"wrong format":   `{"format": "pvog@7"}`,
		"unknown field":  `{"format": "sozialplattform/zustaendigkeiten@1", "foo": 1}`,
		"unknown office": strings.Replace(sample, `"organisationseinheit": "lvr"`, `"organisationseinheit": "nobody"`, 1),
	} {
		doc, err := office.ReadDocument(strings.NewReader(in))
		if err == nil {
			_, err = office.Import(context.Background(), testenv.SQLite(t), doc, time.Now())
		}
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

type actor bool

func (a actor) CanManageOffices() bool { return bool(a) }

func TestOnlyAdministratorsChangeOffices(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		load(t, db)
		ctx := context.Background()
		ed := &office.Editor{Store: db, Now: time.Now}
		o := &office.Office{ID: "x", Name: "X"}
		if err := ed.SaveOffice(ctx, actor(false), o); !errors.Is(err, office.ErrForbidden) {
			t.Fatalf("counsellor saved an office: %v", err)
		}
		if err := ed.SaveOffice(ctx, nil, o); !errors.Is(err, office.ErrForbidden) {
			t.Fatalf("nobody saved an office: %v", err)
		}
		if err := ed.RemoveResponsibility(ctx, actor(false), hzl, "053820000000", "sozialamt-rsk"); !errors.Is(err, office.ErrForbidden) {
			t.Fatal(err)
		}
		if err := ed.SaveOffice(ctx, actor(true), o); err != nil {
			t.Fatal(err)
		}
		r := &office.Responsibility{LeiKa: hzl, ARS: "053820068068", OfficeID: "x", FITConnectDestination: "not-a-uuid"}
		var ve office.ValidationErrors
		if err := ed.AddResponsibility(ctx, actor(true), r); !errors.As(err, &ve) || ve[0].Field != "destination" {
			t.Fatalf("bad destination: %v", err)
		}
		r.FITConnectDestination = "0F9D4E8C-8B1E-4B52-9A39-0E3A8F7C2D11"
		if err := ed.AddResponsibility(ctx, actor(true), r); err != nil {
			t.Fatal(err)
		}
		ms, _ := (&office.Finder{Store: db}).Find(ctx, []string{hzl}, troisdorf, true)
		if len(ms) != 1 || ms[0].Office.ID != "x" || ms[0].FITConnectDestination != "0f9d4e8c-8b1e-4b52-9a39-0e3a8f7c2d11" {
			t.Fatalf("the town's own entry does not win: %+v", ms)
		}
		if err := ed.RemoveResponsibility(ctx, actor(true), hzl, "053820068068", "x"); err != nil {
			t.Fatal(err)
		}
		ms, _ = (&office.Finder{Store: db}).Find(ctx, []string{hzl}, troisdorf, true)
		if ms[0].Office.ID != "sozialamt-rsk" {
			t.Fatalf("after removal: %+v", ms)
		}
	})
}

func TestOfficeValidation(t *testing.T) {
	o := &office.Office{ID: " a ", Name: "A", Postcode: "5384", Email: "nope", Website: "javascript:alert(1)"}
	var ve office.ValidationErrors
	if err := o.Validate(); !errors.As(err, &ve) || len(ve) != 3 {
		t.Fatalf("%v", err)
	}
	if o.ID != "a" {
		t.Fatal("not trimmed")
	}
}
