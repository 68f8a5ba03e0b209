package main

import (
	"bytes"
	"github.com/sozialplattform/sozialplattform/internal/booking"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/counselling"
)

// BenchmarkStartPage runs the German start page through the whole handler
// chain in process (no network), as a returning visitor with a CSRF cookie
// asking for gzip, against a bare handler writing the same bytes.
// go test -run '^$' -bench StartPage -benchmem ./cmd/sozialplattform/
func BenchmarkStartPage(b *testing.B) {
	in := start(b, testConfig(b))
	h := http.Handler(in.Web)
	first := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/de/", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	h.ServeHTTP(first, req)
	cookies := first.Result().Cookies()
	body := first.Body.Bytes()
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(body)
	})
	for _, c := range []struct {
		name, path string
		h          http.Handler
	}{{"bare", "/de/", bare}, {"platform", "/de/", h},
		// A page with a form token is rendered for each visitor: the cost
		// of templates and compression without the page cache.
		{"platform-rendered-barrierefreiheit", "/de/barrierefreiheit", h}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					r := httptest.NewRequest("GET", c.path, nil)
					r.Header.Set("Accept-Encoding", "gzip")
					for _, ck := range cookies {
						r.AddCookie(ck)
					}
					w := httptest.NewRecorder()
					c.h.ServeHTTP(w, r)
					if w.Code != 200 {
						b.Fatal(w.Code)
					}
					io.Copy(io.Discard, w.Body)
				}
			})
		})
	}
}

// BenchmarkHzLChapter renders the chapter "Einkommen" of an application
// with two incomes for a visitor with a session, through the whole handler
// chain, against a bare handler writing the same bytes; and posts the
// chapter with "Weiter" (read, evaluate, validate, save, redirect).
// go test -run '^$' -bench HzLChapter -benchmem ./cmd/sozialplattform/
func BenchmarkHzLChapter(b *testing.B) {
	in := start(b, testConfig(b))
	br := newBrowser(b, in.base)
	base := "/de/antrag/" + hzl
	token := br.open(base).csrf(b)
	walkTo(b, br, token, "einkommen")
	br.post(base+"/einkommen", chapterForm(token, "hinzufuegen:einkommen", "hat_einkommen", "ja"))
	br.post(base+"/einkommen", chapterForm(token, "hinzufuegen:einkommen", "hat_einkommen", "ja", "offen", "einkommen.0"))
	cookies := br.c.Jar.Cookies(mustURL(in.base))
	h := http.Handler(in.Web)
	get := func(query string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", base+"/einkommen"+query, nil)
		r.Header.Set("Accept-Encoding", "gzip")
		for _, c := range cookies {
			r.AddCookie(c)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	first := get("")
	if first.Code != 200 {
		b.Fatal(first.Code)
	}
	body := first.Body.Bytes()
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(body)
	})
	post := chapterForm(token, "weiter", hzlAnswers["einkommen"]...).Encode()
	n := 0
	for _, c := range []struct {
		name string
		run  func() int
	}{
		{"bare", func() int {
			w := httptest.NewRecorder()
			bare.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
			return w.Code
		}},
		// Shown again without a change: from the state cache.
		{"platform-get", func() int { return get("").Code }},
		// A query of its own each time: rendered every time, as after
		// every change of an answer.
		{"platform-get-rendered", func() int { n++; return get("?r=" + strconv.Itoa(n)).Code }},
		{"platform-post-weiter", func() int {
			r := httptest.NewRequest("POST", base+"/einkommen", strings.NewReader(post))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Header.Set("Origin", "http://example.com")
			r.Host = "example.com"
			for _, c := range cookies {
				r.AddCookie(c)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code == 303 {
				return 200
			}
			return w.Code
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			measure(b, c.run)
		})
	}
}

// measure runs run (which answers an HTTP status) b.N times and reports
// the 99th percentile of its latency.
func measure(b *testing.B, run func() int) {
	lat := make([]time.Duration, 0, b.N)
	for b.Loop() {
		t0 := time.Now()
		if code := run(); code != 200 {
			b.Fatal(code)
		}
		lat = append(lat, time.Since(t0))
	}
	reportP99(b, lat)
}

// reportP99 adds the 99th percentile of the measured latencies.
func reportP99(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkUpload100MB streams a 100 MB proof through the whole handler
// chain (multipart, type check, encryption at rest; no scanner) and reports
// the peak of the heap above what it was before.
// go test -run '^$' -bench Upload100MB -benchtime 3x ./cmd/sozialplattform/
func BenchmarkUpload100MB(b *testing.B) {
	in := start(b, testConfig(b))
	br := newBrowser(b, in.base)
	base := "/de/antrag/" + hzl
	token := br.open(base).csrf(b)
	walkTo(b, br, token, "unterlagen")
	cookies := br.c.Jar.Cookies(mustURL(in.base))
	h := http.Handler(in.Web)
	var peak float64
	for b.Loop() {
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		go func() {
			mw.WriteField("csrf_token", token)
			mw.WriteField("slot", "nachweis_sonstige")
			fw, _ := mw.CreateFormFile("datei", "gross.pdf")
			fw.Write([]byte("%PDF-1.4\n"))
			chunk := bytes.Repeat([]byte("0123456789abcdef"), 4096)
			for n := 9; n+len(chunk) <= 100<<20-64; n += len(chunk) {
				fw.Write(chunk)
			}
			mw.Close()
			pw.Close()
		}()
		r := httptest.NewRequest("POST", base+"/unterlagen/hochladen", pr)
		r.Header.Set("Content-Type", mw.FormDataContentType())
		r.Header.Set("Origin", "http://example.com")
		r.Host = "example.com"
		for _, c := range cookies {
			r.AddCookie(c)
		}
		w := httptest.NewRecorder()
		d := peakHeapMB(func() { h.ServeHTTP(w, r) })
		if w.Code != 303 {
			b.Fatalf("upload: %d %s", w.Code, w.Body.String())
		}
		peak = max(peak, d)
		// Make room for the next round, as the page's "Entfernen" does.
		page := br.get(base + "/unterlagen")
		for _, m := range regexp.MustCompile(`form="up-delete" name="datei" value="([^"]+)"`).FindAllStringSubmatch(page.body, -1) {
			br.post(base+"/unterlagen/loeschen", url.Values{"csrf_token": {token}, "datei": {m[1]}})
		}
	}
	b.ReportMetric(peak, "peak-heap-MB")
	b.SetBytes(100 << 20)
}

// peakHeapMB runs fn and returns the highest heap above the start (after a
// collection) seen by sampling every 2 ms, in MiB.
func peakHeapMB(fn func()) float64 {
	runtime.GC()
	before := heapBytes()
	stop := make(chan struct{})
	done := make(chan uint64)
	go func() {
		top := before
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				done <- top
				return
			case <-t.C:
				top = max(top, heapBytes())
			}
		}
	}()
	fn()
	close(stop)
	top := max(<-done, heapBytes())
	return float64(top-before) / (1 << 20)
}

// heapBytes is the memory of live and not yet swept heap objects.
func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// BenchmarkDeliver10MB delivers one application with a 10 MB proof to the
// local FIT-Connect service, whole: XML file, PDF, encryption of every part,
// upload, submit, signed event log. Each round starts the delivery afresh
// (a new submission at the service).
// go test -run '^$' -bench Deliver10MB -benchtime 20x ./cmd/sozialplattform/
func BenchmarkDeliver10MB(b *testing.B) {
	in, id := sentWithProof(b, 10<<20)
	lat := make([]time.Duration, 0, 64)
	for b.Loop() {
		if _, err := in.DB.ExecContext(b.Context(), in.DB.Rebind(`DELETE FROM deliveries WHERE submission_id = ?`), id); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if err := in.Delivery.Deliver(b.Context(), id); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Milliseconds()), "p99-ms")
	var sum time.Duration
	for _, l := range lat {
		sum += l
	}
	b.ReportMetric(float64(time.Minute)/float64(sum/time.Duration(len(lat))), "applications/min")
}

// sentWithProof sends a HzL application with one proof of size bytes and
// delivers it once (which starts the stand-in and makes the destination's
// keys); it returns the platform and the application's id.
func sentWithProof(b *testing.B, size int) (*instance, string) {
	in := start(b, testConfig(b))
	br := newBrowser(b, in.base)
	base := "/de/antrag/" + hzl
	token := br.open(base).csrf(b)
	walkTo(b, br, token, "unterlagen")
	big := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("0123456789abcdef"), (size-9)/16)...)
	if p := br.uploadFile(base+"/unterlagen/hochladen", token, "nachweis_konten", "kontoauszuege.pdf", big); p.status != 303 {
		b.Fatalf("upload: %d", p.status)
	}
	for _, ch := range []string{"unterlagen", "nothilfe"} {
		br.post(base+"/"+ch, chapterForm(token, "weiter", hzlAnswers[ch]...))
	}
	p := br.post(base+"/absenden", chapterForm(token, "absenden", append(hzlAnswers["absenden"], "nutzungsbedingungen", "ja")...))
	loc := p.header.Get("Location")
	id := loc[strings.LastIndex(loc, "/")+1:]
	if err := in.Delivery.Deliver(b.Context(), id); err != nil {
		b.Fatal(err)
	}
	return in, id
}

// BenchmarkDeliver100MBMemory: the peak heap of delivering an application
// whose proof is 100 MB (the most an application may carry), above the heap
// before; the local service runs in the same process and is counted too.
// go test -run '^$' -bench Deliver100MBMemory -benchtime 3x ./cmd/sozialplattform/
func BenchmarkDeliver100MBMemory(b *testing.B) {
	in, id := sentWithProof(b, 100<<20-64<<10)
	var peak float64
	for b.Loop() {
		if _, err := in.DB.ExecContext(b.Context(), in.DB.Rebind(`DELETE FROM deliveries WHERE submission_id = ?`), id); err != nil {
			b.Fatal(err)
		}
		peak = max(peak, peakHeapMB(func() {
			if err := in.Delivery.Deliver(b.Context(), id); err != nil {
				b.Fatal(err)
			}
		}))
	}
	b.ReportMetric(peak, "peak-heap-MB")
	b.SetBytes(100 << 20)
}

// BenchmarkCounsellingSearch20000: the finder with 20,000 centres. "search"
// is the directory's search alone over a mix of queries (postcode + radius
// + type + words, place names, words only, filters); "page-rendered" the
// whole handler chain rendering the result page each time (a new query
// every time); "page-cached" the same query again, from the finder's cache
// of result pages; "bare" a net/http handler writing the same bytes.
// go test -run '^$' -bench CounsellingSearch20000 -benchtime 2000x ./cmd/sozialplattform/
func BenchmarkCounsellingSearch20000(b *testing.B) {
	in := start(b, testConfig(b))
	now := in.DB.Now()
	cs := counselling.SyntheticCentres(in.Places, 20000, now)
	if err := in.DB.SaveCentres(b.Context(), cs, counselling.AuditEntry{At: now, ActorID: "bench", Entity: "import", Action: "import"}); err != nil {
		b.Fatal(err)
	}
	ix, err := in.Web.Centres.Index(b.Context())
	if err != nil || ix.Len() < 20000 {
		b.Fatalf("index: %v", err)
	}
	var queries []counselling.Query
	for _, pc := range []string{"50667", "10115", "80331", "20095", "01067", "53840", "48143", "99084"} {
		res, _ := in.Places.Lookup(pc, 1)
		p := res.Places[0]
		for _, q := range []counselling.Query{
			{Text: "Schulden", Types: []string{counselling.TypeDebt}, RadiusKm: 25},
			{Text: "Alkohol", RadiusKm: 50},
			{Types: []string{counselling.TypeAddiction, counselling.TypeHomelessness}, RadiusKm: 100, Online: true},
			{Text: "Sucht Beratung", Language: "tr", RadiusKm: 25},
		} {
			q.HasPlace, q.Lat, q.Lon, q.Limit = true, p.Lat, p.Lon, 20
			queries = append(queries, q)
		}
	}
	queries = append(queries, counselling.Query{Text: "Schulden", Limit: 20}, counselling.Query{Types: []string{counselling.TypeDebt}, Online: true, Limit: 20})
	h := http.Handler(in.Web)
	const path = "/de/beratung?q=Schulden&ort=50667&radius=25&art=schulden"
	get := func(u string, cookie bool) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", u, nil)
		r.Header.Set("Accept-Encoding", "gzip")
		if cookie {
			// A session cookie makes the page render (as for a visitor
			// signed in), not come from the cache.
			r.AddCookie(&http.Cookie{Name: in.Web.Sessions.CookieName(), Value: "x"})
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	first := get(path, false)
	if first.Code != 200 || !strings.Contains(first.Body.String(), "centre-card") && first.Header().Get("Content-Encoding") == "" {
		b.Fatalf("finder: %d", first.Code)
	}
	body := first.Body.Bytes()
	enc := first.Header().Get("Content-Encoding")
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if enc != "" {
			w.Header().Set("Content-Encoding", enc)
		}
		w.Write(body)
	})
	n := 0
	for _, c := range []struct {
		name string
		run  func() int
	}{
		{"search", func() int { n++; ix.Search(queries[n%len(queries)]); return 200 }},
		{"bare", func() int {
			w := httptest.NewRecorder()
			bare.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
			return w.Code
		}},
		{"page-cached", func() int { return get(path, false).Code }},
		{"page-rendered", func() int { n++; return get(path+"&seite=1&r="+strconv.Itoa(n), true).Code }},
	} {
		b.Run(c.name, func(b *testing.B) { measure(b, c.run) })
	}
}

// BenchmarkBookingCalendar: a centre's booking calendar with a day chosen
// (the month's states and the day's free times, computed per request from
// the database) against a bare handler sending the same compressed bytes,
// in one run (issue 17: at least 30 % of the bare handler's throughput).
func BenchmarkBookingCalendar(b *testing.B) {
	in := start(b, testConfig(b))
	h := http.Handler(in.Web)
	c, o := readyDemoCentre(b, in)
	day := booking.DayOf(in.DB.Now()).AddDays(3)
	path := "/de/beratung/" + c.Slug + "/termin?angebot=" + o.Services[0].ID + "&monat=" + day.Midnight().Format("2006-01") + "&tag=" + day.String()
	first := httptest.NewRecorder()
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	h.ServeHTTP(first, req)
	if first.Code != 200 {
		b.Fatalf("%s: %d", path, first.Code)
	}
	body := first.Body.Bytes()
	b.ReportMetric(float64(len(body)), "bytes-gzip")
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(body)
	})
	for _, v := range []struct {
		name string
		h    http.Handler
	}{{"bare", bare}, {"platform", h}} {
		b.Run(v.name, func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					r := httptest.NewRequest("GET", path, nil)
					r.Header.Set("Accept-Encoding", "gzip")
					w := httptest.NewRecorder()
					v.h.ServeHTTP(w, r)
					if w.Code != 200 {
						b.Fatal(w.Code)
					}
				}
			})
		})
	}
}
