package main

import (
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/sozialplattform/sozialplattform/internal/counselling"
)

// TestCounsellingFinder: "Schulden" near 50667 lists debt counselling in
// Köln first with its distance; the detail page has the hours per weekday,
// whether it is open now, the case buttons and the Träger; filters work
// without JavaScript and keep what was typed; bad values get messages.
func TestCounsellingFinder(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	p := b.get("/de/beratung?q=Schulden&ort=50667&radius=25")
	if p.status != 200 {
		t.Fatalf("finder: %d", p.status)
	}
	first := regexp.MustCompile(`<h3 class="kern-heading-small" lang="de"><a class="kern-link kern-link--stretched" href="(/de/beratung/[^"]+)">([^<]+)</a>`).FindStringSubmatch(p.body)
	if first == nil || !strings.Contains(first[2], "Schuldnerberatung Köln") || !strings.Contains(p.body, "km entfernt") {
		t.Fatalf("first result: %v\n%s", first, p.body)
	}
	if !strings.Contains(p.body, `value="Schulden"`) || !strings.Contains(p.body, `value="50667"`) {
		t.Fatal("the form lost what was typed")
	}
	d := b.get(first[1])
	body := html.UnescapeString(d.body)
	for _, want := range []string{"Montag", "08:00–12:30", "Jetzt", "Verantwortlich für Ihre Daten", "Demo-", "Demodaten"} {
		if !strings.Contains(body, want) {
			t.Errorf("detail page lacks %q", want)
		}
	}
	if !strings.Contains(body, "Termin") || !strings.Contains(body, "Online-Beratung") {
		t.Error("no case buttons or texts")
	}
	// Bad input: each gets its message, the rest is kept.
	bad := b.get("/de/beratung?q=Sucht&ort=00000&radius=999&art=zauberei&sprache=xx")
	if bad.status != 422 {
		t.Fatalf("bad filters: %d\n%s", bad.status, in.logs.String()[max(0, len(in.logs.String())-1500):])
	}
	for _, want := range []string{"Umkreis muss zwischen 1 und 200", "Diese Art der Beratung gibt es nicht", "Diese Sprache kennen wir nicht", `value="Sucht"`} {
		if !strings.Contains(html.UnescapeString(bad.body), want) {
			t.Errorf("bad filters: no %q", want)
		}
	}
	// Type, language and online filters; paging keeps the filters.
	f := b.get("/de/beratung?art=sucht&online=1&sprache=tr")
	if f.status != 200 || !strings.Contains(f.body, "Suchtberatung") || strings.Contains(f.body, "Schuldnerberatung ") {
		t.Fatalf("filters: %d", f.status)
	}
	all := b.get("/de/beratung?art=sucht")
	next := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(all.body)
	if next == nil || !strings.Contains(next[1], "art=sucht") || !strings.Contains(next[1], "seite=2") {
		t.Fatalf("pager: %v", next)
	}
}

// TestFinderCacheFollowsChanges: a result page served from the cache is
// replaced as soon as a centre changes.
func TestFinderCacheFollowsChanges(t *testing.T) {
	in := start(t, testConfig(t))
	a, _ := twoOrganisations(t, in)
	b := newBrowser(t, in.base)
	for range 2 { // the second answer comes from the cache
		if p := b.get("/de/beratung?q=Alpha"); !strings.Contains(p.body, "Schuldnerberatung Alpha") {
			t.Fatal("not found")
		}
	}
	if p := b.get("/de/beratung?art=schulden&ort=50667&radius=5"); !strings.Contains(p.body, "Schuldnerberatung Alpha") {
		t.Fatal("not listed")
	}
	a.Name = "Schuldnerberatung Omega"
	if err := in.Web.CentreEditor.Save(t.Context(), counselling.Actor{ID: "system", Role: counselling.RoleSystemAdmin}, a); err != nil {
		t.Fatal(err)
	}
	if p := b.get("/de/beratung?q=Alpha"); strings.Contains(p.body, "Schuldnerberatung Alpha") {
		t.Fatal("the cache served the old name")
	}
	if p := b.get("/de/beratung?art=schulden&ort=50667&radius=5"); strings.Contains(p.body, "Schuldnerberatung Alpha") || !strings.Contains(p.body, "Omega") {
		t.Fatal("the list shows the old name")
	}
}
