package store_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/job"
	"github.com/sozialplattform/sozialplattform/internal/mail"
	"github.com/sozialplattform/sozialplattform/internal/retention"
	"github.com/sozialplattform/sozialplattform/internal/store"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

// TestMailAttachmentsRoundTrip: an outbox mail's attachments come back
// byte for byte (every byte value, a calendar with CRLF), with name and
// content type; a mail without any has none; more than the limits are
// refused and nothing is written; retention deletes them with the row.
func TestMailAttachmentsRoundTrip(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		bin := make([]byte, 256*3)
		for i := range bin {
			bin[i] = byte(i)
		}
		ics := []byte("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nSUMMARY:Beratung in Köln\r\nEND:VCALENDAR\r\n")
		big := bytes.Repeat([]byte{0xff}, mail.MaxAttachmentSize)
		in := mail.Message{To: "x@example.org", Subject: "Termin", Text: "T", HTML: "<p>T</p>", Attachments: []mail.Attachment{
			{Name: "termin.ics", ContentType: "text/calendar; charset=UTF-8; method=REQUEST", Data: ics},
			{Name: "Übersicht.bin", ContentType: "application/octet-stream", Data: bin},
			{Name: "gross.bin", Data: big},
		}}
		j, _ := job.NewJob(mail.JobKind, nil, time.Now())
		id, err := db.EnqueueMail(ctx, in, j)
		if err != nil {
			t.Fatal(err)
		}
		e, err := db.FindMail(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		got := e.Message.Attachments
		if len(got) != 3 {
			t.Fatalf("%d attachments", len(got))
		}
		for i, want := range in.Attachments {
			if want.ContentType == "" {
				want.ContentType = "application/octet-stream"
			}
			if got[i].Name != want.Name || got[i].ContentType != want.ContentType || !bytes.Equal(got[i].Data, want.Data) {
				t.Errorf("attachment %d: %q %q %d bytes, want %q %q %d bytes", i, got[i].Name, got[i].ContentType, len(got[i].Data),
					want.Name, want.ContentType, len(want.Data))
			}
		}

		// Without attachments: none (NULL in the column).
		j2, _ := job.NewJob(mail.JobKind, nil, time.Now())
		plain, err := db.EnqueueMail(ctx, mail.Message{To: "y@example.org", Subject: "S", Text: "T"}, j2)
		if err != nil {
			t.Fatal(err)
		}
		if e, err := db.FindMail(ctx, plain); err != nil || e.Message.Attachments != nil {
			t.Fatalf("%+v %v", e, err)
		}
		var n int
		if err := db.QueryRow(ctx, db, `SELECT COUNT(*) FROM mail_outbox WHERE attachments IS NULL`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("rows without attachments: %d %v", n, err)
		}

		// The limits hold in the store too, and nothing is written.
		for _, atts := range [][]mail.Attachment{
			{{Name: "a"}, {Name: "b"}, {Name: "c"}, {Name: "d"}},
			{{Name: "a", Data: append(big, 0)}},
		} {
			j, _ := job.NewJob(mail.JobKind, nil, time.Now())
			_, err := db.EnqueueMail(ctx, mail.Message{To: "z@example.org", Attachments: atts}, j)
			if !errors.Is(err, mail.ErrTooManyAttachments) && !errors.Is(err, mail.ErrAttachmentTooLarge) {
				t.Errorf("%d attachments: %v", len(atts), err)
			}
		}
		if err := db.QueryRow(ctx, db, `SELECT COUNT(*) FROM mail_outbox`).Scan(&n); err != nil || n != 2 {
			t.Fatalf("outbox rows: %d %v", n, err)
		}

		// Retention deletes a sent mail's row, attachments and all.
		sentAt := time.Now().Add(-48 * time.Hour)
		if err := db.MarkMailSent(ctx, id, sentAt); err != nil {
			t.Fatal(err)
		}
		if _, err := db.DeleteOlderThan(ctx, retention.SentMail, time.Now().Add(-24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindMail(ctx, id); !errors.Is(err, mail.ErrNotFound) {
			t.Fatalf("after retention: %v", err)
		}
	})
}

// TestCaughtMailAttachments: the catcher's reads carry the files of the
// raw mail.
func TestCaughtMailAttachments(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		raw := strings.ReplaceAll(`From: a@example.org
To: b@example.org
Subject: Termin
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=XX

--XX
Content-Type: text/plain; charset=UTF-8

Ihr Termin.
--XX
Content-Type: text/calendar; charset=UTF-8; method=CANCEL; name=absage.ics
Content-Disposition: attachment; filename=absage.ics
Content-Transfer-Encoding: base64

QkVHSU46VkNBTEVOREFSDQpN
RVRIT0Q6Q0FOQ0VMDQpFTkQ6VkNBTEVOREFSDQo=
--XX--
`, "\n", "\r\n")
		if err := db.SaveCaughtMail(ctx, mail.Caught{From: "a@example.org", Recipients: "b@example.org", Subject: "Termin", Raw: raw, ReceivedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		list, err := db.ListCaughtMail(ctx, 10)
		if err != nil || len(list) != 1 {
			t.Fatalf("%d %v", len(list), err)
		}
		c, err := db.FindCaughtMail(ctx, list[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, atts := range [][]mail.Attachment{list[0].Attachments, c.Attachments} {
			if len(atts) != 1 || atts[0].Name != "absage.ics" || atts[0].ContentType != "text/calendar; charset=UTF-8; method=CANCEL" ||
				string(atts[0].Data) != "BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nEND:VCALENDAR\r\n" {
				t.Errorf("%+v", atts)
			}
		}
	})
}
