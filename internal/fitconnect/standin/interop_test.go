package standin_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net/http/httptest"
	"testing"

	"github.com/sozialplattform/sozialplattform/internal/fitconnect"
	"github.com/sozialplattform/sozialplattform/internal/fitconnect/standin"
)

// The platform's own FIT-Connect client (internal/fitconnect, written from
// the public documentation, not from this stand-in) against the stand-in.

const (
	interLeiKa = "99107012017000"
	interDest  = "6f1c2a2e-0d3b-4c55-9a53-0a7a3f3b1c01"
	interARS   = "053820068068"
)

func interStart(t *testing.T) (*standin.Server, string) {
	t.Helper()
	s, err := standin.New(standin.Config{
		Clients: map[string]string{"portal": "geheim"},
		Routes:  []standin.Route{{LeiKa: interLeiKa, ARS: "05382", DestinationID: interDest, Name: "Sozialamt Rhein-Sieg-Kreis"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	s.SetBaseURL(ts.URL)
	return s, ts.URL
}

func interClient(t *testing.T, s *standin.Server, base, version string) *fitconnect.Client {
	t.Helper()
	roots := x509.NewCertPool()
	roots.AddCert(s.RootCA())
	c, err := fitconnect.New(fitconnect.Config{
		TokenURL: base + "/token", SubmissionURL: base, RoutingURL: base + "/v1",
		RoutingKeysURL: base + "/v1/routing-jwks.json", APIVersion: version,
		ClientID: "portal", ClientSecret: "geheim", Roots: roots,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestInteropWithPlatformClient(t *testing.T) {
	t.Parallel()
	s, base := interStart(t)
	ctx := context.Background()
	pdf := []byte("%PDF-1.7\n%%EOF\n")
	for _, ver := range []string{"v1", "v2"} {
		t.Run(ver, func(t *testing.T) {
			c := interClient(t, s, base, ver)
			dest, err := c.Route(ctx, interLeiKa, interARS)
			if err != nil || dest != interDest {
				t.Fatalf("Route: %q %v", dest, err)
			}
			sub := fitconnect.Submission{
				DestinationID: dest, LeiKa: interLeiKa, ServiceName: "Hilfe zum Lebensunterhalt",
				Data: []byte("<antrag/>"), SchemaURI: standin.XSozialSchemaURI,
				Attachments: []fitconnect.Attachment{{ID: "2c1f7a40-5b7e-4d2a-9c51-1e0f6a3b7d10", Filename: "Antrag.pdf",
					MediaType: "application/pdf", Purpose: "form", Size: int64(len(pdf)), Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(pdf)), nil }}},
			}
			var st fitconnect.SendState
			if err := c.Send(ctx, sub, &st, nil); err != nil {
				t.Fatalf("Send: %v", err)
			}
			evs, err := c.Events(ctx, st.CaseID)
			if err != nil || len(evs) != 2 || evs[1].Type != fitconnect.EventSubmitSubmission || evs[1].AuthenticationTags[sub.Attachments[0].ID] == "" {
				t.Fatalf("Events: %v %+v", err, evs)
			}
			recv, err := s.Collect(dest, s.DestinationKey(dest))
			if err != nil {
				t.Fatal(err)
			}
			var got *standin.Received
			for i := range recv {
				if recv[i].SubmissionID == st.SubmissionID {
					got = &recv[i]
				}
			}
			if got == nil || len(got.Problems) > 0 || string(got.Data) != "<antrag/>" || len(got.Attachments) != 1 ||
				got.Attachments[0].Filename != "Antrag.pdf" || !bytes.Equal(got.Attachments[0].Content, pdf) {
				t.Fatalf("Collect: %+v", got)
			}
		})
	}

	// The tamper switches give what the client must refuse.
	c := interClient(t, s, base, "v2")
	s.BreakRoutingSignature(true)
	if _, err := c.Route(ctx, interLeiKa, interARS); !errors.Is(err, fitconnect.ErrBadSignature) {
		t.Errorf("broken routing signature: %v", err)
	}
	s.BreakRoutingSignature(false)

	s.ServeKeyNotChainedToRoot(true)
	if _, err := c.Destination(ctx, interDest); !errors.Is(err, fitconnect.ErrKeyNotTrusted) {
		t.Errorf("unchained key: %v", err)
	}
	s.ServeKeyNotChainedToRoot(false)

	subs := s.Submissions(interDest)
	s.SignSETsWithWrongKey(true)
	if _, err := c.Events(ctx, subs[0].CaseID); !errors.Is(err, fitconnect.ErrBadSignature) {
		t.Errorf("SETs with the wrong key: %v", err)
	}
	s.SignSETsWithWrongKey(false)

	// A lost answer to the submit: the client finds its submission in the
	// event log and does not send it twice.
	c1 := interClient(t, s, base, "v1")
	s.FailNextAfter("PUT /v1/submissions/*", 502, 1)
	sub := fitconnect.Submission{DestinationID: interDest, LeiKa: interLeiKa, ServiceName: "HzL", Data: []byte("<a/>"), SchemaURI: standin.XSozialSchemaURI}
	var st fitconnect.SendState
	if err := c1.Send(ctx, sub, &st, nil); !fitconnect.IsTemporary(err) {
		t.Fatalf("submit with a lost answer: %v", err)
	}
	if err := c1.Send(ctx, sub, &st, nil); err != nil || !st.Submitted {
		t.Fatalf("resumed Send: %v", err)
	}
	if n := len(s.Submissions(interDest)); n != 3 {
		t.Errorf("%d submissions, want 3", n)
	}
}
