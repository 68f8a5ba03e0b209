package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

// Page weight is a byte count, not a timing: it is the same on every machine,
// so it is asserted here. The figures also land in artifacts/page-weight.md.

const (
	startPageBudget = 100 * 1024 // first visit, everything transferred
	htmlBudget      = 25 * 1024  // any page's HTML, compressed
)

// TestStartPageWeightOnFirstVisit loads each language's start page with an
// empty cache, waits until the fonts are in, and adds up what went over the
// wire (bodies as sent plus headers) for the document, CSS, fonts and JS.
func TestStartPageWeightOnFirstVisit(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	root := newChrome(t)
	in := start(t, testConfig(t))
	var report strings.Builder
	report.WriteString("| start page | requests | transferred | of which fonts |\n| --- | ---: | ---: | ---: |\n")
	for _, l := range i18n.Languages {
		tab, cancel := chromedp.NewContext(root)
		noCache := chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, t, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true})
			return err
		})
		if err := chromedp.Do(tab, noCache); err != nil {
			cancel()
			t.Fatal(err)
		}
		ctx, cancelT := context.WithTimeout(tab, 60*time.Second)
		type entry struct {
			Name string  `json:"name"`
			Size float64 `json:"size"`
		}
		err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 800), chromedp.Navigate(in.base+"/"+l.Code+"/"))
		var entries []entry
		if err == nil {
			entries, err = chromedp.Run(ctx, chromedp.Evaluate[[]entry](`document.fonts.ready.then(() =>
				performance.getEntriesByType("navigation").concat(performance.getEntriesByType("resource"))
					.map(e => ({name: e.name, size: e.transferSize})))`, chromedp.EvalAwaitPromise))
		}
		cancelT()
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", l.Code, err)
		}
		var total, fonts float64
		for _, e := range entries {
			total += e.Size
			if strings.HasSuffix(e.Name, ".woff2") {
				fonts += e.Size
			}
		}
		fmt.Fprintf(&report, "| /%s/ | %d | %.1f KB | %.1f KB |\n", l.Code, len(entries), total/1024, fonts/1024)
		if total == 0 || total > startPageBudget {
			t.Errorf("/%s/ transfers %.1f KB on a first visit, budget %d KB: %v", l.Code, total/1024, startPageBudget/1024, entries)
		}
	}
	t.Log("\n" + report.String())
	writeArtifact(t, "page-weight.md", report.String())
}

// TestHTMLOfEveryPageIsSmall: the HTML of every public page, compressed as a
// browser asks for it, stays under 25 KB.
func TestHTMLOfEveryPageIsSmall(t *testing.T) {
	in := start(t, testConfig(t))
	// A browser's cookies: the application's entry leads to its chapter.
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Transport: &http.Transport{DisableCompression: true}}
	var largest int
	var largestPath string
	for _, l := range i18n.Languages {
		for _, p := range publicPaths {
			path := "/" + l.Code + p
			req, _ := http.NewRequest("GET", in.base+path, nil)
			req.Header.Set("Accept-Encoding", "br, gzip")
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("%s: status %d", path, resp.StatusCode)
				continue
			}
			if resp.Header.Get("Content-Encoding") == "" {
				t.Errorf("%s: sent uncompressed (%d bytes)", path, len(body))
			}
			if len(body) > largest {
				largest, largestPath = len(body), path
			}
			if len(body) > htmlBudget {
				t.Errorf("%s: %d bytes compressed, budget %d", path, len(body), htmlBudget)
			}
		}
	}
	t.Logf("largest HTML: %s, %.1f KB compressed", largestPath, float64(largest)/1024)
}

func writeArtifact(t *testing.T, name, text string) {
	dir := filepath.Join(testenv.RepoRoot(t), "artifacts")
	if err := os.MkdirAll(dir, 0o755); err == nil {
		err = os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644)
		if err != nil {
			t.Log(err)
		}
	}
}
