package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The application assistant in a real browser at 360 px, as the defects of
// issue 14 were found: with and without JavaScript.

// phone opens a tab at 360 × 740 px, with or without scripts, for at most
// three minutes (the whole HzL application).
func phone(t *testing.T, js bool) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(newChrome(t), 3*time.Minute)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 740)); err != nil {
		t.Fatal(err)
	}
	if !js {
		noJS := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
			return err
		})
		if err := chromedp.Do(ctx, noJS); err != nil {
			t.Fatal(err)
		}
	}
	return ctx
}

// answerChapter fills a chapter as a person does; without scripts a field
// that depends on an answer appears after "Aktualisieren".
func answerChapter(t *testing.T, ctx context.Context, js bool, kv ...string) {
	t.Helper()
	for i := 0; i+1 < len(kv); i += 2 {
		err := fillField(ctx, kv[i], kv[i+1], js)
		if errors.Is(err, errNoField) && !js {
			pressKey(t, ctx, `button[name="aktion"][value="aktualisieren"]`)
			err = fillField(ctx, kv[i], kv[i+1], js)
		}
		if err != nil {
			t.Fatalf("fill %s: %v", kv[i], err)
		}
		if js {
			if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!document.querySelector("#chapter-fields[aria-busy]")`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
				t.Fatalf("update after %s: %v", kv[i], err)
			}
		}
	}
}

// pressKey focuses a button and presses Enter, then waits for the next page.
func pressKey(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	markDocument(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Focus(sel), chromedp.KeyEvent("\r")); err != nil {
		t.Fatalf("press %s: %v", sel, err)
	}
	waitNewDocument(t, ctx)
}

// waitPath waits until the browser shows a page whose path ends in suffix.
func waitPath(t *testing.T, ctx context.Context, suffix string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.readyState === "complete" && location.pathname.endsWith(`+"`"+suffix+"`"+`)`))
		if err == nil && ok {
			return
		}
		if err := chromedp.Do(ctx, chromedp.Sleep(50*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	t.Fatalf("no page %s after 20 s", suffix)
}

func fieldValue(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('[name="`+name+`"]') || {value: "(no field)"}).value`))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestBackAfterWeiterKeepsTheAnswers: after "Weiter", browser Back shows
// the chapter with what was saved, and changing an answer there (with a
// script: a live update) never blanks the others.
func TestBackAfterWeiterKeepsTheAnswers(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	for _, js := range []bool{true, false} {
		name := map[bool]string{true: "with JavaScript", false: "without JavaScript"}[js]
		t.Run(name, func(t *testing.T) {
			in := start(t, testConfig(t))
			ctx := phone(t, js)
			if err := chromedp.Do(ctx, chromedp.Navigate(in.base+"/de/antrag/"+hzl)); err != nil {
				t.Fatal(err)
			}
			answerChapter(t, ctx, js, hzlAnswers["antragsteller"]...)
			pressKey(t, ctx, `button[name="aktion"][value="weiter"]`)
			markDocument(t, ctx)
			// The browser's Back button (the history entry before, without
			// waiting for a load event a page without scripts may not send).
			back := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				hist, err := cdp.Call(ctx, tg, cdppage.GetNavigationHistory, cdp.Empty{})
				if err != nil {
					return err
				}
				if hist.CurrentIndex < 1 {
					return errors.New("no page to go back to")
				}
				_, err = cdp.Call(ctx, tg, cdppage.NavigateToHistoryEntry, cdppage.NavigateToHistoryEntryParams{EntryID: hist.Entries[hist.CurrentIndex-1].ID})
				return err
			})
			if err := chromedp.Do(ctx, back); err != nil {
				t.Fatal(err)
			}
			if js {
				// Restored from the back-forward cache, the script loads the
				// chapter again: a new document.
				waitNewDocument(t, ctx)
			} else {
				// Without scripts the browser may show its kept copy, with
				// what was on the screen when the person left it.
				waitPath(t, ctx, "/antragsteller")
			}
			for name, want := range map[string]string{"person.vorname": "Erika", "adresse.strasse": "Heidestraße 17", "adresse.plz": "53840"} {
				if got := fieldValue(t, ctx, name); got != want {
					t.Errorf("after Back %s = %q, want %q", name, got, want)
				}
			}
			// Another answer changed on the page Back showed.
			answerChapter(t, ctx, js, "antrag_fuer", "andere_person")
			if !js {
				// On the browser's kept copy chromedp cannot wait for nodes;
				// the button's own click is what Enter on it does.
				markDocument(t, ctx)
				if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('button[name="aktion"][value="aktualisieren"]').click(), true`)); err != nil {
					t.Fatal(err)
				}
				waitNewDocument(t, ctx)
			}
			markDocument(t, ctx)
			if err := chromedp.Do(ctx, chromedp.Navigate(in.base+"/de/antrag/"+hzl+"/antragsteller")); err != nil {
				t.Fatal(err)
			}
			waitNewDocument(t, ctx)
			for name, want := range map[string]string{"person.vorname": "Erika", "person.nachname": "Müller-Lüdenscheidt", "adresse.ort": "Troisdorf"} {
				if got := fieldValue(t, ctx, name); got != want {
					t.Errorf("saved %s = %q after a change, want %q", name, got, want)
				}
			}
		})
	}
}

// TestTypingGoesOnWhileTheChapterUpdates: on a phone network the chapter
// comes back from a live update while the person types in the next field;
// the caret stays where it was ("Müller" once became "üllerM").
func TestTypingGoesOnWhileTheChapterUpdates(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	in := start(t, testConfig(t))
	ctx := phone(t, true)
	slow := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			MatchedNetworkConditions: []*network.Conditions{{Latency: 400, DownloadThroughput: -1, UploadThroughput: -1}}})
		return err
	})
	if err := chromedp.Do(ctx, chromedp.Navigate(in.base+"/de/antrag/"+hzl), slow); err != nil {
		t.Fatal(err)
	}
	// A live answer, then at once the next field: "M" goes in while the
	// update is under way, the rest after the chapter came back.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('input[name="antrag_fuer"][value="selbst"]').click(), true`)); err != nil {
		t.Fatal(err)
	}
	// Focus and keys go to whatever element has the focus, as typing does:
	// looking the field up by node would race with the update replacing it.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('[name="person.nachname"]').focus(), true`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent("M")); err != nil {
		t.Fatal(err)
	}
	busy, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector("#chapter-fields[aria-busy]")`))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!document.querySelector("#chapter-fields[aria-busy]")`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent("üller")); err != nil {
		t.Fatal(err)
	}
	if got := fieldValue(t, ctx, "person.nachname"); got != "Müller" {
		t.Errorf("typed Müller across an update (under way while typing: %v), field holds %q", busy, got)
	}
}

// TestEnterDoesThePrimaryAction: Enter in a text field goes on to the next
// chapter (it went back a chapter, or pressed the hidden "Aktualisieren",
// or added an entry), with and without JavaScript.
func TestEnterDoesThePrimaryAction(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	for _, js := range []bool{true, false} {
		t.Run(map[bool]string{true: "with JavaScript", false: "without JavaScript"}[js], func(t *testing.T) {
			in := start(t, testConfig(t))
			ctx := phone(t, js)
			if err := chromedp.Do(ctx, chromedp.Navigate(in.base+"/de/antrag/"+hzl)); err != nil {
				t.Fatal(err)
			}
			answerChapter(t, ctx, js, hzlAnswers["antragsteller"]...)
			// Enter in the last text field of chapter 1.
			markDocument(t, ctx)
			if err := chromedp.Do(ctx, chromedp.Focus(`[name="adresse.ort"]`), chromedp.KeyEvent("\r")); err != nil {
				t.Fatal(err)
			}
			waitPath(t, ctx, "/situation")
			// Chapter 2 has "Zurück" first among the visible buttons.
			answerChapter(t, ctx, js, hzlAnswers["situation"]...)
			markDocument(t, ctx)
			if err := chromedp.Do(ctx, chromedp.Focus(`[name="notlage_seit"]`), chromedp.KeyEvent("\r")); err != nil {
				t.Fatal(err)
			}
			waitPath(t, ctx, "/haushalt")
		})
	}
}

// TestTheQuestionComesFirstOnAPhone: at 360 px the chapter's heading is on
// the first screen (it started some 1,300 px down, below the chapter list),
// in German and Arabic; at 1280 px the chapter list still stands beside the
// form, on the side where reading starts.
func TestTheQuestionComesFirstOnAPhone(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	in := start(t, testConfig(t))
	ctx := phone(t, true)
	for _, lang := range []string{"de", "ar"} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 740), chromedp.Navigate(in.base+"/"+lang+"/antrag/"+hzl)); err != nil {
			t.Fatal(err)
		}
		// Less the two banners only the embedded default shows.
		top, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector("h1").getBoundingClientRect().bottom -
			[...document.querySelectorAll(".dev-banner")].reduce((s, e) => s + e.getBoundingClientRect().height, 0)`))
		if err != nil {
			t.Fatal(err)
		}
		if top > 740 {
			t.Errorf("%s at 360 px: the chapter heading ends %.0f px down, below the first screen", lang, top)
		}
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
			t.Fatal(err)
		}
		side, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
			const nav = document.querySelector(".form-chapters").getBoundingClientRect(), main = document.querySelector(".form-main").getBoundingClientRect();
			if (nav.top > main.top + 1) return "below";
			return nav.right <= main.left + 1 ? "left" : (nav.left >= main.right - 1 ? "right" : "overlapping");
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]string{"de": "left", "ar": "right"}[lang]; side != want {
			t.Errorf("%s at 1280 px: chapter list %s of the form, want %s", lang, side, want)
		}
	}
}

// TestAChosenFileIsNotDroppedSilently: a file chosen but not uploaded stops
// "Weiter" with a message beside the file field (it was dropped without a
// word); without a script the chapter says that "Hochladen" sends a file.
func TestAChosenFileIsNotDroppedSilently(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	base := "/de/antrag/" + hzl
	token := b.open(base).csrf(t)
	walkTo(t, b, token, "unterlagen")
	b.get(base+"/unterlagen").mustContain(t, "Eine ausgewählte Datei wird erst übertragen, wenn Sie daneben „Hochladen“ drücken.")

	ctx := phone(t, true)
	// The browser takes over the session the walk made.
	cookies := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		for _, c := range b.c.Jar.Cookies(mustURL(in.base)) {
			if _, err := cdp.Call(ctx, tg, network.SetCookie, network.SetCookieParams{Name: c.Name, Value: c.Value, URL: in.base + "/"}); err != nil {
				return err
			}
		}
		return nil
	})
	file := filepath.Join(t.TempDir(), "mietvertrag.pdf")
	if err := os.WriteFile(file, []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, cookies, chromedp.Navigate(in.base+base+"/unterlagen"),
		chromedp.SetUploadFiles(`input[type=file]`, []string{file}, chromedp.NodeVisible)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Focus(`button[name="aktion"][value="weiter"]:not(.default-action)`), chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!document.querySelector("[id$='-unsent']")`, chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		t.Fatalf("no message about the chosen file: %v", err)
	}
	if where, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`)); !strings.HasSuffix(where, "/unterlagen") {
		t.Errorf("went on to %s with the chosen file", where)
	}
}
