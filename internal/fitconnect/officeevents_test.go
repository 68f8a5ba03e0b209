package fitconnect_test

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/sozialplattform/sozialplattform/internal/fitconnect"
	"github.com/sozialplattform/sozialplattform/internal/fitconnect/standin"
)

// The receiving office's accept-submission event is signed with the
// destination's signature key (iss = destination ID), which the client
// fetches from /destinations/{id}/keys/{kid} and checks against Roots.
// Against the real stand-in; tamper modes are added by a wrapper.

const officeDest = "7a2d3b4c-1e2f-4a5b-8c6d-9e0f1a2b3c4d"

type tamperMode int32

const (
	tamperNone      tamperMode = iota
	tamperResign               // office SETs re-signed by another key, same kid
	tamperUnchained            // ... and that key served with an x5c chain to another root
)

func TestEventsOfficeSignedByDestination(t *testing.T) {
	t.Parallel()
	k := keys(t)
	s, err := standin.New(standin.Config{
		Clients: map[string]string{"portal": "geheim"},
		Routes:  []standin.Route{{LeiKa: leika, ARS: "05382", DestinationID: officeDest, Name: "Sozialamt"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	d, ok := s.Destination(officeDest)
	if !ok {
		t.Fatal("stand-in has no destination")
	}

	// A rogue CA (not in Roots) certifying k.sig for digital signatures.
	rogueCA := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Rogue CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, rogueCA, rogueCA, &k.attacker.PublicKey, k.attacker)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	leafTpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Rogue office"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTpl, caCert, &k.sig.PublicKey, k.attacker)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(leafDER)
	rogueJWK, err := jose.JSONWebKey{Key: &k.sig.PublicKey, KeyID: d.SignatureKid, Use: "sig",
		Algorithm: string(jose.PS512), Certificates: []*x509.Certificate{leaf, caCert}}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}

	var mode atomic.Int32
	var sigKeyGets atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := tamperMode(mode.Load())
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/destinations/"+officeDest+"/keys/"+d.SignatureKid) {
			sigKeyGets.Add(1)
			if m == tamperUnchained {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(rogueJWK)
				return
			}
		}
		if m == tamperNone || r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/events") {
			s.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, r)
		var log struct {
			EventLog []string `json:"eventLog"`
		}
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &log) != nil {
			t.Errorf("event log: %d %s", rec.Code, rec.Body)
			return
		}
		for i, set := range log.EventLog {
			parts := strings.Split(set, ".")
			payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
			var p struct {
				Iss string `json:"iss"`
			}
			_ = json.Unmarshal(payload, &p)
			if p.Iss == officeDest {
				log.EventLog[i] = sign(t, k.sig, d.SignatureKid, "secevent+jwt", json.RawMessage(payload))
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(log)
	}))
	t.Cleanup(ts.Close)
	s.SetBaseURL(ts.URL)

	newClient := func(version string) *fitconnect.Client {
		roots := x509.NewCertPool()
		roots.AddCert(s.RootCA())
		c, err := fitconnect.New(fitconnect.Config{
			TokenURL: ts.URL + "/token", SubmissionURL: ts.URL, APIVersion: version,
			ClientID: "portal", ClientSecret: "geheim", Roots: roots,
		})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ctx := context.Background()
	for _, ver := range []string{"v1", "v2"} {
		t.Run(ver, func(t *testing.T) {
			c := newClient(ver)
			sub := fitconnect.Submission{DestinationID: officeDest, LeiKa: leika, ServiceName: "HzL",
				Data: []byte("<antrag/>"), SchemaURI: standin.XSozialSchemaURI}
			var st fitconnect.SendState
			if err := c.Send(ctx, sub, &st, nil); err != nil {
				t.Fatalf("Send: %v", err)
			}
			if err := s.Accept(st.SubmissionID); err != nil {
				t.Fatal(err)
			}
			before := sigKeyGets.Load()
			for range 2 { // the second time from the key cache
				evs, err := c.Events(ctx, st.CaseID)
				if err != nil || len(evs) != 3 {
					t.Fatalf("Events: %v %+v", err, evs)
				}
				for i, typ := range []string{fitconnect.EventCreateSubmission, fitconnect.EventSubmitSubmission, fitconnect.EventAcceptSubmission} {
					if evs[i].Type != typ || evs[i].SubmissionID != st.SubmissionID || evs[i].CaseID != st.CaseID {
						t.Errorf("event %d: %+v, want %s", i, evs[i], typ)
					}
				}
				if evs[2].AuthenticationTags["data"] == "" || evs[2].AuthenticationTags["data"] != evs[1].AuthenticationTags["data"] {
					t.Errorf("accept event tags %v, submit %v", evs[2].AuthenticationTags, evs[1].AuthenticationTags)
				}
			}
			if n := sigKeyGets.Load() - before; n != 1 {
				t.Errorf("destination signature key fetched %d times, want 1 (cached)", n)
			}

			for _, m := range []tamperMode{tamperResign, tamperUnchained} {
				mode.Store(int32(m))
				evs, err := newClient(ver).Events(ctx, st.CaseID)
				mode.Store(int32(tamperNone))
				if !errors.Is(err, fitconnect.ErrBadSignature) || evs != nil {
					t.Errorf("tamper mode %d: Events = %+v, %v; want ErrBadSignature", m, evs, err)
				}
				if m == tamperUnchained && !errors.Is(err, fitconnect.ErrKeyNotTrusted) {
					t.Errorf("unchained key: %v, want also ErrKeyNotTrusted", err)
				}
			}
		})
	}
}
