package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/sozialplattform/sozialplattform/internal/config"
)

// syncBuffer collects the platform's log lines for assertions.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// instance is a running platform on a free port.
type instance struct {
	*Main
	base string
	logs *syncBuffer
}

func testConfig(t testing.TB) config.Config {
	return config.Config{Mode: "dev", Addr: "127.0.0.1:0", DataDir: t.TempDir(), SMTPPort: 587, SMTPTLS: "starttls",
		SMTPFrom: "Test <noreply@example.org>", LogLevel: "info", OperatorEmail: "betrieb@example.org"}
}

// start runs the real program: NewMain, Listen, Serve, exactly as the binary does.
func start(t testing.TB, cfg config.Config) *instance {
	t.Helper()
	in, stop := startStoppable(t, cfg)
	t.Cleanup(stop)
	return in
}

// startStoppable is start with the stop in the caller's hands (stopping
// twice is fine).
func startStoppable(t testing.TB, cfg config.Config) (*instance, func()) {
	t.Helper()
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	m, err := NewMain(ctx, cfg, logs)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if err := m.Listen(); err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Serve(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		})
	}
	return &instance{Main: m, base: m.URL(), logs: logs}, stop
}

// browser is an HTTP client with cookies that does not follow redirects.
type browser struct {
	t    testing.TB
	c    *http.Client
	base string
	lang string // Accept-Language
	// forwardedFor plays a load balancer on this machine that names the
	// client in X-Forwarded-For ("": none).
	forwardedFor string
}

func newBrowser(t testing.TB, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type page struct {
	status int
	header http.Header
	body   string
	path   string // where open ended after redirects
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	if b.forwardedFor != "" {
		req.Header.Set("X-Forwarded-For", b.forwardedFor)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	return b.do(req)
}

// open gets a page and follows the site's redirects, as a browser does.
func (b *browser) open(path string) page {
	b.t.Helper()
	for range 5 {
		p := b.get(path)
		if p.status < 300 || p.status > 399 {
			p.path = path
			return p
		}
		path = strings.TrimPrefix(p.header.Get("Location"), b.base)
	}
	b.t.Fatalf("more than 5 redirects from %s", path)
	return page{}
}

// post sends a form. A redirect back to the same chapter of the assistant
// (its Post/Redirect/Get after "Aktualisieren", "Eintrag hinzufügen" or
// with mistakes; not "Speichern", whose address tests look at) is followed, as a browser does, and the page it
// leads to returned with its address in path; a redirect elsewhere is
// returned as it is.
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// What a browser sends for a same-origin form.
	req.Header.Set("Origin", b.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	p := b.do(req)
	loc := strings.TrimPrefix(p.header.Get("Location"), b.base)
	if p.status == http.StatusSeeOther && strings.Contains(path, "/antrag/") && !strings.Contains(loc, "gespeichert=1") &&
		strings.SplitN(strings.SplitN(loc, "#", 2)[0], "?", 2)[0] == path {
		next := b.get(strings.SplitN(loc, "#", 2)[0])
		next.path = loc
		return next
	}
	return p
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf returns the token of the first form on a page.
func (p page) csrf(t testing.TB) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatal("page has no CSRF token")
	}
	return m[1]
}

func (p page) mustContain(t testing.TB, parts ...string) {
	t.Helper()
	for _, s := range parts {
		if !strings.Contains(p.body, s) {
			t.Errorf("page (status %d) lacks %q", p.status, s)
		}
	}
}
