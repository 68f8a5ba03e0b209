package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sozialplattform/sozialplattform/internal/account"
	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

// TestSecondFactorPagesAreAccessible goes through an administrator's first
// and second sign-in in a real browser in every language and checks each
// page of the second step with axe-core at 360 and 1280 px, and that the
// keyboard reaches every control (screenshots at 360 px go to
// artifacts/screenshots): the set-up (also with an error), the
// recovery codes, the staff home with its button, the code page (also with
// an error) and the recovery code page.
func TestSecondFactorPagesAreAccessible(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	axe := axeSource(t)
	root := newChrome(t)
	in := start(t, testConfig(t))
	shots := filepath.Join(testenv.RepoRoot(t), "artifacts", "screenshots")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	check := func(ctx context.Context, name, wantPath string) {
		t.Helper()
		if path, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`)); path != wantPath {
			t.Fatalf("%s: on %s, want %s", name, path, wantPath)
		}
		for _, w := range []int64{1280, 360} {
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
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err == nil {
			file := "2fa_" + strings.NewReplacer(" ", "_", "/", "_").Replace(name) + ".png"
			err = os.WriteFile(filepath.Join(shots, file), png, 0o644)
		}
		if err != nil {
			t.Errorf("%s: screenshot: %v", name, err)
		}
		missed, _, err := checkKeyboard(ctx)
		if err != nil {
			t.Fatalf("%s: keyboard: %v", name, err)
		}
		if len(missed) > 0 {
			t.Errorf("%s: the Tab key never reaches %d controls: %v", name, len(missed), missed)
		}
	}
	only := os.Getenv("SOZ_BROWSER_LANGS")
	for _, l := range i18n.Languages {
		if only != "" && !strings.Contains(","+only+",", ","+l.Code+",") {
			continue
		}
		email := "admin-" + l.Code + "@example.org"
		createStaff(t, in, email, account.OrgAdmin)
		tab, cancelTab := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
		if err := chromedp.Do(tab); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(tab, 90*time.Second)
		base := in.base + "/" + l.Code
		signIn := func() {
			t.Helper()
			err := chromedp.Do(ctx, chromedp.Navigate(base+"/intern/anmelden"),
				chromedp.SendKeys("#email", email), chromedp.SendKeys("#password", "a really long password"),
				chromedp.Submit("#password"), chromedp.WaitVisible("#code"))
			if err != nil {
				t.Fatalf("%s: sign-in: %v", l.Code, err)
			}
		}
		submitCode := func(code, wait string) {
			t.Helper()
			if err := chromedp.Do(ctx, chromedp.SetValue("#code", code), chromedp.Submit("#code"), chromedp.WaitVisible(wait)); err != nil {
				t.Fatalf("%s: submit %q: %v", l.Code, code, err)
			}
		}

		signIn()
		check(ctx, l.Code+" set-up", "/"+l.Code+"/intern/2fa/einrichten")
		if ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('img[src$="/intern/2fa/qr.png"]').naturalWidth > 200`)); !ok {
			t.Errorf("%s: the QR code did not load", l.Code)
		}
		secret, err := chromedp.Run(ctx, chromedp.Text("#totp-secret"))
		if err != nil {
			t.Fatal(err)
		}
		a := &authenticator{secret: strings.ReplaceAll(strings.TrimSpace(secret), " ", "")}
		submitCode("000000", "#error-summary")
		check(ctx, l.Code+" set-up with an error", "/"+l.Code+"/intern/2fa/einrichten")
		submitCode(a.next(t), "#recovery-codes")
		check(ctx, l.Code+" recovery codes", "/"+l.Code+"/intern/2fa/einrichten")
		if err := chromedp.Do(ctx, chromedp.Submit(`form[action$="/intern/2fa/fertig"] button`),
			chromedp.WaitVisible(`form[action$="/intern/2fa/wiederherstellungscodes"]`)); err != nil {
			t.Fatalf("%s: continue: %v", l.Code, err)
		}
		check(ctx, l.Code+" staff home", "/"+l.Code+"/intern/")

		if err := chromedp.Do(ctx, chromedp.Submit(`form[action$="/intern/abmelden"] button`), chromedp.WaitVisible("#email")); err != nil {
			t.Fatalf("%s: sign out: %v", l.Code, err)
		}
		signIn()
		check(ctx, l.Code+" code", "/"+l.Code+"/intern/anmelden/code")
		submitCode("000000", "#error-summary")
		check(ctx, l.Code+" code with an error", "/"+l.Code+"/intern/anmelden/code")
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/intern/anmelden/wiederherstellungscode"), chromedp.WaitVisible("#code")); err != nil {
			t.Fatal(err)
		}
		check(ctx, l.Code+" recovery code", "/"+l.Code+"/intern/anmelden/wiederherstellungscode")
		cancel()
		cancelTab()
	}
}
