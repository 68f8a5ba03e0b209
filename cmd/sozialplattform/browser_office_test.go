package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestTroisdorfOnASmallPhone: a person on a 360 px screen opens Hilfe zum
// Lebensunterhalt, types 53840, sees Troisdorf and Fall 1, and reaches the
// start of the application. While typing a place name, suggestions appear.
func TestTroisdorfOnASmallPhone(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	ctx := newChrome(t)
	in := start(t, testConfig(t))
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(360, 740),
		chromedp.Navigate(in.base+"/de/leistungen/hilfe-zum-lebensunterhalt"),
		chromedp.SendKeys("#ort", "53840"),
		chromedp.Submit("#ort"),
		chromedp.WaitVisible(".case-1"),
	)
	if err != nil {
		t.Fatal(err)
	}
	found, err := chromedp.Run(ctx, chromedp.Text(".apply-box"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Troisdorf", "Antrag über die Sozialplattform", "Sozialamt Rhein-Sieg-Kreis", "24 Stunden"} {
		if !strings.Contains(found, want) {
			t.Errorf("the result lacks %q: %s", want, found)
		}
	}
	// Nothing makes the page scroll sideways at 360 px.
	overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	if err != nil || overflow {
		t.Errorf("page scrolls sideways at 360 px (%v)", err)
	}
	// Focus and Enter, as a keyboard user does: a click by coordinates can
	// miss while the page still settles its layout (fonts arriving).
	if err := chromedp.Do(ctx, chromedp.Focus(".case-1 a.kern-btn"), chromedp.KeyEvent("\r"), chromedp.WaitVisible(`a.kern-btn--primary[href^="/de/antrag/99107012017000"]`)); err != nil {
		t.Fatal(err)
	}
	h1, err := chromedp.Run(ctx, chromedp.Text("h1"))
	if err != nil {
		t.Fatal(err)
	}
	if h1 != "Antrag: Hilfe zum Lebensunterhalt" {
		t.Fatalf("landed on %q", h1)
	}
	// "Antrag starten" opens the first chapter of the application.
	if err := chromedp.Do(ctx, chromedp.Focus(`a.kern-btn--primary[href^="/de/antrag/99107012017000"]`), chromedp.KeyEvent("\r"), chromedp.WaitVisible("#chapter-form")); err != nil {
		t.Fatal(err)
	}
	if h1, _ := chromedp.Run(ctx, chromedp.Text("h1")); h1 != "Antragsteller:in" {
		t.Fatalf("the application starts with %q", h1)
	}

	// Suggestions while typing (JavaScript enhancement).
	err = chromedp.Do(ctx,
		chromedp.Navigate(in.base+"/de/leistungen/hilfe-zum-lebensunterhalt"),
		chromedp.SendKeys("#ort", "Troisd"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll("#ort-suggestions option").length > 0`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatal(err)
	}
	options, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#ort-suggestions option")).map(o => o.value)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(options) == 0 || options[0] != "53840 Troisdorf" {
		t.Fatalf("suggestions %v", options)
	}
}
