package main

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/sozialplattform/sozialplattform/internal/i18n"
)

// The public pages byte for byte: every anonymous page in every language,
// with the headers a browser or cache acts on, compared with
// testdata/pages.golden. It guards refactorings of the web layer (moving
// handlers between packages must change no byte a visitor gets); a wanted
// change of a page is accepted with
//
//	go test ./cmd/sozialplattform -run TestPublicPagesGolden -update-pages
//
// The golden file holds a checksum per page so it stays small; with
// SOZ_PAGES_DIR set, the bodies are written there too, to diff two runs.

var updatePages = flag.Bool("update-pages", false, "rewrite testdata/pages.golden")

// goldenHeaders are the response headers that change what a visitor or a
// cache gets.
var goldenHeaders = []string{"Content-Type", "Content-Language", "Cache-Control", "Content-Security-Policy", "Vary",
	"Location", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Permissions-Policy",
	"Cross-Origin-Opener-Policy", "Cross-Origin-Resource-Policy", "Strict-Transport-Security", "Access-Control-Allow-Origin",
	"Content-Disposition"}

// Volatile parts: form tokens, request ids, times, the open-now line and
// today's mark of a counselling centre (they follow the clock), and the
// content hash in asset addresses (a changed script or stylesheet is not a
// changed page).
var goldenVolatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`name="csrf_token" value="[^"]+"`), `name="csrf_token" value="TOKEN"`},
	{regexp.MustCompile(`(/static/[^"'\s)]+)\.[0-9a-f]{10}(\.[a-z0-9]+)`), "${1}${2}"},
	{regexp.MustCompile(`\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}( UTC)?`), "DATE"},
	{regexp.MustCompile(`(?s)<p class="kern-body kern-body--large open-state[^>]*>.*?</p>`), "OPEN-STATE"},
	{regexp.MustCompile(` class="[^"]*today[^"]*"| aria-current="date"`), ""},
	// "(heute)" beside the day of the week: it moves at midnight in Berlin.
	{regexp.MustCompile(` <span class="kern-body kern-body--small">\([^)<]*\)</span></dt>`), "</dt>"},
	{regexp.MustCompile(`(</ul>\n<p class="kern-body kern-body--small">)[^<]*(</p>)`), "${1}REFERENCE${2}"},
	// A centre's booking calendar: its free days and times follow the clock.
	{regexp.MustCompile(`(?s)<section aria-labelledby="schritt-zeit">.*?</section>\n</section>`), "CALENDAR"},
}

func TestPublicPagesGolden(t *testing.T) {
	in := start(t, testConfig(t))
	var paths []string
	// Addresses outside the languages.
	paths = append(paths, "/robots.txt", "/favicon.ico", "/healthz", "/readyz", "/gibt-es-nicht",
		"/api/v1/places?q=53840", "/api/v1/places?q=Bonn&limit=3", "/api/v1/places?q=1", "/api/v1/openapi.json",
		"/api/v1/responsibility?leika=99107012017000&ars=052820000000", "/api/v1/responsibility?leika=1&ars=2")
	// One centre's detail page, found as a visitor finds it.
	b := newBrowser(t, in.base)
	res := b.get("/de/beratung?q=Schulden&ort=50667")
	m := regexp.MustCompile(`href="/de/beratung/([a-z0-9-]+)"`).FindAllStringSubmatch(res.body, -1)
	var centre string
	for _, x := range m {
		if x[1] != "fuer-beratungsstellen" {
			centre = x[1]
			break
		}
	}
	if centre == "" {
		t.Fatal("no centre found in the finder")
	}
	var services []string
	for _, svc := range in.Catalogue.Services {
		services = append(services, svc.Slug)
	}
	sort.Strings(services)
	for _, l := range i18n.Languages {
		p := "/" + l.Code
		paths = append(paths, p, p+"/", p+"/impressum", p+"/datenschutz", p+"/nutzungsbedingungen", p+"/hilfe",
			p+"/hilfe-beratungsstellen", p+"/barrierefreiheit", p+"/barrierefreiheit?seite=/de/hilfe", p+"/barrierefreiheit/danke",
			p+"/datenschutz/loeschfristen", p+"/feedback/danke?seite=/de/hilfe", p+"/leistungsfinder", p+"/leistungen",
			p+"/antrag", p+"/zustaendige-stelle", p+"/zustaendige-stelle?leistung=&ort=",
			p+"/zustaendige-stelle?leistung=wohngeld&ort=53840", p+"/suche", p+"/suche?q=", p+"/suche?q=Wohngeld",
			p+"/beratung", p+"/beratung?q=Schulden&ort=50667", p+"/beratung?ort=Neustadt", p+"/beratung?radius=999&art=zauberei",
			p+"/beratung?q=Sucht&ort=10115&seite=2", p+"/beratung/"+centre, p+"/beratung/"+centre+"/termin", p+"/termin/bestaetigen/ungueltig",
			p+"/beratung/fuer-beratungsstellen", p+"/anmelden", p+"/anmelden?niveau=hoch&weiter=/de/konto",
			p+"/konto", p+"/intern/anmelden", p+"/intern/", p+"/gibt-es-nicht",
			p+"/antrag/hilfe-zum-lebensunterhalt?ars=052820000000", p+"/antrag/99107012017000")
		for _, s := range services {
			paths = append(paths, p+"/leistungen/"+s)
		}
		paths = append(paths, p+"/leistungen/hilfe-zum-lebensunterhalt?ort=53840", p+"/leistungen/hilfe-zum-lebensunterhalt?ort=Neustadt",
			p+"/leistungen/wohngeld?ort=12", p+"/leistungen/wohngeld?ort=Troisdorf")
	}
	var golden strings.Builder
	dir := os.Getenv("SOZ_PAGES_DIR")
	for _, path := range paths {
		// Every page as a first visitor gets it: no cookies from before.
		req, _ := http.NewRequest("GET", in.base+path, nil)
		req.Header.Set("Accept-Encoding", "identity")
		pg := newBrowser(t, in.base).do(req)
		body := pg.body
		for _, v := range goldenVolatile {
			body = v.re.ReplaceAllString(body, v.with)
		}
		sum := sha256.Sum256([]byte(body))
		fmt.Fprintf(&golden, "%s %d %s\n", path, pg.status, hex.EncodeToString(sum[:8]))
		for _, h := range goldenHeaders {
			if v := pg.header.Values(h); len(v) > 0 {
				fmt.Fprintf(&golden, "  %s: %s\n", h, strings.Join(v, " | "))
			}
		}
		var cookies []string
		for _, c := range pg.header.Values("Set-Cookie") {
			name, _, _ := strings.Cut(c, "=")
			_, attrs, _ := strings.Cut(c, ";")
			cookies = append(cookies, name+";"+attrs)
		}
		if len(cookies) > 0 {
			fmt.Fprintf(&golden, "  Set-Cookie: %s\n", strings.Join(cookies, " | "))
		}
		if dir != "" {
			name := strings.NewReplacer("/", "_", "?", "~", "&", "+", "=", "-").Replace(path) + ".html"
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	file := filepath.Join("testdata", "pages.golden")
	if *updatePages {
		if err := os.WriteFile(file, []byte(golden.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if got := golden.String(); got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		shown := 0
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w && shown < 20 {
				t.Errorf("line %d:\n got  %s\n want %s", i+1, g, w)
				shown++
			}
		}
		t.Errorf("public pages differ from %s (SOZ_PAGES_DIR=dir writes the bodies; -update-pages accepts a wanted change)", file)
	}
}
