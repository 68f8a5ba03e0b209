package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

// TestHzLOnASmallPhone: a new person at 360 px fills Hilfe zum
// Lebensunterhalt from the start to the receipt — two incomes, one upload,
// one mistake corrected, a step back, the PDF — once with JavaScript (the
// chapter updates in place) and once without (the buttons do it). axe-core
// finds nothing on any chapter, the check page or the receipt.
func TestHzLOnASmallPhone(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	axe := axeSource(t)
	for _, js := range []bool{true, false} {
		name := "without JavaScript"
		if js {
			name = "with JavaScript"
		}
		t.Run(name, func(t *testing.T) { fillHzL(t, axe, js) })
	}
}

func fillHzL(t *testing.T, axe string, js bool) {
	ctx := phone(t, js)
	in := start(t, testConfig(t))
	shots := filepath.Join(testenv.RepoRoot(t), "artifacts", "screenshots")
	os.MkdirAll(shots, 0o755)
	check := func(what string) {
		t.Helper()
		if js {
			// At 1280 px the chapter list and the help stand beside the form.
			for _, width := range []int64{1280, 360} {
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 740)); err != nil {
					t.Fatal(err)
				}
				res, err := runAxe(ctx, axe)
				if err != nil {
					t.Fatalf("%s at %d px: axe: %v", what, width, err)
				}
				if len(res.Violations) > 0 {
					t.Errorf("%s at %d px: axe violations:%s", what, width, res)
				}
			}
			if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
				os.WriteFile(filepath.Join(shots, "antrag-hzl-"+what+".png"), png, 0o644)
			}
		}
		overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
		if err == nil && overflow {
			t.Errorf("%s scrolls sideways at 360 px", what)
		}
	}
	heading := func() string {
		t.Helper()
		h, err := chromedp.Run(ctx, chromedp.Text("h1"))
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	// press clicks a button of the chapter form and waits for the next
	// page: a new document has new node ids.
	press := func(value string) {
		t.Helper()
		markDocument(t, ctx)
		// Focus and Enter, as a keyboard user does: a click by coordinates
		// can miss while the page still settles its layout.
		if err := chromedp.Do(ctx, chromedp.Focus(`button[name="aktion"][value="`+value+`"]`), chromedp.KeyEvent("\r")); err != nil {
			t.Fatalf("press %s: %v", value, err)
		}
		waitNewDocument(t, ctx)
		where, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname + " | " + document.querySelector("h1").innerText + " | " + (document.querySelector("#error-summary") ? [...document.querySelectorAll("#error-summary a")].map(a => a.getAttribute("href")).join(",") : "") + " | nachname=" + (document.querySelector('[name="person.nachname"]')||{}).value`))
		t.Logf("pressed %s: %s", value, where)
	}
	fill := func(kv ...string) {
		t.Helper()
		for i := 0; i+1 < len(kv); i += 2 {
			err := fillField(ctx, kv[i], kv[i+1], js)
			if errors.Is(err, errNoField) && !js {
				// Without a script a field that depends on an answer
				// appears after "Aktualisieren".
				press("aktualisieren")
				err = fillField(ctx, kv[i], kv[i+1], js)
			}
			if err != nil {
				where, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + " | " + document.querySelector("h1").innerText + " | " + (document.querySelector("#error-summary") ? [...document.querySelectorAll("#error-summary a")].map(a => a.getAttribute("href")).join(",") : "")`))
				t.Fatalf("fill %s: %v (%s)", kv[i], err, where)
			}
			if js {
				// A changed answer that others depend on brings the chapter
				// anew; wait until it is in place.
				if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!document.querySelector("#chapter-fields[aria-busy]")`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
					t.Fatalf("update after %s: %v", kv[i], err)
				}
			}
		}
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(in.base+"/de/antrag/"+hzl)); err != nil {
		t.Fatal(err)
	}
	if h := heading(); h != "Antragsteller:in" {
		t.Fatalf("first chapter %q", h)
	}
	check("antragsteller")
	// Applying as a legal representative shows the representative's field:
	// in place with JavaScript, after "Aktualisieren" without.
	fill("antrag_fuer", "vertretung")
	if !js {
		press("aktualisieren")
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!document.querySelector('[name="vertretung.name"]')`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("the representative's field does not appear: %v", err)
	}
	fill("vertretung.name", "Max Mustermann", "antrag_fuer", "selbst")
	if !js {
		press("aktualisieren")
	}
	// One mistake: the surname is left out.
	a := hzlAnswers["antragsteller"]
	fill(a[:4]...)
	fill(a[6:]...)
	press("weiter")
	if _, err := chromedp.Run(ctx, chromedp.WaitVisible("#error-summary")); err != nil {
		t.Fatal(err)
	}
	check("antragsteller-fehler")
	if got, _ := chromedp.Run(ctx, chromedp.Value(`[name="adresse.strasse"]`)); got != "Heidestraße 17" {
		t.Fatalf("typed street lost: %q", got)
	}
	fill("person.nachname", "Müller-Lüdenscheidt")
	press("weiter")

	for _, ch := range hzlChapters[1 : len(hzlChapters)-1] {
		// A poll in the page rather than WaitVisible: a query by node can
		// hang when the document was replaced just before.
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!document.querySelector("h1")`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
			t.Fatal(err)
		}
		check(ch)
		switch ch {
		case "einkommen":
			fill("hat_einkommen", "ja")
			if !js {
				press("aktualisieren")
			}
			press("hinzufuegen:einkommen")
			fill("einkommen.0.wer", "antragsteller", "einkommen.0.art", "krankengeld", "einkommen.0.zahler", "AOK", "einkommen.0.haeufigkeit", "monatlich", "einkommen.0.betrag", "612,40")
			press("hinzufuegen:einkommen")
			fill("einkommen.1.wer", "antragsteller", "einkommen.1.art", "rente", "einkommen.1.zahler", "Deutsche Rentenversicherung", "einkommen.1.haeufigkeit", "monatlich", "einkommen.1.betrag", "20",
				"hat_einmalig", "nein")
			check("einkommen-zwei")
		case "vermoegen":
			fill("hat_konto", "ja")
			if !js {
				// The accounts appear once the answer is in: "Aktualisieren".
				press("aktualisieren")
			}
			press("hinzufuegen:konten")
			fill("konten.0.wer", "antragsteller", "konten.0.bank", "Sparkasse", "konten.0.iban", "DE89 3704 0044 0532 0130 00", "konten.0.kontostand", "-120,50", "konten.0.stand_am", "01.12.2026",
				"hat_vermoegen", "nein", "hat_fahrzeug", "nein", "hat_schenkungen", "nein", "hat_ansprueche", "nein",
				"auszahlung.iban", "DE89 3704 0044 0532 0130 00")
			if !js {
				press("aktualisieren")
			}
			fill("auszahlung.inhaber", "Erika Müller-Lüdenscheidt")
		case "unterlagen":
			file := filepath.Join(t.TempDir(), "mietvertrag.pdf")
			os.WriteFile(file, []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"), 0o644)
			markDocument(t, ctx)
			if err := chromedp.Do(ctx, chromedp.SetUploadFiles(`#f-nachweis_miete`, []string{file}),
				chromedp.Focus(`#f-nachweis_miete-hochladen`), chromedp.KeyEvent("\r")); err != nil {
				t.Fatal(err)
			}
			waitNewDocument(t, ctx)
			body, _ := chromedp.Run(ctx, chromedp.Text("#f-nachweis_miete-box"))
			if !strings.Contains(body, "mietvertrag.pdf") {
				t.Fatalf("the upload is not listed: %s", body)
			}
			check("unterlagen-datei")
		default:
			fill(hzlAnswers[ch]...)
		}
		if ch == "situation" {
			// A step back keeps what was typed.
			press("zurueck")
			if h := heading(); h != "Antragsteller:in" {
				t.Fatalf("back led to %q", h)
			}
			if got, _ := chromedp.Run(ctx, chromedp.Value(`[name="person.nachname"]`)); got != "Müller-Lüdenscheidt" {
				t.Fatalf("surname after going back: %q", got)
			}
			press("weiter")
			if got, _ := chromedp.Run(ctx, chromedp.Value(`[name="notlage_seit"]`)); got != "01.11.2026" {
				t.Fatalf("situation after going back and on: %q", got)
			}
		}
		press("weiter")
	}
	if h := heading(); h != "Angaben prüfen" {
		errs, _ := chromedp.Run(ctx, chromedp.Text("main"))
		t.Fatalf("after the chapters: %q\n%.2000s", h, errs)
	}
	check("pruefen")
	main, _ := chromedp.Run(ctx, chromedp.Text("main"))
	for _, want := range []string{"Müller-Lüdenscheidt", "612,40", "Rente", "mietvertrag.pdf"} {
		if !strings.Contains(main, want) {
			t.Errorf("the check page lacks %q", want)
		}
	}
	// The PDF of the current state, fetched the way the link does.
	if js {
		ct, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector(".form-pdf a").href).then(r => r.headers.get("content-type"))`, chromedp.EvalAwaitPromise))
		if err != nil || ct != "application/pdf" {
			t.Fatalf("pdf: %q %v", ct, err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Click(`.form-buttons a.kern-btn--primary`), chromedp.WaitVisible(`#f-nutzungsbedingungen`)); err != nil {
		t.Fatal(err)
	}
	check("absenden")
	fill(hzlAnswers["absenden"]...)
	fill("nutzungsbedingungen", "ja")
	press("absenden")
	if h := heading(); h != "Ihr Antrag ist abgeschickt" {
		main, _ := chromedp.Run(ctx, chromedp.Text("main"))
		t.Fatalf("after sending: %q\n%.1500s", h, main)
	}
	check("eingang")
	// A number to read out on the phone, not the internal id.
	number, _ := chromedp.Run(ctx, chromedp.Text(".receipt-number"))
	if !regexp.MustCompile(`^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$`).MatchString(number) {
		t.Fatalf("application number %q", number)
	}
}

// markDocument tags the page shown now; waitNewDocument waits until the page
// shown is another one (after a form post, a whole new document).
func markDocument(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.dataset.seen = "1", true`)); err != nil {
		t.Fatal(err)
	}
}

// waitNewDocument asks the browser every 50 ms for at most 20 s; pages with
// scripts disabled run no timers, so chromedp.Poll cannot be used there.
func waitNewDocument(t *testing.T, ctx context.Context) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		fresh, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.readyState === "complete" && !document.documentElement.dataset.seen`))
		if err == nil && fresh {
			return
		}
		if err := chromedp.Do(ctx, chromedp.Sleep(50*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	where, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + " | " + document.title + " | " + (document.querySelector("#error-summary") ? document.querySelector("#error-summary").innerText : "")`))
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		os.WriteFile(filepath.Join(os.TempDir(), "no-new-page.png"), png, 0o644)
	}
	t.Fatalf("no new page after 20 s: %s", where)
}

var errNoField = errors.New("no such field on the page")

// fillField sets one answer the way a person does: clicks a radio button or
// checkbox, chooses from a list, or types.
func fillField(ctx context.Context, name, value string, js bool) error {
	kind, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => { const e = document.querySelector('[name=%q]'); return e ? (e.tagName === "SELECT" ? "select" : e.type) : "" })()`, name)))
	if err != nil {
		return err
	}
	switch kind {
	case "":
		return errNoField
	case "radio", "checkbox":
		sel := fmt.Sprintf(`input[name=%q][value=%q]`, name, value)
		// The element's own click: what a tap on the option does.
		_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const e = document.querySelector('%s'); if (!e.checked) e.click(); return e.checked })()`, sel)))
		return err
	case "select":
		return chromedp.Do(ctx, chromedp.SetValue(fmt.Sprintf(`select[name=%q]`, name), value))
	}
	sel := fmt.Sprintf(`[name=%q]`, name)
	// Typed, then Tab to the next field: leaving the field is what tells
	// the page the answer changed.
	return chromedp.Do(ctx, chromedp.Clear(sel), chromedp.SendKeys(sel, value), chromedp.KeyEvent("\t"))
}
