package main

import (
	"context"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/mail"
)

// TestCaughtMailAttachmentDownload: a mail with an appointment's
// iCalendar file goes through the outbox and SMTP to the mail catcher,
// whose page lists the file with name, type and size and serves it as a
// download (attachment, its content type, nosniff, never cached) to this
// machine only.
func TestCaughtMailAttachmentDownload(t *testing.T) {
	in := start(t, testConfig(t))
	ctx := context.Background()
	ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Sozialplattform//DE\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n" +
		"UID:1@sozialplattform.example\r\nDTSTAMP:20260301T090000Z\r\nDTSTART:20260305T093000Z\r\n" +
		"SUMMARY:Beratung in Köln\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	de, _ := i18n.Lookup("de")
	if _, err := in.MailService.SendWith(ctx, de, "test", "termin@example.org", nil,
		mail.Attachment{Name: "termin.ics", ContentType: "text/calendar; charset=UTF-8; method=REQUEST", Data: []byte(ics)}); err != nil {
		t.Fatal(err)
	}
	if got := caughtTo(t, in, "termin@example.org"); len(got) != 1 {
		t.Fatalf("%d mails caught", len(got))
	}
	mails, err := in.DB.ListCaughtMail(ctx, 500)
	if err != nil {
		t.Fatal(err)
	}
	id := ""
	for _, m := range mails {
		if strings.Contains(m.Recipients, "termin@example.org") {
			id = m.ID
		}
	}

	b := newBrowser(t, in.base)
	p := b.get("/de/dev/post/" + id)
	if p.status != 200 {
		t.Fatalf("mail page: %d", p.status)
	}
	link := "/de/dev/post/" + id + "/anhang/1"
	p.mustContain(t, `href="`+link+`"`, ">termin.ics</a>", "text/calendar; charset=UTF-8; method=REQUEST", "B)")

	f := b.get(link)
	if f.status != 200 {
		t.Fatalf("download: %d", f.status)
	}
	if f.body != ics {
		t.Errorf("downloaded\n%q\nwant\n%q", f.body, ics)
	}
	mt, params, err := mime.ParseMediaType(f.header.Get("Content-Type"))
	if err != nil || mt != "text/calendar" || params["method"] != "REQUEST" {
		t.Errorf("Content-Type %q", f.header.Get("Content-Type"))
	}
	disp, dparams, err := mime.ParseMediaType(f.header.Get("Content-Disposition"))
	if err != nil || disp != "attachment" || dparams["filename"] != "termin.ics" {
		t.Errorf("Content-Disposition %q", f.header.Get("Content-Disposition"))
	}
	if f.header.Get("X-Content-Type-Options") != "nosniff" || f.header.Get("Cache-Control") != "no-store" {
		t.Errorf("headers %v", f.header)
	}

	for _, bad := range []string{"/anhang/0", "/anhang/2", "/anhang/01", "/anhang/x", "/anhang/-1"} {
		if p := b.get("/de/dev/post/" + id + bad); p.status != 404 {
			t.Errorf("%s: %d", bad, p.status)
		}
	}
	if p := b.get("/de/dev/post/00000000-0000-0000-0000-000000000000/anhang/1"); p.status != 404 {
		t.Errorf("unknown mail: %d", p.status)
	}

	// Nobody but this machine.
	for addr, want := range map[string]int{"127.0.0.1:40000": 200, "[::1]:40000": 200, "203.0.113.7:40000": 404} {
		r := httptest.NewRequest("GET", link, nil)
		r.RemoteAddr = addr
		w := httptest.NewRecorder()
		http.Handler(in.Web).ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("from %s: %d, want %d", addr, w.Code, want)
		}
		if want == 404 && strings.Contains(w.Body.String(), "VCALENDAR") {
			t.Errorf("from %s: the file is served", addr)
		}
	}
}
