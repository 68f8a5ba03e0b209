package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
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
		"Das Sozialamt verarbeitet Ihre Angaben nur")
	// The office's data protection notice is a text to read, not a second
	// tick beside the platform's own consent.
	if strings.Contains(p.body, `name="datenschutz"`) {
		t.Error("the data protection notice asks for a tick")
	}
	// Ticked and saved, then unticked: the tick is gone.
	b.post(base+"/absenden", chapterForm(token, "aktualisieren", hzlAnswers["absenden"]...))
	p = b.post(base+"/absenden", chapterForm(token, "absenden", "mitwirkung", "bestaetigt", "nutzungsbedingungen", "ja"))
	if p.status != 422 {
		t.Fatalf("sent without the first declaration: %d", p.status)
	}
	p.mustContain(t, `href="#f-richtig_vollstaendig-0"`)
}

// TestBackNeverAsksToSendAgain: without a script, every button that stays
// on the chapter ("Aktualisieren", "Eintrag hinzufügen", "Weiter" with a
// mistake) leads to an address of its own (Post/Redirect/Get), so browser
// Back through all of them shows the chapter each time, never the
// browser's "Confirm Form Resubmission" page.
func TestBackNeverAsksToSendAgain(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	walkTo(t, b, b.open("/de/antrag/"+hzl).csrf(t), "einkommen")
	ctx := phone(t, false)
	shareCookies(t, ctx, b, in.base)
	if err := chromedp.Do(ctx, chromedp.Navigate(in.base+"/de/antrag/"+hzl+"/einkommen")); err != nil {
		t.Fatal(err)
	}
	waitPath(t, ctx, "/einkommen")
	if err := fillField(ctx, "hat_einkommen", "ja", false); err != nil {
		t.Fatal(err)
	}
	pressKey(t, ctx, `button[value="aktualisieren"]`)
	pressKey(t, ctx, `button[value="hinzufuegen:einkommen"]`)
	pressKey(t, ctx, `button[name="aktion"][value="weiter"]:not(.default-action)`)
	if ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector("#error-summary")`)); !ok {
		t.Fatal("no error summary after Weiter with an empty entry")
	}
	for i := 1; i <= 3; i++ {
		// The browser's Back button: the history entry before, without
		// waiting for a load event a page without scripts may not send.
		var target int64
		back := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			hist, err := cdp.Call(ctx, tg, cdppage.GetNavigationHistory, cdp.Empty{})
			if err != nil {
				return err
			}
			if hist.CurrentIndex < 1 {
				return errors.New("no page to go back to")
			}
			target = hist.CurrentIndex - 1
			_, err = cdp.Call(ctx, tg, cdppage.NavigateToHistoryEntry, cdppage.NavigateToHistoryEntryParams{EntryID: hist.Entries[target].ID})
			return err
		})
		if err := chromedp.Do(ctx, back); err != nil {
			t.Fatal(err)
		}
		at := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
				// While the page is being replaced Chromium may answer "Not
				// attached to an active page": ask again (CI, under load).
				hist, err := cdp.Call(ctx, tg, cdppage.GetNavigationHistory, cdp.Empty{})
				if err == nil && hist.CurrentIndex == target {
					return nil
				}
				if err := chromedp.Do(ctx, chromedp.Sleep(50*time.Millisecond)); err != nil {
					return err
				}
			}
			return errors.New("Back did not arrive")
		})
		if err := chromedp.Do(ctx, at); err != nil {
			t.Fatal(err)
		}
		var where string
		var err error
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
			// Asked again while the page is still being replaced.
			where, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState !== "complete" ? "" : location.href + " | " + ((document.querySelector("h1") || {}).textContent || "no heading")`))
			if err == nil && where != "" {
				break
			}
			if err := chromedp.Do(ctx, chromedp.Sleep(50*time.Millisecond)); err != nil {
				t.Fatal(err)
			}
		}
		if err != nil || !strings.Contains(where, "/einkommen") || !strings.Contains(where, "| Einkommen") {
			t.Fatalf("Back %d: %s %v", i, where, err)
		}
	}
}
