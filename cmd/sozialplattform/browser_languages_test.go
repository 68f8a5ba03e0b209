package main

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// TestEveryChapterInEveryLanguage: the household of four's application,
// with every group and every question that depends on an answer showing,
// opened chapter by chapter and on the check page in all eight languages
// at 360 px (and 1280 px for German and Arabic): axe-core finds nothing,
// nothing scrolls sideways, no question or hint falls back to German, and
// a chapter with a mistake (a name taken out) gets its error summary in
// the language too.
func TestEveryChapterInEveryLanguage(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	axe := axeSource(t)
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	fillHousehold(t, b, "de", func(s string) string { return s })
	ctx := phone(t, true)
	shareCookies(t, ctx, b, in.base)
	pages := append(append([]string(nil), hzlChapters[:len(hzlChapters)-1]...), "pruefen")
	for _, lang := range []string{"de", "en", "ls", "pl", "uk", "ru", "tr", "ar"} {
		widths := []int64{360}
		if lang == "de" || lang == "ar" {
			widths = []int64{1280, 360}
		}
		look := func(what string) {
			t.Helper()
			for _, w := range widths {
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 740)); err != nil {
					t.Fatal(err)
				}
				res, err := runAxe(ctx, axe)
				if err != nil {
					t.Fatalf("%s %s at %d px: axe: %v", lang, what, w, err)
				}
				if len(res.Violations) > 0 {
					t.Errorf("%s %s at %d px: axe violations:%s", lang, what, w, res)
				}
			}
			// The narrowest width last: nothing may stick out of it.
			wide, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.scrollWidth <= window.innerWidth + 1 ? "" :
				[...document.querySelectorAll("main *")].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(-3).map(e => e.tagName + "." + e.className + ": " + e.textContent.slice(0, 50)).join(" | ")`))
			if err != nil || wide != "" {
				t.Errorf("%s %s scrolls sideways at %d px: %s %v", lang, what, widths[len(widths)-1], wide, err)
			}
		}
		for _, p := range pages {
			if err := chromedp.Do(ctx, chromedp.Navigate(in.base+"/"+lang+"/antrag/"+hzl+"/"+p)); err != nil {
				t.Fatal(err)
			}
			waitPath(t, ctx, "/"+p)
			if lang != "de" {
				// A question, hint or option shown in German is marked
				// lang="de"; none may be left in the chapter.
				german, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('main [lang="de"]')].map(e => e.textContent.slice(0, 60)).concat(
					"`+lang+`" === "ls" ? [] : [...document.querySelectorAll('input[placeholder="TT.MM.JJJJ"]')].map(e => "placeholder of " + e.name)).join(" | ")`))
				if err != nil || german != "" {
					t.Errorf("%s %s: German left: %s %v", lang, p, german, err)
				}
			}
			if lang == "ar" && (p == "antragsteller" || p == "pruefen") {
				// German in a right-to-left page keeps its own direction: a
				// phone number and a street typed in Latin letters do not turn
				// around, and the answers on the check page are isolated.
				dirs, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[document.dir, ...[...document.querySelectorAll('[name="kontakt.telefon"], [name="adresse.strasse"]')].map(e => getComputedStyle(e).direction), document.querySelectorAll("main dd bdi").length > 20 ? "bdi" : "no bdi"].join(" ")`))
				want := map[string]string{"antragsteller": "rtl ltr ltr no bdi", "pruefen": "rtl bdi"}[p]
				if err != nil || dirs != want {
					t.Errorf("ar %s: directions %q, want %q (%v)", p, dirs, want, err)
				}
			}
			look(p)
		}
		// A mistake: the surname taken out, "Weiter".
		if err := chromedp.Do(ctx, chromedp.Navigate(in.base+"/"+lang+"/antrag/"+hzl+"/antragsteller")); err != nil {
			t.Fatal(err)
		}
		waitPath(t, ctx, "/antragsteller")
		withSurname(t, ctx, "")
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!document.querySelector("#error-summary")`, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			t.Fatalf("%s: no error summary: %v", lang, err)
		}
		look("antragsteller-fehler")
		withSurname(t, ctx, "Müller-Lüdenscheidt")
		waitPath(t, ctx, "/situation")
	}
}

// withSurname types the surname and presses "Weiter".
func withSurname(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.querySelector('[name="person.nachname"]').value = `+strconv.Quote(name)+`, true)`)); err != nil {
		t.Fatal(err)
	}
	pressKey(t, ctx, `button[name="aktion"][value="weiter"]:not(.default-action)`)
}

// shareCookies makes the browser tab the same visitor as the Go client b:
// its session, its application.
func shareCookies(t *testing.T, ctx context.Context, b *browser, base string) {
	t.Helper()
	cookies := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		for _, c := range b.c.Jar.Cookies(mustURL(base)) {
			if _, err := cdp.Call(ctx, tg, network.SetCookie, network.SetCookieParams{Name: c.Name, Value: c.Value, URL: base, Path: "/"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err := chromedp.Do(ctx, cookies); err != nil {
		t.Fatal(err)
	}
}
