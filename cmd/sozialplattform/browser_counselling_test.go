package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sozialplattform/sozialplattform/internal/account"
)

// TestCounsellingOnASmallPhone: at 360 px a person searches "Schulden" near
// 50667 with the form (no JavaScript needed), opens the first result and
// sees the hours per weekday, whether it is open now and the ways to get
// counselling; axe finds nothing on the results, the detail page, the
// request form for centres or the back office's edit form, at 360 and
// 1280 px. A centre's administrator then changes the Thursday hours in the
// back office and the detail page shows them at once.
func TestCounsellingOnASmallPhone(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	axe := axeSource(t)
	ctx := newChrome(t)
	in := start(t, testConfig(t))
	a, _ := twoOrganisations(t, in)
	ctx, cancel := context.WithTimeout(ctx, 120*time.Second)
	defer cancel()
	clean := func(name string) {
		t.Helper()
		for _, w := range []int64{1280, 360} {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 800)); err != nil {
				t.Fatal(err)
			}
			res, err := runAxe(ctx, axe)
			if err != nil {
				t.Fatalf("%s: axe: %v", name, err)
			}
			if len(res.Violations) > 0 {
				t.Errorf("%s at %d px:%s", name, w, res)
			}
		}
		overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
		if err != nil || overflow {
			t.Errorf("%s scrolls sideways at 360 px (%v)", name, err)
		}
	}
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(360, 800),
		chromedp.Navigate(in.base+"/de/beratung"),
		chromedp.SendKeys("#q", "Schulden"),
		chromedp.SendKeys("#ort", "50667"),
		chromedp.Submit("#q"),
		chromedp.WaitVisible(".centre-card"),
	)
	if err != nil {
		t.Fatal(err)
	}
	first, err := chromedp.Run(ctx, chromedp.Text(".centre-card"))
	if err != nil || !strings.Contains(first, "Köln") || !strings.Contains(first, "km entfernt") {
		t.Fatalf("first result: %q %v", first, err)
	}
	clean("results")
	if err := chromedp.Do(ctx, chromedp.Focus(".centre-card a"), chromedp.KeyEvent("\r"), chromedp.WaitVisible(".hours")); err != nil {
		t.Fatal(err)
	}
	detail, err := chromedp.Run(ctx, chromedp.Text("main"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Öffnungszeiten", "Montag", "Donnerstag", "So bekommen Sie Beratung", "Verantwortlich für Ihre Daten"} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail page lacks %q", want)
		}
	}
	if !strings.Contains(detail, "Jetzt geöffnet") && !strings.Contains(detail, "Jetzt geschlossen") {
		t.Error("detail page does not say whether it is open")
	}
	clean("detail")
	if err := chromedp.Do(ctx, chromedp.Navigate(in.base+"/de/beratung/fuer-beratungsstellen"), chromedp.WaitVisible("#zugang-stelle")); err != nil {
		t.Fatal(err)
	}
	clean("request form")

	// The administrator of A changes the Thursday hours.
	admin := newBrowser(t, in.base)
	createStaff(t, in, "admin-a@example.org", account.OrgAdmin)
	if _, err := in.DB.ExecContext(ctx, in.DB.Rebind(`UPDATE staff_users SET org_id = 'org-a' WHERE email = ?`), "admin-a@example.org"); err != nil {
		t.Fatal(err)
	}
	finishStaffSignIn(t, admin, "de", "admin-a@example.org", postPassword(t, admin, "de", "admin-a@example.org", "a really long password"))
	code := authenticatorFor(admin, "admin-a@example.org").next(t)
	err = chromedp.Do(ctx,
		chromedp.EmulateViewport(360, 800),
		chromedp.Navigate(in.base+"/de/intern/anmelden"),
		chromedp.SendKeys("#email", "admin-a@example.org"),
		chromedp.SendKeys("#password", "a really long password"),
		chromedp.Submit("#password"),
	)
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.WaitVisible(`input[autocomplete="one-time-code"]`),
		chromedp.SendKeys(`input[autocomplete="one-time-code"]`, code),
		chromedp.Submit(`input[autocomplete="one-time-code"]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.WaitVisible(`a[href="/de/intern/beratungsstellen"]`),
		chromedp.Navigate(in.base+"/de/intern/beratungsstellen/"+a.ID),
		chromedp.WaitVisible("#oeffnungszeiten_3"),
	)
	if err != nil {
		t.Fatal(err)
	}
	clean("edit form")
	err = chromedp.Do(ctx,
		chromedp.Clear("#oeffnungszeiten_3"),
		chromedp.SendKeys("#oeffnungszeiten_3", "09:00–11:00, 14:00–16:30"),
		chromedp.Submit("#oeffnungszeiten_3"),
		chromedp.WaitVisible(".kern-alert--success"),
		chromedp.Navigate(in.base+"/de/beratung/"+a.Slug),
		chromedp.WaitVisible(".hours"),
	)
	if err != nil {
		t.Fatal(err)
	}
	hours, err := chromedp.Run(ctx, chromedp.Text(".hours"))
	if err != nil || !strings.Contains(hours, "09:00–11:00, 14:00–16:30") {
		t.Fatalf("the detail page shows %q (%v)", hours, err)
	}
}
