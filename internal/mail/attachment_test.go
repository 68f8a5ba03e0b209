package mail_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	netmail "net/mail"
	"net/textproto"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/job"
	"github.com/sozialplattform/sozialplattform/internal/mail"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

// sendRaw sends m through a real SMTP server and returns what arrived.
func sendRaw(t *testing.T, m mail.Message) string {
	t.Helper()
	srv := startSMTP(t)
	host, port, _ := net.SplitHostPort(srv.addr)
	p, _ := strconv.Atoi(port)
	s := &mail.SMTP{Host: host, Port: p, Username: "mailer", Password: "s3cret", From: "Plattform <noreply@example.org>",
		TLS: mail.StartTLS, TLSConfig: &tls.Config{RootCAs: srv.pool, ServerName: "127.0.0.1"}, Timeout: 5 * time.Second}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.received) != 1 {
		t.Fatalf("server received %d mails", len(srv.received))
	}
	return srv.received[0]
}

var (
	dateRe      = regexp.MustCompile(`(?m)^Date: .*\r\n`)
	messageIDRe = regexp.MustCompile(`(?m)^Message-ID: .*\r\n`)
	boundaryRe  = regexp.MustCompile(`boundary=([0-9a-zA-Z'()+_,\-./:=?]+)`)
)

// normalise replaces what differs from one sending to the next (date,
// message id, multipart boundaries) with fixed placeholders.
func normalise(raw string) string {
	raw = dateRe.ReplaceAllString(raw, "Date: DATE\r\n")
	raw = messageIDRe.ReplaceAllString(raw, "Message-ID: <ID>\r\n")
	for i, m := range boundaryRe.FindAllStringSubmatch(raw, -1) {
		raw = strings.ReplaceAll(raw, m[1], "BOUNDARY"+strconv.Itoa(i+1))
	}
	return raw
}

// TestMessageWithoutAttachmentsUnchanged: a mail without attachments is
// the same message as before attachments existed (multipart/alternative
// with text and HTML, nothing else), byte for byte apart from the date,
// the message id and the boundaries.
func TestMessageWithoutAttachmentsUnchanged(t *testing.T) {
	c := &mail.Composer{Catalog: i18n.MustLoad(), BaseURL: "https://sozialplattform.example"}
	de, _ := i18n.Lookup("de")
	m, err := c.Compose(de, "test", "person@example.org", nil)
	if err != nil {
		t.Fatal(err)
	}
	raw := sendRaw(t, m)
	testenv.Golden(t, "no_attachments.eml", []byte(normalise(raw)))
}

// ics is an appointment as the booking sends it: CRLF lines, UTF-8.
const ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Sozialplattform//DE\r\nMETHOD:REQUEST\r\n" +
	"BEGIN:VEVENT\r\nUID:4f1c@sozialplattform.example\r\nDTSTAMP:20260301T090000Z\r\n" +
	"DTSTART:20260305T093000Z\r\nDTEND:20260305T100000Z\r\nSUMMARY:Beratung – Schuldnerberatung Köln\r\n" +
	"END:VEVENT\r\nEND:VCALENDAR\r\n"

func composed(t *testing.T) mail.Message {
	t.Helper()
	c := &mail.Composer{Catalog: i18n.MustLoad(), BaseURL: "https://sozialplattform.example"}
	de, _ := i18n.Lookup("de")
	m, err := c.Compose(de, "test", "person@example.org", nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// part is one leaf of a parsed message.
type part struct {
	header textproto.MIMEHeader
	body   []byte // decoded
}

// TestAttachmentsOverSMTP: with attachments the mail is multipart/mixed:
// first the multipart/alternative of before (text, HTML), then every file
// base64 encoded as an attachment with its name; a calendar keeps its
// method in the content type, a name with umlauts is RFC 2231 encoded, and
// every line ends in CRLF.
func TestAttachmentsOverSMTP(t *testing.T) {
	m := composed(t)
	pdf := make([]byte, 3000)
	for i := range pdf {
		pdf[i] = byte(i * 7)
	}
	m.Attachments = []mail.Attachment{
		{Name: "termin.ics", ContentType: "text/calendar; charset=UTF-8; method=REQUEST", Data: []byte(ics)},
		{Name: "Übersicht März.pdf", ContentType: "application/pdf", Data: pdf},
	}
	raw := sendRaw(t, m)

	if strings.Contains(strings.ReplaceAll(raw, "\r\n", ""), "\n") || strings.Contains(strings.ReplaceAll(raw, "\r\n", ""), "\r") {
		t.Error("a line of the message does not end in CRLF")
	}
	for _, line := range strings.Split(raw, "\r\n") {
		if len(line) > 998 {
			t.Errorf("line of %d characters", len(line))
		}
	}

	msg, err := netmail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("top level %q %v", msg.Header.Get("Content-Type"), err)
	}
	top := readParts(t, msg.Body, params["boundary"])
	if len(top) != 3 {
		t.Fatalf("multipart/mixed has %d parts, want 3", len(top))
	}

	// 1: the alternative of before.
	mt, params, _ = mime.ParseMediaType(top[0].header.Get("Content-Type"))
	if mt != "multipart/alternative" {
		t.Fatalf("first part %q", top[0].header.Get("Content-Type"))
	}
	alt := readParts(t, bytes.NewReader(top[0].body), params["boundary"])
	if len(alt) != 2 || !strings.HasPrefix(alt[0].header.Get("Content-Type"), "text/plain") ||
		!strings.HasPrefix(alt[1].header.Get("Content-Type"), "text/html") {
		t.Fatalf("alternative: %d parts %v", len(alt), alt)
	}

	// 2: the calendar.
	cal := top[1]
	mt, params, err = mime.ParseMediaType(cal.header.Get("Content-Type"))
	if err != nil || mt != "text/calendar" || params["method"] != "REQUEST" || !strings.EqualFold(params["charset"], "utf-8") || params["name"] != "termin.ics" {
		t.Errorf("calendar Content-Type %q", cal.header.Get("Content-Type"))
	}
	if cal.header.Get("Content-Transfer-Encoding") != "base64" {
		t.Errorf("calendar encoding %q", cal.header.Get("Content-Transfer-Encoding"))
	}
	disp, dparams, err := mime.ParseMediaType(cal.header.Get("Content-Disposition"))
	if err != nil || disp != "attachment" || dparams["filename"] != "termin.ics" {
		t.Errorf("calendar Content-Disposition %q", cal.header.Get("Content-Disposition"))
	}
	if got := decodeBase64(t, cal.body); !bytes.Equal(got, []byte(ics)) {
		t.Errorf("calendar arrived as\n%q\nwant\n%q", got, ics)
	}

	// 3: the file with umlauts in its name.
	doc := top[2]
	if cd := doc.header.Get("Content-Disposition"); !strings.Contains(cd, "filename*=utf-8''%C3%9Cbersicht%20M%C3%A4rz.pdf") {
		t.Errorf("non-ASCII name not RFC 2231 encoded: %q", cd)
	}
	_, dparams, err = mime.ParseMediaType(doc.header.Get("Content-Disposition"))
	if err != nil || dparams["filename"] != "Übersicht März.pdf" {
		t.Errorf("name %q %v", dparams["filename"], err)
	}
	if mt, _, _ := mime.ParseMediaType(doc.header.Get("Content-Type")); mt != "application/pdf" {
		t.Errorf("PDF Content-Type %q", doc.header.Get("Content-Type"))
	}
	if got := decodeBase64(t, doc.body); !bytes.Equal(got, pdf) {
		t.Error("PDF bytes differ")
	}

	// What the mail catcher shows reads the same files back.
	got := mail.ParseAttachments(raw)
	if len(got) != 2 || got[0].Name != "termin.ics" || got[0].ContentType != "text/calendar; charset=UTF-8; method=REQUEST" ||
		!bytes.Equal(got[0].Data, []byte(ics)) || got[1].Name != "Übersicht März.pdf" || !bytes.Equal(got[1].Data, pdf) {
		t.Errorf("ParseAttachments: %+v", got)
	}
}

// TestCalendarCancel: a cancellation keeps method=CANCEL, and a single
// attachment to a text-only mail also makes it multipart/mixed.
func TestCalendarCancel(t *testing.T) {
	cancel := strings.Replace(ics, "METHOD:REQUEST", "METHOD:CANCEL", 1)
	raw := sendRaw(t, mail.Message{To: "person@example.org", Subject: "Abgesagt", Text: "Der Termin ist abgesagt.",
		Attachments: []mail.Attachment{{Name: "absage.ics", ContentType: "text/calendar; charset=UTF-8; method=CANCEL", Data: []byte(cancel)}}})
	msg, err := netmail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if mt != "multipart/mixed" {
		t.Fatalf("Content-Type %q", msg.Header.Get("Content-Type"))
	}
	parts := readParts(t, msg.Body, params["boundary"])
	if len(parts) != 2 || !strings.HasPrefix(parts[0].header.Get("Content-Type"), "text/plain") {
		t.Fatalf("%d parts", len(parts))
	}
	_, params, _ = mime.ParseMediaType(parts[1].header.Get("Content-Type"))
	if params["method"] != "CANCEL" {
		t.Errorf("Content-Type %q", parts[1].header.Get("Content-Type"))
	}
	if got := decodeBase64(t, parts[1].body); string(got) != cancel {
		t.Errorf("calendar %q", got)
	}
}

func readParts(t *testing.T, r io.Reader, boundary string) []part {
	t.Helper()
	if boundary == "" {
		t.Fatal("no boundary")
	}
	mr := multipart.NewReader(r, boundary)
	var out []part
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, part{header: p.Header, body: b})
	}
}

func decodeBase64(t *testing.T, b []byte) []byte {
	t.Helper()
	for _, line := range strings.Split(strings.TrimRight(string(b), "\r\n"), "\r\n") {
		if len(line) > 76 {
			t.Errorf("base64 line of %d characters", len(line))
		}
	}
	out, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// memOutbox records what is queued.
type memOutbox struct{ queued []mail.Message }

func (o *memOutbox) EnqueueMail(_ context.Context, m mail.Message, _ job.Job) (string, error) {
	o.queued = append(o.queued, m)
	return "id", nil
}
func (o *memOutbox) FindMail(context.Context, string) (*mail.Entry, error) {
	return nil, mail.ErrNotFound
}
func (o *memOutbox) MarkMailSent(context.Context, string, time.Time) error { return nil }
func (o *memOutbox) MarkMailAttempt(context.Context, string, string, string) error {
	return nil
}

// TestAttachmentLimits: at most 3 attachments of 256 KiB each; more, larger
// ones or a broken content type are refused with an error that says so,
// and nothing is queued.
func TestAttachmentLimits(t *testing.T) {
	out := &memOutbox{}
	svc := &mail.Service{Outbox: out, Now: time.Now, Composer: &mail.Composer{Catalog: i18n.MustLoad(), BaseURL: "https://x.example"}}
	ctx := context.Background()
	de, _ := i18n.Lookup("de")
	att := func(n int) mail.Attachment { return mail.Attachment{Name: "a.bin", Data: make([]byte, n)} }

	for _, c := range []struct {
		name string
		atts []mail.Attachment
		want error
		msg  string
	}{
		{"four", []mail.Attachment{att(1), att(1), att(1), att(1)}, mail.ErrTooManyAttachments, "4, at most 3"},
		{"too large", []mail.Attachment{att(mail.MaxAttachmentSize + 1)}, mail.ErrAttachmentTooLarge, "262145 bytes, at most 262144"},
		{"bad type", []mail.Attachment{{Name: "x.ics", ContentType: "text/calendar; method", Data: []byte("x")}}, mail.ErrAttachmentMediaType, "x.ics"},
		{"multipart type", []mail.Attachment{{Name: "x", ContentType: "multipart/mixed; boundary=x", Data: []byte("x")}}, mail.ErrAttachmentMediaType, "single-part"},
	} {
		_, err := svc.SendWith(ctx, de, "test", "a@example.org", nil, c.atts...)
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v, want %v (%q)", c.name, err, c.want, c.msg)
		}
		m := composed(t)
		m.Attachments = c.atts
		if _, err := svc.Queue(ctx, m); !errors.Is(err, c.want) {
			t.Errorf("%s: Queue: %v", c.name, err)
		}
		if err := (&mail.SMTP{Host: "127.0.0.1", Port: 1, From: "a@example.org", TLS: mail.NoTLS}).Send(ctx, m); !errors.Is(err, c.want) {
			t.Errorf("%s: SMTP.Send: %v", c.name, err)
		}
	}
	if len(out.queued) != 0 {
		t.Fatalf("%d mails queued", len(out.queued))
	}

	// The limits themselves pass, names cleaned, types normalised.
	id, err := svc.SendWith(ctx, de, "test", "a@example.org", nil,
		mail.Attachment{Name: "../../etc/passwd\r\nBcc: x@evil.example", Data: make([]byte, mail.MaxAttachmentSize)},
		mail.Attachment{Name: "termin.ics", ContentType: `Text/Calendar; Method="REQUEST"; charset=UTF-8; name="x.exe"`, Data: []byte(ics)},
		att(0))
	if err != nil || id != "id" || len(out.queued) != 1 {
		t.Fatalf("%q %v", id, err)
	}
	got := out.queued[0]
	if got.Subject == "" || len(got.Attachments) != 3 {
		t.Fatalf("%+v", got)
	}
	if n := got.Attachments[0].Name; n != "passwd Bcc: x@evil.example" {
		t.Errorf("name %q", n)
	}
	if ct := got.Attachments[0].ContentType; ct != "application/octet-stream" {
		t.Errorf("default type %q", ct)
	}
	if ct := got.Attachments[1].ContentType; ct != "text/calendar; charset=UTF-8; method=REQUEST" {
		t.Errorf("calendar type %q", ct)
	}
}

func TestSanitizeAttachmentName(t *testing.T) {
	long := strings.Repeat("ä", 80) + ".ics" // 164 bytes
	for in, want := range map[string]string{
		"termin.ics":                "termin.ics",
		"../../etc/passwd":          "passwd",
		`C:\Users\x\termin.ics`:     "termin.ics",
		"a\r\nb.ics":                "a b.ics",
		"a\tb  c.ics":               "a b c.ics",
		`"quoted".ics`:              "quoted.ics",
		"..":                        "anhang",
		"":                          "anhang",
		"dir/":                      "anhang",
		".hidden":                   "hidden",
		"Übersicht März.pdf":        "Übersicht März.pdf",
		"zero\u200bwidth\u202e.ics": "zerowidth.ics",
		"bad\xffutf8.ics":           "badutf8.ics",
	} {
		if got := mail.SanitizeAttachmentName(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
	got := mail.SanitizeAttachmentName(long)
	if len(got) > mail.MaxAttachmentNameLen || !strings.HasSuffix(got, ".ics") || !utf8.ValidString(got) || len(got) < 90 {
		t.Errorf("long name cut to %q (%d bytes)", got, len(got))
	}
}
