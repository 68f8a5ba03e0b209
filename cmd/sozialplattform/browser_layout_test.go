package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// The assistant's layout as a person sees it (issue 14, defects 3, 6, 7 and
// 11): measured in a real browser at 360 px and 1280 px, with and without
// JavaScript.

// assistantTab walks the application up to chapter until through the HTTP
// client and hands its session to a phone tab (360 px).
func assistantTab(t *testing.T, js bool, until string) (context.Context, *instance, *browser, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test")
	}
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	token := b.open("/de/antrag/" + hzl).csrf(t)
	walkTo(t, b, token, until)
	ctx := phone(t, js)
	cookies := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		for _, c := range b.c.Jar.Cookies(mustURL(in.base)) {
			if _, err := cdp.Call(ctx, tg, network.SetCookie, network.SetCookieParams{Name: c.Name, Value: c.Value, URL: in.base + "/"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err := chromedp.Do(ctx, cookies); err != nil {
		t.Fatal(err)
	}
	return ctx, in, b, token
}

func openPage(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	markDocument(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	waitNewDocument(t, ctx)
}

func evalString(t *testing.T, ctx context.Context, js string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// settled asks the page until js gives "" (the page may still be
// scrolling smoothly to a fragment or a focused field), for at most 10 s,
// and returns the last answer. Pages without scripts run no timers, so
// chromedp.Poll cannot be used.
func settled(t *testing.T, ctx context.Context, js string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := evalString(t, ctx, js)
		if got == "" || time.Now().After(deadline) {
			return got
		}
		if err := chromedp.Do(ctx, chromedp.Sleep(50*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
}

func pdfFile(t *testing.T, name string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(file, []byte(tinyPDF), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestWeiterUploadsWithoutJavaScript: without a script, a file chosen and
// then "Weiter" pressed is uploaded (it was dropped without a word); with
// "Hochladen" the page opens at the proof with its message in view.
func TestWeiterUploadsWithoutJavaScript(t *testing.T) {
	ctx, in, _, _ := assistantTab(t, false, "unterlagen")
	base := in.base + "/de/antrag/" + hzl
	openPage(t, ctx, base+"/unterlagen")
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(`.upload-slot input[type=file]`, []string{pdfFile(t, "ausweis.pdf")})); err != nil {
		t.Fatal(err)
	}
	pressKey(t, ctx, `.form-buttons button[name="aktion"][value="weiter"]`)
	if path := evalString(t, ctx, `location.pathname`); !strings.HasSuffix(path, "/nothilfe") {
		t.Fatalf("Weiter with a chosen file led to %s: %s", path, evalString(t, ctx, `(document.querySelector("#error-summary") || {innerText: ""}).innerText`))
	}
	openPage(t, ctx, base+"/unterlagen")
	if listed := evalString(t, ctx, `document.querySelector(".upload-slot").innerText`); !strings.Contains(listed, "ausweis.pdf") {
		t.Fatalf("the file chosen before Weiter is not listed: %s", listed)
	}

	// "Hochladen" in the second proof: back at that proof, message in view.
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(`.upload-slot:nth-of-type(2) input[type=file], .upload-slot ~ .upload-slot input[type=file]`, []string{pdfFile(t, "mietvertrag.pdf")})); err != nil {
		t.Fatal(err)
	}
	box := evalString(t, ctx, `document.querySelectorAll(".upload-slot")[1].id`)
	pressKey(t, ctx, `#`+box+` button[value^="hochladen:"]`)
	got := settled(t, ctx, `(() => {
		const box = document.querySelector(location.hash), note = box && box.querySelector("[role=status]");
		if (!note) return "no message at " + location.hash;
		if (!note.innerText.startsWith("Die Datei ist hochgeladen.")) return "the message says " + note.innerText;
		const r = note.getBoundingClientRect();
		return r.top >= 0 && r.bottom <= innerHeight ? "" : "the message is out of view at " + Math.round(r.top);
	})()`)
	if got != "" || !strings.Contains(evalString(t, ctx, `location.hash`), box) {
		t.Errorf("after Hochladen: %s (%s)", got, evalString(t, ctx, `location.href`))
	}
}

// TestTheNewEntryHasTheFocus: after "Eintrag hinzufügen" the person is at
// the new entry, its first field focused and in view, with and without a
// script.
func TestTheNewEntryHasTheFocus(t *testing.T) {
	for _, js := range []bool{false, true} {
		t.Run(fmt.Sprint("js=", js), func(t *testing.T) {
			ctx, in, _, _ := assistantTab(t, js, "einkommen")
			openPage(t, ctx, in.base+"/de/antrag/"+hzl+"/einkommen")
			answerChapter(t, ctx, js, "hat_einkommen", "ja")
			if !js {
				pressKey(t, ctx, `button[value="aktualisieren"]`)
			}
			pressKey(t, ctx, `button[value="hinzufuegen:einkommen"]`)
			got := settled(t, ctx, `(() => {
				const a = document.activeElement, e = a && a.closest(".form-entry");
				if (!e || e.id !== "einkommen-0") return "focus on " + (a ? a.tagName + " " + a.name : "nothing");
				const r = a.getBoundingClientRect();
				return r.top >= 0 && r.bottom <= innerHeight ? "" : "the focused field is out of view at " + Math.round(r.top);
			})()`)
			if got != "" {
				t.Errorf("after Eintrag hinzufügen: %s", got)
			}
		})
	}
}

// TestLayoutAtPhoneAndDesktopWidths: at 360 and 1280 px, "Hochladen" and
// "Entfernen" hold their text (they were 48 px boxes with the text
// spilling out); an entry's title stands above its first question, which
// has the entry's full width; a message sits closer to its own field than
// to the next question.
func TestLayoutAtPhoneAndDesktopWidths(t *testing.T) {
	ctx, in, b, token := assistantTab(t, false, "unterlagen")
	base := "/de/antrag/" + hzl
	if p := b.uploadFile(base+"/unterlagen/hochladen", token, proofSlots(t, b.get(base+"/unterlagen"))[0], "ausweis.pdf", []byte(tinyPDF)); p.status != 303 {
		t.Fatalf("upload: %d", p.status)
	}
	b.post(base+"/einkommen", chapterForm(token, "hinzufuegen:einkommen", "hat_einkommen", "ja"))
	for _, width := range []int64{360, 1280} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 800)); err != nil {
			t.Fatal(err)
		}
		openPage(t, ctx, in.base+base+"/unterlagen")
		spill := evalString(t, ctx, `[...document.querySelectorAll(".upload-slot .kern-btn")].map(b => {
			const l = b.querySelector(".kern-label").getBoundingClientRect(), r = b.getBoundingClientRect();
			return l.left >= r.left - 0.5 && l.right <= r.right + 0.5 && l.width <= r.width ? "" : b.innerText.trim() + " " + Math.round(l.width) + ">" + Math.round(r.width);
		}).filter(Boolean).join(", ") || (document.querySelectorAll(".upload-slot .kern-btn").length < 2 ? "no buttons" : "")`)
		if spill != "" {
			t.Errorf("%d px: text wider than its button: %s", width, spill)
		}

		openPage(t, ctx, in.base+base+"/einkommen")
		entry := evalString(t, ctx, `(() => {
			const fs = document.querySelector(".form-entry > fieldset"), lg = fs.querySelector("legend").getBoundingClientRect();
			const first = fs.querySelector(".kern-form-input, .kern-fieldset").getBoundingClientRect(), box = fs.getBoundingClientRect();
			if (first.top < lg.bottom - 0.5) return "the first question starts beside the title (" + Math.round(first.top) + " < " + Math.round(lg.bottom) + ")";
			if (first.width < 0.85 * box.width) return "the first question is squeezed: " + Math.round(first.width) + " of " + Math.round(box.width);
			return "";
		})()`)
		if entry != "" {
			t.Errorf("%d px: %s", width, entry)
		}
	}

	// A message between two questions of the chapter: near its own field,
	// at both widths (it sat flush on the next question's label).
	openPage(t, ctx, in.base+base+"/unterkunft")
	if err := chromedp.Do(ctx, chromedp.SetValue(`#chapter-fields > .kern-form-input input[inputmode="decimal"]`, "viel")); err != nil {
		t.Fatal(err)
	}
	pressKey(t, ctx, `.form-buttons button[value="weiter"]`)
	for _, width := range []int64{360, 1280} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 800)); err != nil {
			t.Fatal(err)
		}
		gap := evalString(t, ctx, `(() => {
			const err = document.querySelector("#chapter-fields > .kern-form-input .kern-error");
			if (!err) return "no message at the amount";
			const group = err.closest(".kern-form-input"), own = group.querySelector("input").getBoundingClientRect(), e = err.getBoundingClientRect();
			let next = group.nextElementSibling;
			while (next && next.offsetHeight === 0) next = next.nextElementSibling;
			if (!next) return "no question after the amount";
			const below = next.getBoundingClientRect().top - e.bottom, above = e.top - own.bottom;
			return above < below ? "" : "the message is " + Math.round(above) + " px from its field and " + Math.round(below) + " px from the next question";
		})()`)
		if gap != "" {
			t.Errorf("%d px: %s", width, gap)
		}
	}
}

// TestChapterListAt1280x600: beside the form, the chapter list stayed put
// while its last chapters lay below the window: a focused chapter link was
// hidden. Every link, focused, is now in view.
func TestChapterListAt1280x600(t *testing.T) {
	ctx, in, _, _ := assistantTab(t, true, "absenden")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 600)); err != nil {
		t.Fatal(err)
	}
	openPage(t, ctx, in.base+"/de/antrag/"+hzl+"/antragsteller")
	n, _ := strconv.Atoi(evalString(t, ctx, `String(document.querySelectorAll(".form-chapters a").length)`))
	if n < 5 {
		t.Fatalf("only %d chapter links", n)
	}
	for _, i := range []int{0, 1, n - 2, n - 1} { // the first and the last ones
		evalString(t, ctx, `document.querySelectorAll(".form-chapters a")[`+strconv.Itoa(i)+`].focus(), ""`)
		hidden := settled(t, ctx, `(() => {
			const a = document.activeElement, r = a.getBoundingClientRect();
			return a.closest(".form-chapters") && r.top >= 0 && r.bottom <= innerHeight ? "" : a.innerText.trim() + " at " + Math.round(r.top) + " of " + innerHeight;
		})()`)
		if hidden != "" {
			t.Errorf("a focused chapter link is outside the window: %s", hidden)
		}
	}
}

// TestForcedColours: in forced-colours mode (Windows contrast themes) a
// focused radio button has a visible outline and the icons do not vanish
// into the background.
func TestForcedColours(t *testing.T) {
	ctx, in, _, _ := assistantTab(t, true, "unterlagen")
	forced := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		// A tab in the background matches no :focus; this one acts as if
		// it had the window's focus.
		if _, err := cdp.Call(ctx, tg, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "forced-colors", Value: "active"}}})
		return err
	})
	if err := chromedp.Do(ctx, forced); err != nil {
		t.Fatal(err)
	}
	openPage(t, ctx, in.base+"/de/antrag/"+hzl+"/antragsteller")
	if m := evalString(t, ctx, `String(matchMedia("(forced-colors: active)").matches)`); m != "true" {
		t.Fatalf("forced colours not emulated: %s", m)
	}
	outline := evalString(t, ctx, `(() => { const r = document.querySelector("input[type=radio]"); r.focus(); if (document.activeElement !== r) return "not focused"; const s = getComputedStyle(r); return s.outlineStyle + " " + s.outlineWidth + " " + s.outlineColor })()`)
	if f := strings.Fields(outline); len(f) < 3 || f[0] == "none" || f[1] == "0px" || strings.Contains(outline, "rgba(0, 0, 0, 0)") {
		t.Errorf("a focused radio button in forced colours: outline %q", outline)
	}
	openPage(t, ctx, in.base+"/de/antrag/"+hzl+"/unterlagen")
	icons := evalString(t, ctx, `(() => {
		const bg = el => { for (; el; el = el.parentElement) { const c = getComputedStyle(el).backgroundColor; if (c !== "rgba(0, 0, 0, 0)") return c; } return "rgb(255, 255, 255)"; };
		const all = [...document.querySelectorAll(".kern-icon")].filter(i => i.offsetWidth > 0);
		if (!all.length) return "no icons";
		return all.filter(i => getComputedStyle(i).backgroundColor === bg(i.parentElement)).map(i => i.className).join(", ");
	})()`)
	if icons != "" {
		t.Errorf("icons in the colour of their background: %s", icons)
	}
}
