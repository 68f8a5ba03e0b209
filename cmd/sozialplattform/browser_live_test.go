package main

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestLiveUpdateOnlyForConditionFields: with JavaScript, the chapter is
// asked for again only when an answer that others depend on changes (who
// the application is for); a name typed and left asks for nothing, so a
// slow phone does not redraw the chapter under the person's fingers.
func TestLiveUpdateOnlyForConditionFields(t *testing.T) {
	in := start(t, testConfig(t))
	ctx := phone(t, true)
	if err := chromedp.Do(ctx, chromedp.Navigate(in.base+"/de/antrag/"+hzl)); err != nil {
		t.Fatal(err)
	}
	waitPath(t, ctx, "/antragsteller")
	// Count the page's requests for the chapter.
	count := `(() => { window.__chapterPosts = 0; const f = window.fetch; window.fetch = function (u, o) {
		if (o && o.method === "POST") { window.__chapterPosts++; } return f.apply(this, arguments) } })()`
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](count)); err != nil {
		t.Fatal(err)
	}
	// A name: no condition reads it.
	if err := fillField(ctx, "person.vorname", "Erika", true); err != nil {
		t.Fatal(err)
	}
	// Who the application is for: the representative's field depends on it.
	if err := fillField(ctx, "antrag_fuer", "vertretung", true); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!document.querySelector('[name="vertretung.name"]') && !document.querySelector("#chapter-fields[aria-busy]")`,
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("the representative's field does not appear: %v", err)
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.__chapterPosts`))
	if err != nil || n != 1 {
		t.Fatalf("%d requests for the chapter, want 1 (only for the answer others depend on): %v", n, err)
	}
	if got, _ := chromedp.Run(ctx, chromedp.Value(`[name="person.vorname"]`)); got != "Erika" {
		t.Fatalf("the typed name after the update: %q", got)
	}
}

// TestDeclarationsAreCheckboxes: the declarations before sending are
// checkboxes, so a tick given by mistake can be taken back; sending with
// one taken back is refused with the declaration named.
func TestDeclarationsAreCheckboxes(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	base := "/de/antrag/" + hzl
	token := b.open(base).csrf(t)
	walkTo(t, b, token, "absenden")
	p := b.get(base + "/absenden")
	p.mustContain(t, `type="checkbox" id="f-richtig_vollstaendig-0" name="richtig_vollstaendig"`, `type="checkbox" id="f-mitwirkung-0" name="mitwirkung"`,
		`type="checkbox" id="f-datenschutz-0" name="datenschutz"`)
	// Ticked and saved, then unticked: the tick is gone.
	b.post(base+"/absenden", chapterForm(token, "aktualisieren", hzlAnswers["absenden"]...))
	p = b.post(base+"/absenden", chapterForm(token, "absenden", "mitwirkung", "bestaetigt", "datenschutz", "bestaetigt", "nutzungsbedingungen", "ja"))
	if p.status != 422 {
		t.Fatalf("sent without the first declaration: %d", p.status)
	}
	p.mustContain(t, `href="#f-richtig_vollstaendig-0"`)
}
