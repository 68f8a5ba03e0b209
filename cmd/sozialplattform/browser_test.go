package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

// Browser tests run the real platform and drive Debian's Chromium. They need
// the chromium package and axe-core (tools/browser, installed by
// scripts/ci-setup.sh); without them they skip loudly, and fail in CI.

func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	testenv.Missing(t, "Chromium (Debian package chromium) for browser tests")
	return ""
}

func axeSource(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "tools", "browser", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		testenv.Missing(t, "axe-core (npm ci --prefix tools/browser)")
	}
	return string(b)
}

// newChrome starts one headless Chromium for the test, with the flags this
// machine needs (no sandbox as root, no background network).
func newChrome(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelA() })
	if err := chromedp.Do(ctx); err != nil { // start the browser
		t.Fatal(err)
	}
	return ctx
}

type axeResult struct {
	Violations []struct {
		ID     string `json:"id"`
		Impact string `json:"impact"`
		Help   string `json:"help"`
		Nodes  []struct {
			Target []any  `json:"target"`
			HTML   string `json:"html"`
		} `json:"nodes"`
	} `json:"violations"`
}

const axeRun = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]}).then(r => JSON.stringify({violations: r.violations}))`

func runAxe(ctx context.Context, axe string) (axeResult, error) {
	var res axeResult
	installed, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof axe !== "undefined"`))
	if err != nil {
		return res, err
	}
	if !installed {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](axe+";0")); err != nil {
			return res, err
		}
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		return res, err
	}
	err = json.Unmarshal([]byte(out), &res)
	return res, err
}

func (r axeResult) String() string {
	var b strings.Builder
	for _, v := range r.Violations {
		fmt.Fprintf(&b, "\n  %s (%s): %s", v.ID, v.Impact, v.Help)
		for i, n := range v.Nodes {
			if i == 3 {
				fmt.Fprintf(&b, "\n    … %d more", len(v.Nodes)-3)
				break
			}
			fmt.Fprintf(&b, "\n    %v %s", n.Target, n.HTML)
		}
	}
	return b.String()
}

// keyboardJS marks every visible, enabled control; radio buttons of one group
// count as one control, as the Tab key visits a group once.
const keyboardMark = `(() => {
  const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])';
  const seenGroups = {};
  let n = 0;
  for (const el of document.querySelectorAll(sel)) {
    if (el.disabled || !el.checkVisibility({visibilityProperty: true})) continue;
    // A control kept out of reach on purpose: the chapter form's default
    // button for Enter, a copy of the visible primary button.
    if (el.getAttribute("aria-hidden") === "true" && el.getAttribute("tabindex") === "-1") continue;
    let key = "c" + (n++);
    if (el.type === "radio") {
      const g = "radio:" + el.name;
      if (seenGroups[g]) { el.dataset.kbd = seenGroups[g]; continue; }
      seenGroups[g] = key;
    }
    el.dataset.kbd = key;
  }
  return n;
})()`

const keyboardLabel = `(() => { const el = document.activeElement; return el && el.dataset && el.dataset.kbd ? el.dataset.kbd : (el ? el.tagName : ""); })()`

const keyboardAll = `[...new Set([...document.querySelectorAll("[data-kbd]")].map(e => e.dataset.kbd))]`

const keyboardDescribe = `((k) => { const e = document.querySelector('[data-kbd="' + k + '"]'); return e ? e.outerHTML.slice(0, 160) : k; })`

// checkKeyboard presses Tab until focus comes round again and reports every
// control that was never reached.
func checkKeyboard(ctx context.Context) ([]string, string, error) {
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[int](keyboardMark)); err != nil {
		return nil, "", err
	}
	all, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](keyboardAll))
	if err != nil {
		return nil, "", err
	}
	reached := map[string]bool{}
	first := ""
	for i := 0; i < len(all)+10; i++ {
		if err := chromedp.Do(ctx, chromedp.KeyEvent("\t")); err != nil {
			return nil, "", err
		}
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](keyboardLabel))
		if err != nil {
			return nil, "", err
		}
		if i == 0 {
			first = got
		}
		reached[got] = true
	}
	var missed []string
	for _, k := range all {
		if !reached[k] {
			d, _ := chromedp.Run(ctx, chromedp.Evaluate[string](keyboardDescribe+`("`+k+`")`))
			missed = append(missed, d)
		}
	}
	firstHTML, _ := chromedp.Run(ctx, chromedp.Evaluate[string](keyboardDescribe+`("`+first+`")`))
	return missed, firstHTML, nil
}

// TestAccessibilityOfEveryPage: every public page in every language, at
// 360 px and 1280 px, has no axe-core violation at WCAG 2.1 A/AA; the
// keyboard reaches every control, starting with the skip link; a screenshot
// of each page at 360 px lands in artifacts/screenshots.
func TestAccessibilityOfEveryPage(t *testing.T) {
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

	type job struct{ lang, path string }
	jobs := make(chan job)
	var mu sync.Mutex
	var failures []string
	fail := func(format string, args ...any) {
		mu.Lock()
		failures = append(failures, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ { // one tab per core
		tab, cancel := chromedp.NewContext(root)
		defer cancel()
		// The first action on a context opens its tab and ties the tab's life
		// to that context: open it here, not under a per-page timeout.
		if err := chromedp.Do(tab); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				name := j.lang + j.path
				url := in.base + "/" + j.lang + j.path
				for _, width := range []int64{360, 1280} {
					ctx, cancel := context.WithTimeout(tab, 60*time.Second)
					err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 800), chromedp.Navigate(url))
					if err != nil {
						fail("%s at %d px: %v", name, width, err)
						cancel()
						continue
					}
					res, err := runAxe(ctx, axe)
					if err != nil {
						fail("%s at %d px: axe: %v", name, width, err)
					} else if len(res.Violations) > 0 {
						fail("%s at %d px: axe violations:%s", name, width, res)
					}
					if width == 360 {
						png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
						if err == nil {
							file := strings.NewReplacer("/", "_").Replace(strings.Trim(name, "/")) + ".png"
							err = os.WriteFile(filepath.Join(shots, file), png, 0o644)
						}
						if err != nil {
							fail("%s: screenshot: %v", name, err)
						}
						missed, first, err := checkKeyboard(ctx)
						switch {
						case err != nil:
							fail("%s: keyboard: %v", name, err)
						case len(missed) > 0:
							fail("%s: the Tab key never reaches %d controls: %v", name, len(missed), missed)
						case !strings.Contains(first, "skip-link") && !(summaryFocused(ctx) && strings.Contains(first, `href="#`)):
							// After a failed submission focus starts in the
							// error summary, whose first link leads to the field.
							fail("%s: first Tab stop is %s, want the skip link", name, first)
						}
					}
					cancel()
				}
			}
		}()
	}
	// SOZ_BROWSER_LANGS=de,ar narrows a local run; CI checks every language.
	only := os.Getenv("SOZ_BROWSER_LANGS")
	for _, l := range i18n.Languages {
		if only != "" && !strings.Contains(","+only+",", ","+l.Code+",") {
			continue
		}
		for _, p := range append(publicPaths, statePaths...) {
			jobs <- job{l.Code, p}
		}
	}
	close(jobs)
	wg.Wait()
	for _, f := range failures {
		t.Error(f)
	}
}

// TestLanguageMenuWorksByKeyboard: the language switcher opens with Enter and
// its links become reachable by Tab, without JavaScript.
func TestLanguageMenuWorksByKeyboard(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	ctx := newChrome(t)
	in := start(t, testConfig(t))
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 800), chromedp.Navigate(in.base+"/de/")); err != nil {
		t.Fatal(err)
	}
	// Focus the switcher's summary, open it with Enter, Tab to the first link.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`document.querySelector(".lang-switch summary").focus()`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent("\r"), chromedp.KeyEvent("\t")); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.getAttribute("href")`))
	if err != nil || got != "/de/" {
		t.Fatalf("after Enter and Tab the focus is on %q (%v), want the first language link", got, err)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
	// Enter starts a navigation; read the language of the page it lands on,
	// not of the one being left (CI once read a document between the two).
	// WaitReady follows the frame to its new document, where Poll fails with
	// the old document's execution context.
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if err := chromedp.Do(wctx, chromedp.WaitReady(`html[lang="en"]`)); err != nil {
		lang, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement ? document.documentElement.lang : ""`))
		t.Fatalf("after choosing the third language the page is %q (%v), want en", lang, err)
	}
}

// summaryFocused: the page shows an error summary and the script moved focus
// to it, so Tab continues from there.
func summaryFocused(ctx context.Context) bool {
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.getElementById("error-summary")`))
	return err == nil && ok
}

// TestLanguageMenuFitsOnAPhone: opened at 360 px, the language menu lies
// wholly on the screen, left to right and right to left (in Arabic it ran
// 45 px off the edge, the start of each name cut off).
func TestLanguageMenuFitsOnAPhone(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	in := start(t, testConfig(t))
	for _, lang := range []string{"de", "ar"} {
		ctx := newChrome(t)
		ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 740), chromedp.Navigate(in.base+"/"+lang+"/")); err != nil {
			t.Fatal(err)
		}
		box, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => {
			document.querySelector(".lang-switch").open = true;
			const r = document.querySelector(".lang-switch__list").getBoundingClientRect();
			return [r.left, r.right, document.documentElement.clientWidth];
		})()`))
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if box[0] < 0 || box[1] > box[2] {
			t.Errorf("%s: the open language menu spans %.0f–%.0f px of %.0f", lang, box[0], box[1], box[2])
		}
	}
}
