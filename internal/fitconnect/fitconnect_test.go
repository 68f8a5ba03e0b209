package fitconnect_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"

	"github.com/sozialplattform/sozialplattform/internal/fitconnect"
)

func newClient(t testing.TB, f *fake, mod func(*fitconnect.Config)) *fitconnect.Client {
	t.Helper()
	cfg := f.config()
	if mod != nil {
		mod(&cfg)
	}
	c, err := fitconnect.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sha512Hex(b []byte) string {
	s := sha512.Sum512(b)
	return hex.EncodeToString(s[:])
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func bytesAttachment(id, name, mediaType, purpose string, b []byte) fitconnect.Attachment {
	return fitconnect.Attachment{ID: id, Filename: name, MediaType: mediaType, Purpose: purpose, Size: int64(len(b)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }}
}

// testSubmission has the application PDF and one proof; plains maps each
// attachment ID to its plaintext.
func testSubmission(dest string) (fitconnect.Submission, map[string][]byte) {
	pdf := append([]byte("%PDF-1.7\n"), randomBytes(300<<10)...)
	png := append([]byte("\x89PNG\r\n\x1a\n"), randomBytes(5000)...)
	a1, a2 := uuid.NewString(), uuid.NewString()
	s := fitconnect.Submission{
		DestinationID: dest,
		LeiKa:         leika,
		ServiceName:   "Hilfe zum Lebensunterhalt",
		Data:          []byte(`<?xml version="1.0" encoding="UTF-8"?><antrag xmlns="urn:xoev-de:d-nrw:standard:xsozialbasis">Müller &amp; Söhne</antrag>`),
		SchemaURI:     schema,
		Attachments: []fitconnect.Attachment{
			bytesAttachment(a1, "Antrag.pdf", "application/pdf", "form", pdf),
			bytesAttachment(a2, "Nachweis <1>.png", "image/png", "attachment", png),
		},
	}
	return s, map[string][]byte{a1: pdf, a2: png}
}

// checkDelivered decrypts what the fake received and checks it against s.
func checkDelivered(t *testing.T, f *fake, s fitconnect.Submission, plains map[string][]byte, st *fitconnect.SendState) {
	t.Helper()
	sub := f.sub(st.SubmissionID)
	if !sub.submitted || sub.caseID != st.CaseID || sub.dest != s.DestinationID {
		t.Fatalf("fake has %+v for state %+v", sub, st)
	}
	data, h := f.decrypt(t, sub.data)
	if !bytes.Equal(data, s.Data) || h.KeyID != encKid || h.ExtraHeaders["cty"] != "application/xml" {
		t.Errorf("data %q, kid %q, cty %v", data, h.KeyID, h.ExtraHeaders["cty"])
	}
	meta, h := f.decrypt(t, sub.metadata)
	if h.KeyID != encKid || h.ExtraHeaders["cty"] != "application/json" {
		t.Errorf("metadata kid %q, cty %v", h.KeyID, h.ExtraHeaders["cty"])
	}
	if st.DataHash != sha512Hex(s.Data) || st.MetadataHash != sha512Hex(meta) {
		t.Errorf("state hashes %s %s", st.DataHash, st.MetadataHash)
	}
	var m struct {
		Schema           string `json:"$schema"`
		ContentStructure struct {
			Data struct {
				SubmissionSchema struct{ SchemaURI, MimeType string }
				Hash             struct{ Type, Content string }
			}
			Attachments []struct {
				AttachmentID, Filename, MimeType, Purpose string
				Hash                                      struct{ Type, Content string }
			}
		}
	}
	if err := json.Unmarshal(meta, &m); err != nil {
		t.Fatal(err)
	}
	cs := m.ContentStructure
	if m.Schema != "https://schema.fitko.de/fit-connect/metadata/2.1.0/metadata.schema.json" ||
		cs.Data.SubmissionSchema.SchemaURI != schema || cs.Data.SubmissionSchema.MimeType != "application/xml" ||
		cs.Data.Hash.Type != "sha512" || cs.Data.Hash.Content != sha512Hex(s.Data) {
		t.Errorf("metadata: %s", meta)
	}
	if len(cs.Attachments) != len(s.Attachments) || len(sub.attachments) != len(s.Attachments) {
		t.Fatalf("metadata lists %d, fake holds %d attachments, want %d", len(cs.Attachments), len(sub.attachments), len(s.Attachments))
	}
	for i, a := range s.Attachments {
		ma := cs.Attachments[i]
		if ma.AttachmentID != a.ID || ma.Filename != a.Filename || ma.MimeType != a.MediaType || ma.Purpose != a.Purpose ||
			ma.Hash.Type != "sha512" || ma.Hash.Content != sha512Hex(plains[a.ID]) {
			t.Errorf("metadata attachment %d: %+v", i, ma)
		}
		plain, h := f.decrypt(t, sub.attachments[a.ID])
		if !bytes.Equal(plain, plains[a.ID]) || h.KeyID != encKid || h.ExtraHeaders["cty"] != a.MediaType {
			t.Errorf("attachment %s: %d bytes, kid %q, cty %v", a.ID, len(plain), h.KeyID, h.ExtraHeaders["cty"])
		}
	}
}

func TestSendHappyPath(t *testing.T) {
	for _, version := range []string{"v2", "v1"} {
		t.Run(version, func(t *testing.T) {
			ctx := context.Background()
			f := newFake(t, version)
			dest := f.goodDest()
			f.addRoute(fakeRoute{leika, gebiet, dest, f.routeSig(f.k.sig, dest, leika, gebiet)})
			c := newClient(t, f, func(c *fitconnect.Config) { c.APIVersion = version })

			got, err := c.Route(ctx, leika, ars)
			if err != nil || got != dest {
				t.Fatalf("Route = %q, %v; want %s", got, err, dest)
			}
			d, err := c.Destination(ctx, dest)
			if err != nil {
				t.Fatal(err)
			}
			if !d.Accepts(leika, schema) || d.Accepts("99000000000000", schema) || d.Accepts(leika, "urn:other") {
				t.Error("Accepts")
			}

			s, plains := testSubmission(dest)
			var st fitconnect.SendState
			saves := 0
			if err := c.Send(ctx, s, &st, func(*fitconnect.SendState) error { saves++; return nil }); err != nil {
				t.Fatal(err)
			}
			if !st.Submitted || saves != 1+len(s.Attachments)+1 {
				t.Errorf("state %+v after %d saves", st, saves)
			}
			checkDelivered(t, f, s, plains, &st)

			evs, err := c.Events(ctx, st.CaseID)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 2 || evs[0].Type != fitconnect.EventCreateSubmission || evs[1].Type != fitconnect.EventSubmitSubmission {
				t.Fatalf("events %+v", evs)
			}
			sub := f.sub(st.SubmissionID)
			tags := evs[1].AuthenticationTags
			if evs[1].SubmissionID != st.SubmissionID || evs[1].CaseID != st.CaseID || time.Since(evs[1].IssuedAt) > time.Minute ||
				tags["data"] != tag(sub.data) || tags["metadata"] != tag(sub.metadata) || len(tags) != 2+len(s.Attachments) {
				t.Errorf("submit event %+v", evs[1])
			}
			for _, a := range s.Attachments {
				if tags[a.ID] != tag(sub.attachments[a.ID]) {
					t.Errorf("tag of %s", a.ID)
				}
			}

			// Done is done: no request at all.
			st0 := f.stats()
			creates, tokens := st0.creates, st0.tokenRequests
			f.setFail(func(w http.ResponseWriter, r *http.Request) bool {
				t.Errorf("request %s %s", r.Method, r.URL)
				return false
			})
			if err := c.Send(ctx, s, &st, nil); err != nil {
				t.Fatal(err)
			}
			if creates != 1 || tokens != 1 {
				t.Errorf("%d creates, %d token requests (token not cached?)", creates, tokens)
			}
		})
	}
}

func modJWK(t *testing.T, b []byte, mod func(map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	mod(m)
	out, _ := json.Marshal(m)
	return out
}

func TestDestinationKeyChecks(t *testing.T) {
	ctx := context.Background()
	f := newFake(t, "v2")
	k := f.k
	good := encJWK(t, &k.enc.PublicKey, encKid, k.encChain)
	cases := []struct {
		name string
		jwk  []byte
	}{
		{"chain to a root we do not trust", encJWK(t, &k.sig.PublicKey, encKid, k.rogueChain)},
		{"2048-bit key, chained", encJWK(t, &k.small.PublicKey, encKid, k.smallChain)},
		{"x5c leaf carries another key", encJWK(t, &k.sig.PublicKey, encKid, k.encChain)},
		{"no x5c", encJWK(t, &k.enc.PublicKey, encKid, nil)},
		{"intermediate missing", encJWK(t, &k.enc.PublicKey, encKid, k.encChain[:1])},
		{"alg RSA1_5", modJWK(t, good, func(m map[string]any) { m["alg"] = "RSA1_5" })},
		{"signature key", modJWK(t, good, func(m map[string]any) { m["key_ops"] = []string{"verify"} })},
		{"use sig", modJWK(t, good, func(m map[string]any) { delete(m, "key_ops"); m["use"] = "sig" })},
		{"other kid", modJWK(t, good, func(m map[string]any) { m["kid"] = "someone-else" })},
	}
	c := newClient(t, f, nil)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id := f.addDest("active", tc.jwk)
			_, err := c.Destination(ctx, id)
			if !errors.Is(err, fitconnect.ErrKeyNotTrusted) || fitconnect.IsTemporary(err) {
				t.Fatalf("err = %v, want ErrKeyNotTrusted", err)
			}
			t.Log(err)
			// Send refuses before creating anything.
			s, _ := testSubmission(id)
			if err := c.Send(ctx, s, &fitconnect.SendState{}, nil); !errors.Is(err, fitconnect.ErrKeyNotTrusted) {
				t.Fatalf("Send: %v", err)
			}
		})
	}
	t.Run("use enc instead of key_ops", func(t *testing.T) {
		id := f.addDest("active", modJWK(t, good, func(m map[string]any) { delete(m, "key_ops"); m["use"] = "enc" }))
		if _, err := c.Destination(ctx, id); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("certificate expired by Config.Now", func(t *testing.T) {
		later := newClient(t, f, func(c *fitconnect.Config) { c.Now = func() time.Time { return time.Now().Add(48 * time.Hour) } })
		if _, err := later.Destination(ctx, f.goodDest()); !errors.Is(err, fitconnect.ErrKeyNotTrusted) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("inactive", func(t *testing.T) {
		id := f.addDest("inactive", good)
		if _, err := c.Destination(ctx, id); !errors.Is(err, fitconnect.ErrDestinationInactive) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("service not accepted", func(t *testing.T) {
		id := f.goodDest()
		s, _ := testSubmission(id)
		s.LeiKa = "99000000000000"
		if err := c.Send(ctx, s, &fitconnect.SendState{}, nil); !errors.Is(err, fitconnect.ErrServiceNotAccepted) {
			t.Fatalf("err = %v", err)
		}
		if f.stats().creates != 0 {
			t.Error("created a submission")
		}
	})
	t.Run("unknown destination", func(t *testing.T) {
		_, err := c.Destination(ctx, uuid.NewString())
		var e *fitconnect.Error
		if !errors.As(err, &e) || e.StatusCode != 404 || fitconnect.IsTemporary(err) {
			t.Fatalf("err = %v", err)
		}
	})
}

// newCase gives the fake a case with one good event.
func (f *fake) newCase() (sid, cid string) {
	sid, cid = uuid.NewString(), uuid.NewString()
	f.appendEvent(cid, f.set(f.k.sig, "secevent+jwt", fitconnect.EventCreateSubmission, sid, cid, nil))
	return sid, cid
}

func TestEventsBadSignature(t *testing.T) {
	ctx := context.Background()
	f := newFake(t, "v2")
	c := newClient(t, f, nil)
	sid, cid := f.newCase()
	if evs, err := c.Events(ctx, cid); err != nil || len(evs) != 1 || evs[0].SubmissionID != sid {
		t.Fatalf("good log: %v %v", evs, err)
	}
	cases := map[string]func(sid, cid string) string{
		"signed by another key under the service's kid": func(sid, cid string) string {
			return f.set(f.k.attacker, "secevent+jwt", fitconnect.EventAcceptSubmission, sid, cid, nil)
		},
		"typ jwt": func(sid, cid string) string {
			return f.set(f.k.sig, "jwt", fitconnect.EventAcceptSubmission, sid, cid, nil)
		},
		"another case": func(sid, cid string) string {
			return f.set(f.k.sig, "secevent+jwt", fitconnect.EventAcceptSubmission, sid, uuid.NewString(), nil)
		},
		"unknown kid": func(sid, cid string) string {
			return sign(t, f.k.sig, "other-kid", "secevent+jwt", map[string]any{"iat": time.Now().Unix(), "jti": "x", "txn": "case:" + cid, "events": map[string]any{fitconnect.EventAcceptSubmission: map[string]any{}}})
		},
		"payload changed": func(sid, cid string) string {
			s := f.set(f.k.sig, "secevent+jwt", fitconnect.EventAcceptSubmission, sid, cid, nil)
			parts := strings.Split(s, ".")
			p, _ := jose.ParseSignedCompact(s, []jose.SignatureAlgorithm{jose.PS512})
			payload := strings.Replace(string(p.UnsafePayloadWithoutVerification()), "accept-submission", "reject-submission", 1)
			parts[1] = b64url([]byte(payload))
			return strings.Join(parts, ".")
		},
	}
	for name, mk := range cases {
		t.Run(name, func(t *testing.T) {
			sid, cid := f.newCase()
			f.appendEvent(cid, mk(sid, cid))
			evs, err := c.Events(ctx, cid)
			if !errors.Is(err, fitconnect.ErrBadSignature) || evs != nil {
				t.Fatalf("Events = %v, %v; want ErrBadSignature", evs, err)
			}
			t.Log(err)
		})
	}
}

func TestRouteSignature(t *testing.T) {
	ctx := context.Background()
	f := newFake(t, "v2")
	k := f.k
	c := newClient(t, f, nil)
	routeFor := func(sig func(dest string) string) {
		f.mu.Lock()
		f.routes = nil
		f.mu.Unlock()
		dest := uuid.NewString()
		f.addRoute(fakeRoute{leika, gebiet, dest, sig(dest)})
	}
	bad := map[string]func(dest string) string{
		"forged":          func(dest string) string { return f.routeSig(k.attacker, dest, leika, gebiet) },
		"other dest":      func(dest string) string { return f.routeSig(k.sig, uuid.NewString(), leika, gebiet) },
		"other service":   func(dest string) string { return f.routeSig(k.sig, dest, "99000000000000", gebiet) },
		"other area":      func(dest string) string { return f.routeSig(k.sig, dest, leika, "05911") },
		"smaller area":    func(dest string) string { return f.routeSig(k.sig, dest, leika, "059130001001") },
		"not a signature": func(dest string) string { return "e30.e30.AAAA" },
	}
	for name, sig := range bad {
		t.Run(name, func(t *testing.T) {
			routeFor(sig)
			id, err := c.Route(ctx, leika, ars)
			if !errors.Is(err, fitconnect.ErrBadSignature) || id != "" {
				t.Fatalf("Route = %q, %v; want ErrBadSignature", id, err)
			}
			t.Log(err)
		})
	}
	t.Run("no route", func(t *testing.T) {
		if _, err := c.Route(ctx, "99000000000000", ars); !errors.Is(err, fitconnect.ErrNoRoute) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("static keys, Land-wide route, one bad route ignored", func(t *testing.T) {
		static := newClient(t, f, func(c *fitconnect.Config) {
			c.RoutingKeysURL = ""
			c.RoutingKeys = jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.sig.PublicKey, KeyID: sigKid, Algorithm: "PS512", Use: "sig"}}}
		})
		f.mu.Lock()
		f.routes = nil
		f.mu.Unlock()
		dest := uuid.NewString()
		f.addRoute(fakeRoute{leika, "05", uuid.NewString(), f.routeSig(k.attacker, dest, leika, "05")})
		f.addRoute(fakeRoute{leika, "05", dest, f.routeSig(k.sig, dest, leika, "050000000000")})
		if id, err := static.Route(ctx, leika, ars); err != nil || id != dest {
			t.Fatalf("Route = %q, %v", id, err)
		}
	})
	t.Run("ambiguous", func(t *testing.T) {
		f.mu.Lock()
		f.routes = nil
		f.mu.Unlock()
		for range 2 {
			dest := uuid.NewString()
			f.addRoute(fakeRoute{leika, gebiet, dest, f.routeSig(k.sig, dest, leika, gebiet)})
		}
		if _, err := c.Route(ctx, leika, ars); !errors.Is(err, fitconnect.ErrAmbiguousRoute) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		for _, in := range [][2]string{{"123", ars}, {leika, "0591"}, {leika, "05913&x=1"}} {
			if _, err := c.Route(ctx, in[0], in[1]); err == nil {
				t.Errorf("Route(%q, %q) accepted", in[0], in[1])
			}
		}
	})
}

func TestTemporaryAndPermanentErrors(t *testing.T) {
	ctx := context.Background()
	failOn := func(f *fake, method, pathPart string, h func(w http.ResponseWriter, r *http.Request)) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.fail = func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method == method && strings.Contains(r.URL.Path, pathPart) {
				h(w, r)
				return true
			}
			return false
		}
	}
	status := func(code int, hdr ...string) func(w http.ResponseWriter, r *http.Request) {
		return func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i+1 < len(hdr); i += 2 {
				w.Header().Set(hdr[i], hdr[i+1])
			}
			problem(w, code, http.StatusText(code))
		}
	}
	status422 := func(w http.ResponseWriter, r *http.Request) { problem(w, 422, "metadata invalid") }
	cases := []struct {
		name         string
		method, path string
		h            func(w http.ResponseWriter, r *http.Request)
		temporary    bool
		check        func(t *testing.T, err error)
	}{
		{"500 on create", "POST", "/submissions", status(500), true, nil},
		{"502 on attachment", "PUT", "/attachments/", status(502), true, nil},
		{"429 with Retry-After", "POST", "/submissions", status(429, "Retry-After", "7"), true, func(t *testing.T, err error) {
			var e *fitconnect.Error
			if !errors.As(err, &e) || e.RetryAfter != 7*time.Second || e.StatusCode != 429 {
				t.Errorf("err = %#v", err)
			}
		}},
		{"500 on token", "POST", "/token", status(500), true, nil},
		{"400 on create", "POST", "/submissions", status(400), false, nil},
		{"422 on submit", "PUT", "/v2/submissions/", status422, false, func(t *testing.T, err error) {
			if !strings.Contains(err.Error(), "metadata invalid") {
				t.Errorf("problem detail lost: %v", err)
			}
		}},
		{"invalid_client", "POST", "/token", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 401, map[string]string{"error": "invalid_client"})
		}, false, nil},
		{"timeout", "GET", "/destinations/", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, true, func(t *testing.T, err error) {
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want a deadline", err)
			}
		}},
		{"answer too large", "GET", "/destinations/", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"x":"` + strings.Repeat("a", 2<<20) + `"}`))
		}, false, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, "v2")
			dest := f.goodDest()
			c := newClient(t, f, func(c *fitconnect.Config) { c.RequestTimeout = 300 * time.Millisecond })
			failOn(f, tc.method, tc.path, tc.h)
			if tc.path == "/v2/submissions/" { // the submit, not the attachments
				f.mu.Lock()
				inner := f.fail
				f.fail = func(w http.ResponseWriter, r *http.Request) bool {
					return !strings.Contains(r.URL.Path, "/attachments/") && inner(w, r)
				}
				f.mu.Unlock()
			}
			s, _ := testSubmission(dest)
			st := &fitconnect.SendState{}
			err := c.Send(ctx, s, st, nil)
			if err == nil {
				t.Fatal("no error")
			}
			if fitconnect.IsTemporary(err) != tc.temporary {
				t.Fatalf("IsTemporary(%v) = %v", err, !tc.temporary)
			}
			if tc.check != nil {
				tc.check(t, err)
			}
			t.Log(err)
		})
	}
	t.Run("connection refused", func(t *testing.T) {
		f := newFake(t, "v2")
		c := newClient(t, f, nil)
		f.srv.Close()
		_, err := c.Destination(ctx, uuid.NewString())
		if !fitconnect.IsTemporary(err) {
			t.Fatalf("IsTemporary(%v) = false", err)
		}
	})
}

func TestTokenCachedAndRenewedOn401(t *testing.T) {
	ctx := context.Background()
	f := newFake(t, "v2")
	dest := f.goodDest()
	c := newClient(t, f, nil)
	for range 2 {
		if _, err := c.Destination(ctx, dest); err != nil {
			t.Fatal(err)
		}
	}
	f.revokeTokens()
	if _, err := c.Destination(ctx, dest); err != nil {
		t.Fatal(err)
	}
	if n := f.stats().tokenRequests; n != 2 {
		t.Fatalf("%d token requests, want 2", n)
	}
	// A service that refuses every token: one renewal, then a permanent error.
	f.setFail(func(w http.ResponseWriter, r *http.Request) bool {
		if strings.Contains(r.URL.Path, "/destinations/") {
			problem(w, 401, "Unauthorized")
			return true
		}
		return false
	})
	_, err := c.Destination(ctx, dest)
	var e *fitconnect.Error
	if n := f.stats().tokenRequests; !errors.As(err, &e) || e.StatusCode != 401 || fitconnect.IsTemporary(err) || n != 3 {
		t.Fatalf("err = %v after %d token requests", err, n)
	}
}

var errCrash = errors.New("simulated crash")

func TestResume(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T) (*fake, fitconnect.Submission, map[string][]byte) {
		f := newFake(t, "v2")
		s, plains := testSubmission(f.goodDest())
		s.Attachments = append(s.Attachments, bytesAttachment(uuid.NewString(), "Kontoauszug.pdf", "application/pdf", "attachment", []byte("%PDF-1.4 third")))
		plains[s.Attachments[2].ID] = []byte("%PDF-1.4 third")
		return f, s, plains
	}
	// resume loads the persisted state and sends with a fresh client (a new
	// process).
	resume := func(t *testing.T, f *fake, s fitconnect.Submission, persisted []byte) *fitconnect.SendState {
		var st fitconnect.SendState
		if err := json.Unmarshal(persisted, &st); err != nil {
			t.Fatal(err)
		}
		if err := newClient(t, f, nil).Send(ctx, s, &st, nil); err != nil {
			t.Fatal(err)
		}
		return &st
	}
	checkOnce := func(t *testing.T, f *fake, s fitconnect.Submission, wantPuts ...int) {
		t.Helper()
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.creates != 1 {
			t.Errorf("%d submissions created", f.creates)
		}
		for i, a := range s.Attachments {
			if f.puts[a.ID] != wantPuts[i] {
				t.Errorf("attachment %d uploaded %d times, want %d", i, f.puts[a.ID], wantPuts[i])
			}
		}
	}

	t.Run("crash after the first attachment was recorded", func(t *testing.T) {
		f, s, plains := setup(t)
		var persisted []byte
		save := func(st *fitconnect.SendState) error {
			persisted, _ = json.Marshal(st)
			if len(st.Uploaded) == 1 {
				return errCrash // the process dies right after persisting
			}
			return nil
		}
		if err := newClient(t, f, nil).Send(ctx, s, &fitconnect.SendState{}, save); !errors.Is(err, errCrash) || !fitconnect.IsTemporary(err) {
			t.Fatalf("err = %v", err)
		}
		st := resume(t, f, s, persisted)
		checkOnce(t, f, s, 1, 1, 1)
		checkDelivered(t, f, s, plains, st)
	})
	t.Run("crash after an upload, before it was recorded", func(t *testing.T) {
		f, s, plains := setup(t)
		var persisted []byte
		save := func(st *fitconnect.SendState) error {
			if len(st.Uploaded) == 2 {
				return errCrash // dies before persisting the second upload
			}
			persisted, _ = json.Marshal(st)
			return nil
		}
		if err := newClient(t, f, nil).Send(ctx, s, &fitconnect.SendState{}, save); !errors.Is(err, errCrash) {
			t.Fatalf("err = %v", err)
		}
		st := resume(t, f, s, persisted)
		checkOnce(t, f, s, 1, 2, 1) // only the unrecorded one again (a repeated PUT)
		checkDelivered(t, f, s, plains, st)
	})
	t.Run("5xx on the second attachment", func(t *testing.T) {
		f, s, plains := setup(t)
		second := s.Attachments[1].ID
		f.setFail(func(w http.ResponseWriter, r *http.Request) bool {
			if strings.HasSuffix(r.URL.Path, "/attachments/"+second) {
				f.setFail(nil)
				problem(w, 503, "busy")
				return true
			}
			return false
		})
		var persisted []byte
		save := func(st *fitconnect.SendState) error { persisted, _ = json.Marshal(st); return nil }
		err := newClient(t, f, nil).Send(ctx, s, &fitconnect.SendState{}, save)
		if !fitconnect.IsTemporary(err) {
			t.Fatalf("err = %v", err)
		}
		st := resume(t, f, s, persisted)
		checkOnce(t, f, s, 1, 1, 1)
		checkDelivered(t, f, s, plains, st)
	})
	t.Run("submit done but its answer lost", func(t *testing.T) {
		f, s, plains := setup(t)
		f.setFail(func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method == "PUT" && !strings.Contains(r.URL.Path, "/attachments/") {
				f.setFail(nil)
				f.srv.Config.Handler.ServeHTTP(httptest.NewRecorder(), r) // the service does it…
				problem(w, 504, "gateway timeout")                        // …the answer never arrives
				return true
			}
			return false
		})
		var persisted []byte
		save := func(st *fitconnect.SendState) error { persisted, _ = json.Marshal(st); return nil }
		if err := newClient(t, f, nil).Send(ctx, s, &fitconnect.SendState{}, save); !fitconnect.IsTemporary(err) {
			t.Fatalf("err = %v", err)
		}
		// The repeated submit gets 409; the event log shows it was done.
		st := resume(t, f, s, persisted)
		if !st.Submitted {
			t.Fatal("not submitted")
		}
		checkOnce(t, f, s, 1, 1, 1)
		checkDelivered(t, f, s, plains, st)
	})
}

func TestMetadata(t *testing.T) {
	s, plains := testSubmission(uuid.NewString())
	hashes := map[string]string{}
	for id, p := range plains {
		hashes[id] = sha512Hex(p)
	}
	b, err := fitconnect.Metadata(s, sha512Hex(s.Data), hashes)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	cs := m["contentStructure"].(map[string]any)
	data := cs["data"].(map[string]any)
	if m["$schema"] != fitconnect.MetadataSchema || len(m) != 2 || len(cs) != 2 ||
		data["submissionSchema"].(map[string]any)["schemaUri"] != schema ||
		data["hash"].(map[string]any)["content"] != sha512Hex(s.Data) || data["hash"].(map[string]any)["type"] != "sha512" {
		t.Errorf("metadata %s", b)
	}
	atts := cs["attachments"].([]any)
	first := atts[0].(map[string]any)
	if len(atts) != 2 || first["attachmentId"] != s.Attachments[0].ID || first["purpose"] != "form" ||
		first["hash"].(map[string]any)["content"] != sha512Hex(plains[s.Attachments[0].ID]) {
		t.Errorf("attachments %v", atts)
	}
	delete(hashes, s.Attachments[1].ID)
	if _, err := fitconnect.Metadata(s, sha512Hex(s.Data), hashes); err == nil {
		t.Error("metadata without an attachment's hash")
	}
	if _, err := fitconnect.Metadata(s, "abc", nil); err == nil {
		t.Error("metadata with a bad data hash")
	}
	s.Attachments = nil
	b, _ = fitconnect.Metadata(s, sha512Hex(s.Data), nil)
	if !strings.Contains(string(b), `"attachments":[]`) {
		t.Errorf("no attachments: %s", b)
	}
}

func TestSubmissionValidated(t *testing.T) {
	f := newFake(t, "v2")
	c := newClient(t, f, nil)
	dest := f.goodDest()
	for name, mod := range map[string]func(*fitconnect.Submission){
		"uuid v1 attachment id": func(s *fitconnect.Submission) { s.Attachments[0].ID = "6ba7b810-9dad-11d1-80b4-00c04fd430c8" },
		"duplicate attachment":  func(s *fitconnect.Submission) { s.Attachments[1].ID = s.Attachments[0].ID },
		"purpose":               func(s *fitconnect.Submission) { s.Attachments[0].Purpose = "proof" },
		"media type":            func(s *fitconnect.Submission) { s.Attachments[0].MediaType = "pdf" },
		"file name":             func(s *fitconnect.Submission) { s.Attachments[0].Filename = "a\nb" },
		"leika":                 func(s *fitconnect.Submission) { s.LeiKa = "1234" },
		"no data":               func(s *fitconnect.Submission) { s.Data = nil },
		"destination":           func(s *fitconnect.Submission) { s.DestinationID = "../x" },
	} {
		s, _ := testSubmission(dest)
		mod(&s)
		if err := c.Send(context.Background(), s, &fitconnect.SendState{}, nil); err == nil || fitconnect.IsTemporary(err) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if f.stats().tokenRequests != 0 {
		t.Error("invalid submissions reached the network")
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	f := newFake(t, "v2")
	for name, mod := range map[string]func(*fitconnect.Config){
		"http to a remote host": func(c *fitconnect.Config) { c.SubmissionURL = "http://fit-connect.example/submission-api" },
		"no roots":              func(c *fitconnect.Config) { c.Roots = nil },
		"version":               func(c *fitconnect.Config) { c.APIVersion = "v3" },
		"version mismatch":      func(c *fitconnect.Config) { c.SubmissionURL += "/v1" },
		"no secret":             func(c *fitconnect.Config) { c.ClientSecret = "" },
		"credentials in URL":    func(c *fitconnect.Config) { c.TokenURL = "https://u:p@auth.example/token" },
	} {
		cfg := f.config()
		mod(&cfg)
		if _, err := fitconnect.New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
