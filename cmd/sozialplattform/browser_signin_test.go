package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sozialplattform/sozialplattform/internal/i18n"
)

// TestSignInPagesAreAccessible signs in through the test IdP in a real
// browser (the form to BundID is sent by app.js) in every language and
// checks the sign-in page, the personal area before and after consent and
// the refusal page with axe-core at 360 and 1280 px.
func TestSignInPagesAreAccessible(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	axe := axeSource(t)
	root := newChrome(t)
	in := start(t, testConfig(t))
	check := func(ctx context.Context, name string) {
		t.Helper()
		for _, w := range []int64{360, 1280} {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 800)); err != nil {
				t.Fatal(err)
			}
			res, err := runAxe(ctx, axe)
			if err != nil {
				t.Fatalf("%s at %d px: %v", name, w, err)
			}
			if len(res.Violations) > 0 {
				t.Errorf("%s at %d px: axe violations:%s", name, w, res)
			}
		}
	}
	for _, l := range i18n.Languages {
		// A fresh browser context per language: no session from the last one.
		tab, cancelTab := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
		if err := chromedp.Do(tab); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(tab, 60*time.Second)
		err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 800), chromedp.Navigate(in.base+"/"+l.Code+"/anmelden"))
		if err != nil {
			t.Fatal(err)
		}
		check(ctx, l.Code+"/anmelden")
		err = chromedp.Do(ctx,
			chromedp.Click("#niveau-hoch"),
			chromedp.Submit("#niveau-hoch"),
			chromedp.WaitVisible("#person-oezguel"), // app.js posted the request to the test IdP
			chromedp.Click("#person-oezguel"),
			chromedp.WaitVisible("#continue"),
			chromedp.Click("#continue"),
			chromedp.WaitVisible("#consent-title"),
		)
		if err != nil {
			t.Fatalf("%s: sign-in in the browser: %v", l.Code, err)
		}
		url, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
		if url != "/"+l.Code+"/konto" {
			t.Fatalf("%s: landed on %s", l.Code, url)
		}
		check(ctx, l.Code+"/konto")
		if err := chromedp.Do(ctx, chromedp.Submit(`form[action$="/konto/datenuebernahme"] button`), chromedp.WaitVisible("#consent-title")); err != nil {
			t.Fatal(err)
		}
		text, _ := chromedp.Run(ctx, chromedp.Text("main"))
		if !strings.Contains(text, "Müller-Lüdenscheidt") {
			t.Errorf("%s: personal area after consent lacks the name", l.Code)
		}
		check(ctx, l.Code+"/konto (consented)")
		cancel()
		cancelTab()
	}
}
