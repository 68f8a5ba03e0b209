package standin

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

var (
	xmlData = []byte(`<?xml version="1.0" encoding="UTF-8"?><antrag xmlns="urn:xoev-de:d-nrw:standard:xsozialbasis"><name>Erika Mustermann</name></antrag>`)
	pdfFile = testFile{id: "0b6a8b9e-1f57-4a39-9d0e-7a3c1e2f0001", name: "Antrag.pdf", mime: "application/pdf", purpose: "form",
		content: []byte("%PDF-1.7\n% the human-readable application\n%%EOF\n")}
	pngFile = testFile{id: "0b6a8b9e-1f57-4a39-9d0e-7a3c1e2f0002", name: "Kontoauszug.png", mime: "image/png", purpose: "attachment",
		content: append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 5000)...)}
)

func TestFlow(t *testing.T) {
	t.Parallel()
	f := start(t, Config{})
	for _, ver := range []string{"v1", "v2"} {
		t.Run(ver, func(t *testing.T) {
			c := newSender(t, f, ver)
			c.login(testClientID, testSecret)
			jwk, err := c.encryptionKey(destKreis, f.s.RootCA())
			if err != nil {
				t.Fatalf("chain: %v", err)
			}
			got := c.send(destKreis, jwk, xmlData, []testFile{pdfFile, pngFile})

			var st statusDoc
			c.call("GET", c.p("/submissions/%s", got.SubmissionID), nil, 200, &st)
			if st.Status != StatusSubmitted || st.CaseID != got.CaseID || len(st.UploadedAttachments) != 2 || st.SubmittedAt == nil {
				t.Errorf("status %+v", st)
			}
			if (ver == "v1") != (st.ServiceType != nil) || (ver == "v2") != (st.PublicService != nil) {
				t.Errorf("%s status names the service wrongly: %+v", ver, st)
			}

			evs, err := c.events(got.CaseID)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 2 || evs[0].uri != EventCreateSubmission || evs[1].uri != EventSubmitSubmission {
				t.Fatalf("events %+v", evs)
			}
			for _, e := range evs {
				cl := e.claims
				if cl.Schema != SETPayloadSchema || cl.Iss != f.url || cl.Sub != "submission:"+got.SubmissionID ||
					cl.Txn != "case:"+got.CaseID || !isUUID(cl.Jti) || time.Since(time.Unix(cl.Iat, 0)) > time.Minute {
					t.Errorf("claims %+v", cl)
				}
			}
			if string(evs[0].body) != "{}" {
				t.Errorf("create-submission body %s", evs[0].body)
			}
			var sub submitEvent
			if err := json.Unmarshal(evs[1].body, &sub); err != nil {
				t.Fatal(err)
			}
			tags := sub.AuthenticationTags
			if tags.Metadata != lastPart(got.meta) || tags.Data != lastPart(got.data) || len(tags.Attachments) != 2 ||
				tags.Attachments[pdfFile.id] != lastPart(got.att[pdfFile.id]) || tags.Attachments[pngFile.id] != lastPart(got.att[pngFile.id]) {
				t.Errorf("authentication tags %+v", tags)
			}

			// The office.
			recv, err := f.s.Collect(destKreis, f.s.DestinationKey(destKreis))
			if err != nil {
				t.Fatal(err)
			}
			var rc *Received
			for i := range recv {
				if recv[i].SubmissionID == got.SubmissionID {
					rc = &recv[i]
				}
			}
			if rc == nil {
				t.Fatalf("Collect did not return %s", got.SubmissionID)
			}
			if len(rc.Problems) > 0 || !bytes.Equal(rc.Data, xmlData) || rc.SchemaURI != XSozialSchemaURI || rc.MimeType != "application/xml" ||
				rc.ServiceIdentifier != leikaPrefix+leikaHzL || len(rc.Attachments) != 2 {
				t.Fatalf("received %+v", rc)
			}
			for i, want := range []testFile{pdfFile, pngFile} {
				a := rc.Attachments[i]
				if a.AttachmentID != want.id || a.Filename != want.name || a.MimeType != want.mime || a.Purpose != want.purpose || !bytes.Equal(a.Content, want.content) {
					t.Errorf("attachment %d: %+v", i, a)
				}
			}

			// The office accepts; the sender verifies that with the
			// destination's signature key.
			if err := f.s.Accept(got.SubmissionID); err != nil {
				t.Fatal(err)
			}
			evs, err = c.events(got.CaseID)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 3 || evs[2].uri != EventAcceptSubmission || evs[2].claims.Iss != destKreis {
				t.Fatalf("events after Accept %+v", evs)
			}
			d, _ := f.s.Destination(destKreis)
			if evs[2].kid != d.SignatureKid {
				t.Errorf("accept signed with %s, want the destination's %s", evs[2].kid, d.SignatureKid)
			}
			var sigKey jose.JSONWebKey
			c.call("GET", c.p("/destinations/%s/keys/%s", destKreis, d.SignatureKid), nil, 200, &sigKey)
			if err := verifyChain(sigKey, f.s.RootCA(), x509.KeyUsageDigitalSignature); err != nil {
				t.Errorf("signature key chain: %v", err)
			}
			if err := f.s.Reject(got.SubmissionID); err == nil {
				t.Error("rejecting an accepted submission worked")
			}
			c.call("GET", c.p("/submissions/%s", got.SubmissionID), nil, 200, &st)
			if st.Status != StatusAccepted {
				t.Errorf("status after Accept %s", st.Status)
			}
		})
	}
}

func TestReject(t *testing.T) {
	t.Parallel()
	f := start(t, Config{})
	c := newSender(t, f, "v1")
	c.login(testClientID, testSecret)
	jwk, err := c.encryptionKey(destGemeinde, f.s.RootCA())
	if err != nil {
		t.Fatal(err)
	}
	got := c.send(destGemeinde, jwk, xmlData, nil)
	if err := f.s.Reject(got.SubmissionID, Problem{Type: "urn:test:problem", Title: "Unvollständig", Detail: "Es fehlt etwas"}); err != nil {
		t.Fatal(err)
	}
	evs, err := c.events(got.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 3 || evs[2].uri != EventRejectSubmission {
		t.Fatalf("events %+v", evs)
	}
	var rej rejectEvent
	if err := json.Unmarshal(evs[2].body, &rej); err != nil || len(rej.Problems) != 1 || rej.Problems[0].Title != "Unvollständig" {
		t.Errorf("reject body %s", evs[2].body)
	}
	if got := f.s.Submissions(destGemeinde); len(got) != 1 || got[0].Status != StatusRejected || got[0].Events != 3 {
		t.Errorf("Submissions %+v", got)
	}
}

func TestRouting(t *testing.T) {
	t.Parallel()
	f := start(t, Config{})
	c := newSender(t, f, "v1")
	var keys jose.JSONWebKeySet
	c.call("GET", "/v1/routing-jwks.json", nil, 200, &keys)
	var serviceKeys jose.JSONWebKeySet
	c.call("GET", "/.well-known/jwks.json", nil, 200, &serviceKeys)
	if len(keys.Keys) != 1 || len(serviceKeys.Keys) != 1 || keys.Keys[0].KeyID == serviceKeys.Keys[0].KeyID {
		t.Fatalf("routing and service keys: %+v %+v", keys, serviceKeys)
	}

	host := strings.TrimPrefix(f.url, "http://")
	for _, tc := range []struct {
		query, dest, ars string
	}{
		{"leikaKey=" + leikaHzL + "&ars=" + arsGemeinde, destGemeinde, arsGemeinde}, // Gemeinde beats Kreis and Land
		{"leikaKey=" + leikaHzL + "&ars=053820004004", destKreis, "05382"},          // another Gemeinde of the Kreis
		{"leikaKey=" + leikaHzL + "&ars=051110000000", destKreis, "05"},             // elsewhere in NRW: the Land's route
		{"leikaKey=" + leikaHzL + "&ags=05382068", destGemeinde, arsGemeinde},       // by AGS
		{"leikaKey=" + leikaHzL + "&ags=05382004", destKreis, "05382"},
		{"leikaKey=" + leikaOther + "&ars=" + arsGemeinde, destKreis, "05382"},
	} {
		var doc routesDoc
		c.call("GET", "/v1/routes?"+tc.query, nil, 200, &doc)
		if doc.Count != 1 || doc.TotalCount != 1 || len(doc.Routes) != 1 {
			t.Fatalf("%s: %+v", tc.query, doc)
		}
		rt := doc.Routes[0]
		if rt.DestinationID != tc.dest || rt.DestinationName == "" || rt.DestinationParameters.Status != "active" ||
			rt.DestinationParameters.SubmissionURL != f.url || len(rt.DestinationParameters.PublicKeys.Keys) != 1 {
			t.Errorf("%s: route %+v", tc.query, rt)
		}
		obj, err := jose.ParseSignedCompact(rt.DestinationSignature, []jose.SignatureAlgorithm{jose.PS512})
		if err != nil {
			t.Fatal(err)
		}
		k := keys.Key(obj.Signatures[0].Protected.KeyID)
		if len(k) != 1 {
			t.Fatalf("signature kid %q not in the routing JWKS", obj.Signatures[0].Protected.KeyID)
		}
		payload, err := obj.Verify(k[0])
		if err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		var p routingPayload
		if err := json.Unmarshal(payload, &p); err != nil {
			t.Fatal(err)
		}
		if p.DestinationID != tc.dest || p.SubmissionHost != host || p.ARS != tc.ars || p.LeikaKey == "" ||
			len(p.Services) != 1 || p.Services[0].GebietIDs[0] != regionPrefix+tc.ars {
			t.Errorf("%s: payload %s", tc.query, payload)
		}
		// The key in destinationParameters is the destination's, chained to root.
		if err := verifyChain(rt.DestinationParameters.PublicKeys.Keys[0], f.s.RootCA(), x509.KeyUsageKeyEncipherment); err != nil {
			t.Errorf("route key chain: %v", err)
		}
	}

	var none routesDoc
	c.call("GET", "/v1/routes?leikaKey=99999999999999&ars="+arsGemeinde, nil, 200, &none)
	if none.Count != 0 || none.TotalCount != 0 || none.Routes == nil {
		t.Errorf("no route: %+v", none)
	}
	var page routesDoc
	c.call("GET", "/v1/routes?leikaKey="+leikaHzL+"&ars="+arsGemeinde+"&offset=1", nil, 200, &page)
	if page.Count != 0 || page.TotalCount != 1 || page.Offset != 1 {
		t.Errorf("offset: %+v", page)
	}
	for _, q := range []string{"", "leikaKey=123", "leikaKey=" + leikaHzL, "leikaKey=" + leikaHzL + "&ars=05&ags=05382068",
		"leikaKey=" + leikaHzL + "&ars=0538", "leikaKey=" + leikaHzL + "&ars=05&limit=0", "leikaKey=" + leikaHzL + "&areaId=1"} {
		c.call("GET", "/v1/routes?"+q, nil, 400, nil)
	}
	_, _, h := c.do("GET", "/v1/routes?leikaKey="+leikaHzL+"&ars=05", nil, "")
	if h.Get("RateLimit-Limit") == "" {
		t.Error("no RateLimit headers")
	}
}

func TestRestartKeepsEverything(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := start(t, Config{Dir: dir})
	c := newSender(t, f, "v1")
	c.login(testClientID, testSecret)
	jwk, err := c.encryptionKey(destKreis, f.s.RootCA())
	if err != nil {
		t.Fatal(err)
	}
	done := c.send(destKreis, jwk, xmlData, []testFile{pdfFile})

	// A second submission with its attachment uploaded but not yet
	// submitted when the stand-in stops.
	var half createdDoc
	c.call("POST", "/v1/submissions", map[string]any{"destinationId": destKreis, "announcedAttachments": []string{pngFile.id},
		"serviceType": map[string]string{"name": "HzL", "identifier": leikaPrefix + leikaHzL}}, 201, &half)
	st, b, _ := c.do("PUT", "/v1/submissions/"+half.SubmissionID+"/attachments/"+pngFile.id,
		[]byte(encrypt(t, jwk, pngFile.content, jose.RSA_OAEP_256, jose.A256GCM, jwk.KeyID)), "application/jose")
	if st != 204 {
		t.Fatalf("%d %s", st, b)
	}
	root, oldKid := f.s.RootCA(), jwk.KeyID
	f.ts.Close()

	f2 := start(t, Config{Dir: dir})
	if !f2.s.RootCA().Equal(root) {
		t.Error("the root CA changed across the restart")
	}
	c.base = f2.url // the old token is still good
	jwk2, err := c.encryptionKey(destKreis, root)
	if err != nil || jwk2.KeyID != oldKid {
		t.Fatalf("key after restart: %v, kid %s (was %s)", err, jwk2.KeyID, oldKid)
	}
	meta := encrypt(t, jwk2, metadata(xmlData, []testFile{pngFile}), jose.RSA_OAEP_256, jose.A256GCM, jwk2.KeyID)
	data := encrypt(t, jwk2, xmlData, jose.RSA_OAEP_256, jose.A256GCM, jwk2.KeyID)
	c.call("PUT", "/v1/submissions/"+half.SubmissionID, map[string]string{"encryptedMetadata": meta, "encryptedData": data}, 202, nil)

	var s1 statusDoc
	c.call("GET", "/v1/submissions/"+done.SubmissionID, nil, 200, &s1)
	if s1.Status != StatusSubmitted {
		t.Errorf("status after restart %+v", s1)
	}
	evs, err := c.events(done.CaseID)
	if err != nil || len(evs) != 2 {
		t.Fatalf("events after restart: %v %+v", err, evs)
	}
	recv, err := f2.s.Collect(destKreis, f2.s.DestinationKey(destKreis))
	if err != nil {
		t.Fatal(err)
	}
	if len(recv) != 2 {
		t.Fatalf("Collect after restart: %d submissions", len(recv))
	}
	for _, rc := range recv {
		if len(rc.Problems) > 0 || !bytes.Equal(rc.Data, xmlData) || len(rc.Attachments) != 1 {
			t.Errorf("received %s: %+v", rc.SubmissionID, rc.Problems)
		}
	}
	for _, p := range []string{"keys/root-ca.key.pem", "keys/token-hmac.secret", "destinations/" + destKreis + ".json",
		"submissions/" + done.SubmissionID + "/submission.json", "submissions/" + done.SubmissionID + "/metadata.jwe",
		"submissions/" + done.SubmissionID + "/attachments/" + pdfFile.id + ".jwe"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("not stored: %v", err)
		}
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(ents) != 0 {
		t.Errorf("%d files left in tmp", len(ents))
	}
}

// TestKeysFromDisk shows that a stand-in reads its keys from the key
// directory, not only from the process cache.
func TestKeysFromDisk(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ks := &keyStore{dir: dir, bits: 2048}
	k1, err := ks.key("disk-test")
	if err != nil {
		t.Fatal(err)
	}
	procCache.mu.Lock()
	delete(procCache.keys, "disk-test/2048")
	procCache.mu.Unlock()
	k2, err := ks.key("disk-test")
	if err != nil {
		t.Fatal(err)
	}
	if !k1.Equal(k2) {
		t.Error("the key was not read back from disk")
	}
	s1, err := ks.secret("s", 64)
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := ks.secret("s", 64)
	if !bytes.Equal(s1, s2) || len(s1) != 64 {
		t.Error("secret not kept")
	}
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	clk := &clock{}
	f := start(t, Config{Now: clk.Now, MaxAttachmentBytes: 64 << 10})
	c := newSender(t, f, "v1")
	anon := newSender(t, f, "v1")

	// Tokens.
	anon.call("GET", "/v1/destinations/"+destKreis, nil, 401, nil)
	anon.token = "not.a.token"
	anon.call("GET", "/v1/destinations/"+destKreis, nil, 401, nil)
	anon.token = ""
	tokenStatus := func(form url.Values, basic bool) int {
		req, _ := http.NewRequest("POST", f.url+"/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if basic {
			req.SetBasicAuth(testClientID, testSecret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	cc := "client_credentials"
	if st := tokenStatus(url.Values{"grant_type": {cc}, "client_id": {testClientID}, "client_secret": {"wrong"}}, false); st != 401 {
		t.Errorf("wrong secret: %d", st)
	}
	if st := tokenStatus(url.Values{"grant_type": {cc}}, true); st != 401 {
		t.Errorf("HTTP Basic: %d", st)
	}
	if st := tokenStatus(url.Values{"grant_type": {"password"}, "client_id": {testClientID}, "client_secret": {testSecret}}, false); st != 400 {
		t.Errorf("grant_type password: %d", st)
	}
	c.login(testClientID, testSecret)
	clk.Set(time.Now().Add(31 * time.Minute))
	c.call("GET", "/v1/destinations/"+destKreis, nil, 401, nil)
	clk.Set(time.Time{})

	c.call("GET", "/v1/destinations/6f1c2a2e-0d3b-4c55-9a53-0a7a3f3b1cff", nil, 404, nil)
	c.call("GET", "/v1/destinations/not-a-uuid", nil, 400, nil)
	c.call("GET", "/v1/destinations/"+destKreis+"/keys/nokid", nil, 404, nil)
	jwk, err := c.encryptionKey(destKreis, f.s.RootCA())
	if err != nil {
		t.Fatal(err)
	}

	svc := map[string]string{"name": "HzL", "identifier": leikaPrefix + leikaHzL}
	create := func(body map[string]any, want int) createdDoc {
		var d createdDoc
		c.call("POST", "/v1/submissions", body, want, &d)
		return d
	}
	create(map[string]any{"destinationId": "6f1c2a2e-0d3b-4c55-9a53-0a7a3f3b1cff", "serviceType": svc}, 422)
	create(map[string]any{"destinationId": "x", "serviceType": svc}, 422)
	create(map[string]any{"destinationId": destKreis}, 422)
	create(map[string]any{"destinationId": destKreis, "publicService": svc}, 422) // v2's field on v1
	create(map[string]any{"destinationId": destKreis, "serviceType": map[string]string{"identifier": "99107012017000"}}, 422)
	create(map[string]any{"destinationId": destKreis, "serviceType": map[string]string{"identifier": leikaPrefix + "99000000000000"}}, 422)
	create(map[string]any{"destinationId": destKreis, "serviceType": svc, "announcedAttachments": []string{"nope"}}, 422)
	create(map[string]any{"destinationId": destKreis, "serviceType": svc, "announcedAttachments": []string{pdfFile.id, pdfFile.id}}, 422)
	v2 := newSender(t, f, "v2")
	v2.token = c.token
	v2.call("POST", "/v2/submissions", map[string]any{"destinationId": destKreis, "serviceType": svc}, 422, nil)
	if st, _, _ := c.do("POST", "/v1/submissions", []byte(`{"destinationId":`), "application/json"); st != 400 {
		t.Errorf("broken JSON: %d", st)
	}
	if st, _, _ := c.do("POST", "/v1/submissions", []byte(`{}`), "text/plain"); st != 415 {
		t.Errorf("text/plain: %d", st)
	}
	if err := f.s.SetDestinationStatus(destGemeinde, "inactive"); err != nil {
		t.Fatal(err)
	}
	create(map[string]any{"destinationId": destGemeinde, "serviceType": svc}, 422)

	sub := create(map[string]any{"destinationId": destKreis, "serviceType": svc, "announcedAttachments": []string{pdfFile.id}}, 201)
	put := func(aid, body, ct string) (int, problemDoc) {
		st, b, _ := c.do("PUT", "/v1/submissions/"+sub.SubmissionID+"/attachments/"+aid, []byte(body), ct)
		var p problemDoc
		_ = json.Unmarshal(b, &p)
		return st, p
	}
	good := encrypt(t, jwk, pdfFile.content, jose.RSA_OAEP_256, jose.A256GCM, jwk.KeyID)
	for name, tc := range map[string]struct {
		aid, body, ct string
		want          int
	}{
		"unannounced":     {pngFile.id, good, "application/jose", 422},
		"not a JWE":       {pdfFile.id, "%PDF-1.7 plain", "application/jose", 422},
		"four parts":      {pdfFile.id, "a.b.c.d", "application/jose", 422},
		"empty":           {pdfFile.id, "", "application/jose", 422},
		"alg RSA-OAEP":    {pdfFile.id, encrypt(t, jwk, pdfFile.content, jose.RSA_OAEP, jose.A256GCM, jwk.KeyID), "application/jose", 422},
		"enc A128GCM":     {pdfFile.id, encrypt(t, jwk, pdfFile.content, jose.RSA_OAEP_256, jose.A128GCM, jwk.KeyID), "application/jose", 422},
		"enc A256CBC":     {pdfFile.id, encrypt(t, jwk, pdfFile.content, jose.RSA_OAEP_256, jose.A256CBC_HS512, jwk.KeyID), "application/jose", 422},
		"other kid":       {pdfFile.id, encrypt(t, jwk, pdfFile.content, jose.RSA_OAEP_256, jose.A256GCM, "another-kid"), "application/jose", 422},
		"no kid":          {pdfFile.id, encrypt(t, jwk, pdfFile.content, jose.RSA_OAEP_256, jose.A256GCM, ""), "application/jose", 422},
		"JSON JWE":        {pdfFile.id, `{"protected":"x"}`, "application/jose", 422},
		"octet-stream":    {pdfFile.id, good, "application/octet-stream", 415},
		"too large":       {pdfFile.id, encrypt(t, jwk, bytes.Repeat([]byte("x"), 70<<10), jose.RSA_OAEP_256, jose.A256GCM, jwk.KeyID), "application/jose", 413},
		"attachment uuid": {"not-a-uuid", good, "application/jose", 400},
	} {
		if st, p := put(tc.aid, tc.body, tc.ct); st != tc.want {
			t.Errorf("%s: %d, want %d (%s)", name, st, tc.want, p.Detail)
		} else if !strings.HasPrefix(p.Type, ProblemTypePrefix) || p.Status != st || p.Detail == "" {
			t.Errorf("%s: problem %+v", name, p)
		}
	}
	// A JWE to another key of the same size under the right kid passes:
	// the delivery service cannot tell (only the office, which cannot
	// decrypt it).
	other, _ := f.s.Destination(destGemeinde)
	otherJWK := jose.JSONWebKey{Key: &other.EncryptionKey.PublicKey}
	if st, p := put(pdfFile.id, encrypt(t, otherJWK, pdfFile.content, jose.RSA_OAEP_256, jose.A256GCM, jwk.KeyID), "application/jose"); st != 204 {
		t.Errorf("JWE to a same-size key: %d %s", st, p.Detail)
	}

	meta := encrypt(t, jwk, metadata(xmlData, []testFile{pdfFile}), jose.RSA_OAEP_256, jose.A256GCM, jwk.KeyID)
	data := encrypt(t, jwk, xmlData, jose.RSA_OAEP_256, jose.A256GCM, jwk.KeyID)
	sub2 := create(map[string]any{"destinationId": destKreis, "serviceType": svc, "announcedAttachments": []string{pdfFile.id}}, 201)
	c.call("PUT", "/v1/submissions/"+sub2.SubmissionID, map[string]string{"encryptedMetadata": meta, "encryptedData": data}, 422, nil) // attachment missing
	c.call("PUT", "/v1/submissions/"+sub2.SubmissionID, map[string]string{"encryptedData": data}, 422, nil)
	c.call("PUT", "/v1/submissions/"+sub2.SubmissionID, map[string]string{"encryptedMetadata": "abc", "encryptedData": data}, 422, nil)
	c.call("PUT", "/v1/submissions/"+sub2.SubmissionID, map[string]string{"encryptedMetadata": meta,
		"encryptedData": encrypt(t, jwk, xmlData, jose.RSA_OAEP, jose.A256GCM, jwk.KeyID)}, 422, nil)
	c.call("PUT", "/v1/submissions/6f1c2a2e-0d3b-4c55-9a53-0a7a3f3b1cff", map[string]string{"encryptedMetadata": meta}, 404, nil)
	c.call("GET", "/v1/cases/6f1c2a2e-0d3b-4c55-9a53-0a7a3f3b1cff/events", nil, 404, nil)

	// Another sender sees none of it.
	o := newSender(t, f, "v1")
	o.login("other-portal", "other-secret")
	o.call("GET", "/v1/submissions/"+sub.SubmissionID, nil, 404, nil)
	o.call("GET", "/v1/cases/"+sub.CaseID+"/events", nil, 404, nil)
	st, _, _ := o.do("PUT", "/v1/submissions/"+sub.SubmissionID+"/attachments/"+pdfFile.id, []byte(good), "application/jose")
	if st != 404 {
		t.Errorf("other sender's upload: %d", st)
	}

	// The routing API wants a User-Agent.
	req, _ := http.NewRequest("GET", f.url+"/v1/routes?leikaKey="+leikaHzL+"&ars="+arsGemeinde, nil)
	req.Header.Set("User-Agent", "")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("routes without User-Agent: %d", resp.StatusCode)
	}
}

func TestIdempotentRepeats(t *testing.T) {
	t.Parallel()
	f := start(t, Config{})
	c := newSender(t, f, "v1")
	c.login(testClientID, testSecret)
	jwk, err := c.encryptionKey(destKreis, f.s.RootCA())
	if err != nil {
		t.Fatal(err)
	}
	got := c.send(destKreis, jwk, xmlData, []testFile{pdfFile})
	path := "/v1/submissions/" + got.SubmissionID
	for range 2 {
		if st, b, _ := c.do("PUT", path+"/attachments/"+pdfFile.id, []byte(got.att[pdfFile.id]), "application/jose"); st != 204 {
			t.Errorf("repeated upload: %d %s", st, b)
		}
		c.call("PUT", path, map[string]string{"encryptedMetadata": got.meta, "encryptedData": got.data}, 202, nil)
	}
	if st, _, _ := c.do("PUT", path+"/attachments/"+pdfFile.id,
		[]byte(encrypt(t, jwk, []byte("other"), jose.RSA_OAEP_256, jose.A256GCM, jwk.KeyID)), "application/jose"); st != 409 {
		t.Errorf("changed upload after submit: %d", st)
	}
	c.call("PUT", path, map[string]string{"encryptedMetadata": got.meta,
		"encryptedData": encrypt(t, jwk, []byte("<x/>"), jose.RSA_OAEP_256, jose.A256GCM, jwk.KeyID)}, 409, nil)
	evs, err := c.events(got.CaseID)
	if err != nil || len(evs) != 2 {
		t.Errorf("events after repeats: %v, %d", err, len(evs))
	}

	// Before submitting, an upload may be replaced.
	var d createdDoc
	c.call("POST", "/v1/submissions", map[string]any{"destinationId": destKreis, "announcedAttachments": []string{pdfFile.id},
		"serviceType": map[string]string{"name": "HzL", "identifier": leikaPrefix + leikaHzL}}, 201, &d)
	for _, content := range [][]byte{[]byte("first"), pdfFile.content} {
		if st, _, _ := c.do("PUT", "/v1/submissions/"+d.SubmissionID+"/attachments/"+pdfFile.id,
			[]byte(encrypt(t, jwk, content, jose.RSA_OAEP_256, jose.A256GCM, jwk.KeyID)), "application/jose"); st != 204 {
			t.Fatalf("upload: %d", st)
		}
	}
	c.call("PUT", "/v1/submissions/"+d.SubmissionID, map[string]string{"encryptedMetadata": got.meta, "encryptedData": got.data}, 202, nil)
	recv, _ := f.s.Collect(destKreis, f.s.DestinationKey(destKreis))
	for _, rc := range recv {
		if rc.SubmissionID == d.SubmissionID && (len(rc.Problems) > 0 || !bytes.Equal(rc.Attachments[0].Content, pdfFile.content)) {
			t.Errorf("replaced upload: %+v", rc.Problems)
		}
	}
}

func TestCollectReportsProblems(t *testing.T) {
	t.Parallel()
	f := start(t, Config{})
	c := newSender(t, f, "v1")
	c.login(testClientID, testSecret)
	jwk, err := c.encryptionKey(destGemeinde, f.s.RootCA())
	if err != nil {
		t.Fatal(err)
	}
	var d createdDoc
	c.call("POST", "/v1/submissions", map[string]any{"destinationId": destGemeinde, "announcedAttachments": []string{pdfFile.id, pngFile.id},
		"serviceType": map[string]string{"name": "HzL", "identifier": leikaPrefix + leikaHzL}}, 201, &d)
	for _, fl := range []testFile{pdfFile, pngFile} {
		c.do("PUT", "/v1/submissions/"+d.SubmissionID+"/attachments/"+fl.id,
			[]byte(encrypt(t, jwk, fl.content, jose.RSA_OAEP_256, jose.A256GCM, jwk.KeyID)), "application/jose")
	}
	wrong := pdfFile
	wrong.content = []byte("something else")
	meta := metadata([]byte("<other/>"), []testFile{wrong}) // wrong hashes, png not described
	c.call("PUT", "/v1/submissions/"+d.SubmissionID, map[string]string{
		"encryptedMetadata": encrypt(t, jwk, meta, jose.RSA_OAEP_256, jose.A256GCM, jwk.KeyID),
		"encryptedData":     encrypt(t, jwk, xmlData, jose.RSA_OAEP_256, jose.A256GCM, jwk.KeyID)}, 202, nil)
	recv, err := f.s.Collect(destGemeinde, f.s.DestinationKey(destGemeinde))
	if err != nil || len(recv) != 1 {
		t.Fatalf("%v %d", err, len(recv))
	}
	p := strings.Join(recv[0].Problems, "\n")
	for _, want := range []string{"data: hash does not match", "attachment " + pdfFile.id + ": hash does not match", pngFile.id + " was uploaded but the metadata does not describe it"} {
		if !strings.Contains(p, want) {
			t.Errorf("problems lack %q:\n%s", want, p)
		}
	}
	// With the wrong key nothing decrypts.
	recv, err = f.s.Collect(destGemeinde, f.s.DestinationKey(destKreis))
	if err != nil || len(recv) != 1 || !strings.Contains(strings.Join(recv[0].Problems, ""), "does not decrypt") {
		t.Errorf("wrong key: %v %+v", err, recv)
	}
	if _, err := f.s.Collect("6f1c2a2e-0d3b-4c55-9a53-0a7a3f3b1cff", f.s.DestinationKey(destKreis)); err == nil {
		t.Error("Collect for an unknown destination worked")
	}
}

func TestTamperSwitches(t *testing.T) {
	t.Parallel()
	f := start(t, Config{})
	c := newSender(t, f, "v1")
	c.login(testClientID, testSecret)
	jwk, err := c.encryptionKey(destKreis, f.s.RootCA())
	if err != nil {
		t.Fatal(err)
	}
	got := c.send(destKreis, jwk, xmlData, nil)

	f.s.SignSETsWithWrongKey(true)
	if _, err := c.events(got.CaseID); err == nil {
		t.Error("SETs signed with the wrong key verified")
	}
	f.s.SignSETsWithWrongKey(false)
	if _, err := c.events(got.CaseID); err != nil {
		t.Errorf("SETs after switching back: %v", err)
	}

	f.s.ServeKeyNotChainedToRoot(true)
	bad, err := c.encryptionKey(destKreis, f.s.RootCA())
	var ua x509.UnknownAuthorityError
	if !errors.As(err, &ua) {
		t.Errorf("unchained key: err %v", err)
	}
	if bad.KeyID != jwk.KeyID {
		t.Error("the unchained key should be the same key under another CA")
	}
	var doc routesDoc
	c.call("GET", "/v1/routes?leikaKey="+leikaHzL+"&ars=05382", nil, 200, &doc)
	if err := verifyChain(doc.Routes[0].DestinationParameters.PublicKeys.Keys[0], f.s.RootCA(), x509.KeyUsageKeyEncipherment); err == nil {
		t.Error("unchained key in the route verified")
	}
	f.s.ServeKeyNotChainedToRoot(false)
	if _, err := c.encryptionKey(destKreis, f.s.RootCA()); err != nil {
		t.Errorf("after switching back: %v", err)
	}

	var keys jose.JSONWebKeySet
	c.call("GET", "/v1/routing-jwks.json", nil, 200, &keys)
	verifyRoute := func() error {
		var doc routesDoc
		c.call("GET", "/v1/routes?leikaKey="+leikaHzL+"&ars=05382", nil, 200, &doc)
		obj, err := jose.ParseSignedCompact(doc.Routes[0].DestinationSignature, []jose.SignatureAlgorithm{jose.PS512})
		if err != nil {
			return err
		}
		_, err = obj.Verify(keys.Keys[0])
		return err
	}
	f.s.BreakRoutingSignature(true)
	if err := verifyRoute(); err == nil {
		t.Error("broken routing signature verified")
	}
	f.s.BreakRoutingSignature(false)
	if err := verifyRoute(); err != nil {
		t.Errorf("routing signature after switching back: %v", err)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	f := start(t, Config{})
	c := newSender(t, f, "v1")

	f.s.FailNext("POST /token", 503, 2)
	form := []byte(url.Values{"grant_type": {"client_credentials"}, "client_id": {testClientID}, "client_secret": {testSecret}}.Encode())
	for i, want := range []int{503, 503, 200} {
		if st, _, _ := c.do("POST", "/token", form, "application/x-www-form-urlencoded"); st != want {
			t.Errorf("token %d: %d, want %d", i, st, want)
		}
	}
	c.login(testClientID, testSecret)

	// A lost answer: the submission exists although the sender saw 502.
	before := len(f.s.Submissions(destKreis))
	f.s.FailNextAfter("POST /v*/submissions", 502, 1)
	c.call("POST", "/v1/submissions", map[string]any{"destinationId": destKreis,
		"serviceType": map[string]string{"name": "HzL", "identifier": leikaPrefix + leikaHzL}}, 502, nil)
	if n := len(f.s.Submissions(destKreis)); n != before+1 {
		t.Errorf("FailNextAfter: %d submissions, want %d", n, before+1)
	}

	// A dropped connection.
	f.s.FailNext("/v1/destinations/*", 0, 1)
	req, _ := http.NewRequest("GET", f.url+"/v1/destinations/"+destKreis, nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	if resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("dropped connection answered %d", resp.StatusCode)
	}
	c.call("GET", "/v1/destinations/"+destKreis, nil, 200, nil)

	// Patterns are specific; n <= 0 removes.
	f.s.FailNext("PUT /v1/submissions/*/attachments/*", 500, 5)
	c.call("GET", "/v1/destinations/"+destKreis, nil, 200, nil)
	f.s.FailNext("PUT /v1/submissions/*/attachments/*", 500, 0)
	f.s.fmu.Lock()
	n := len(f.s.faults)
	f.s.fmu.Unlock()
	if n != 0 {
		t.Errorf("%d rules left", n)
	}

	f.s.Delay(300 * time.Millisecond)
	t0 := time.Now()
	c.call("GET", "/.well-known/jwks.json", nil, 200, nil)
	if d := time.Since(t0); d < 300*time.Millisecond {
		t.Errorf("Delay: answered after %v", d)
	}
	short := &http.Client{Timeout: 50 * time.Millisecond}
	if resp, err := short.Get(f.url + "/.well-known/jwks.json"); err == nil {
		resp.Body.Close()
		t.Error("a 50 ms client got an answer through a 300 ms delay")
	}
	f.s.Delay(0)
}

func TestTestPages(t *testing.T) {
	t.Parallel()
	f := start(t, Config{})
	c := newSender(t, f, "v1")
	c.login(testClientID, testSecret)
	jwk, err := c.encryptionKey(destGemeinde, f.s.RootCA())
	if err != nil {
		t.Fatal(err)
	}
	got := c.send(destGemeinde, jwk, xmlData, []testFile{pdfFile})

	_, b, _ := c.do("GET", "/test/ca.pem", nil, "")
	block, _ := pem.Decode(b)
	if block == nil {
		t.Fatal("no PEM")
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil || !ca.Equal(f.s.RootCA()) || !ca.IsCA {
		t.Errorf("ca.pem: %v", err)
	}
	st, b, h := c.do("GET", "/test/destinations/"+destGemeinde+"/submissions", nil, "")
	if st != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.Contains(string(b), got.SubmissionID) {
		t.Errorf("page: %d %s", st, b)
	}
	st, b, _ = c.do("GET", "/test/destinations", nil, "")
	if st != 200 || !strings.Contains(string(b), destKreis) {
		t.Errorf("destinations page: %d", st)
	}
	req, _ := http.NewRequest("GET", f.url+"/test/destinations/"+destGemeinde+"/submissions", nil)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []SubmissionInfo
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || len(list) != 1 || list[0].SubmissionID != got.SubmissionID ||
		list[0].Status != StatusSubmitted || list[0].Bytes == 0 || list[0].ClientID != testClientID {
		t.Errorf("JSON list: %v %+v", err, list)
	}
}

func TestNewDestination(t *testing.T) {
	t.Parallel()
	f := start(t, Config{})
	d, err := f.s.NewDestination(DestinationSpec{ID: destGemeinde, Name: "Umbenannt", LeiKa: []string{leikaOther}})
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "Umbenannt" || len(d.LeiKa) != 2 || d.EncryptionKey == nil || d.SignatureKey == nil || len(d.EncryptionChain) != 3 ||
		d.EncryptionKey.N.BitLen() != 4096 || !d.EncryptionChain[2].Equal(f.s.RootCA()) {
		t.Errorf("NewDestination %+v", d)
	}
	if _, err := f.s.NewDestination(DestinationSpec{ID: "x"}); err == nil {
		t.Error("bad id accepted")
	}
	if _, err := f.s.NewDestination(DestinationSpec{LeiKa: []string{"1"}}); err == nil {
		t.Error("bad LeiKa accepted")
	}
	if err := f.s.SetDestinationStatus(destGemeinde, "gone"); err == nil {
		t.Error("bad status accepted")
	}
	named := start(t, Config{Destinations: []DestinationSpec{{ID: destKreis, Name: "Ausdrücklich"}}})
	if d, _ := named.s.Destination(destKreis); d.Name != "Ausdrücklich" || len(d.LeiKa) != 2 {
		t.Errorf("a route's name replaced the configured one: %+v", d)
	}
	if _, err := New(Config{KeyBits: 1024}); err == nil {
		t.Error("KeyBits 1024 accepted")
	}
	if _, err := New(Config{Routes: []Route{{LeiKa: leikaHzL, ARS: "0538", DestinationID: destKreis}}}); err == nil {
		t.Error("a 4-digit ARS accepted")
	}
}

func TestLargeAttachmentStreamsToDisk(t *testing.T) {
	t.Parallel()
	f := start(t, Config{Dir: t.TempDir()})
	c := newSender(t, f, "v1")
	c.login(testClientID, testSecret)
	jwk, err := c.encryptionKey(destKreis, f.s.RootCA())
	if err != nil {
		t.Fatal(err)
	}
	big := testFile{id: "0b6a8b9e-1f57-4a39-9d0e-7a3c1e2f0099", name: "Scan.pdf", mime: "application/pdf", purpose: "attachment",
		content: make([]byte, 24<<20)}
	_, _ = rand.Read(big.content)
	t0 := time.Now()
	got := c.send(destKreis, jwk, xmlData, []testFile{big})
	t.Logf("24 MiB attachment sent in %v", time.Since(t0))
	recv, err := f.s.Collect(destKreis, f.s.DestinationKey(destKreis))
	if err != nil || len(recv) != 1 || recv[0].SubmissionID != got.SubmissionID || len(recv[0].Problems) > 0 ||
		!bytes.Equal(recv[0].Attachments[0].Content, big.content) {
		t.Fatalf("Collect: %v", err)
	}
}

// TestGarbage throws malformed requests at every endpoint: nothing may
// panic or answer 5xx.
func TestGarbage(t *testing.T) {
	t.Parallel()
	f := start(t, Config{})
	c := newSender(t, f, "v1")
	c.login(testClientID, testSecret)
	var d createdDoc
	c.call("POST", "/v1/submissions", map[string]any{"destinationId": destKreis, "announcedAttachments": []string{pdfFile.id},
		"serviceType": map[string]string{"name": "HzL", "identifier": leikaPrefix + leikaHzL}}, 201, &d)
	junk := [][]byte{nil, []byte("{}"), []byte("[]"), []byte("null"), []byte(`{"destinationId":5}`), []byte("\x00\xff\xfe"),
		[]byte(strings.Repeat("A", 5000)), []byte("a.b.c.d.e"), []byte("....."), []byte(`{"encryptedMetadata":"a.b.c.d.e"}`),
		[]byte("eyJhbGciOiJub25lIn0.." + strings.Repeat("A", 900) + ".AAAA"), []byte(`{"announcedAttachments":[null],"serviceType":{}}`)}
	paths := []string{"/token", "/v1/submissions", "/v2/submissions", "/v1/submissions/" + d.SubmissionID,
		"/v1/submissions/" + d.SubmissionID + "/attachments/" + pdfFile.id, "/v1/destinations/" + destKreis,
		"/v1/destinations/" + destKreis + "/keys/%00", "/v1/cases/" + d.CaseID + "/events", "/v1/routes?leikaKey=%ff&ars=%00",
		"/v1/routes?leikaKey=" + leikaHzL + "&ars=05&offset=99999999999999999999", "/test/destinations/%2e%2e/submissions",
		"/v1/submissions/" + strings.ToUpper(d.SubmissionID), "/nothing"}
	cts := []string{"", "application/json", "application/jose", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "a/b; ===="}
	for _, p := range paths {
		for _, m := range []string{"GET", "POST", "PUT", "DELETE"} {
			for _, body := range junk {
				for _, ct := range cts {
					st, b, _ := c.do(m, p, body, ct)
					if st >= 500 {
						t.Errorf("%s %s (%s, %q): %d %s", m, p, ct, body, st, b)
					}
				}
			}
		}
	}
	if n := len(f.s.Submissions("")); n != 1 {
		t.Errorf("garbage created submissions: %d", n)
	}
}

func TestJWEScanner(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"", "empty"},
		{"a.b", "five parts"},
		{"a.b.c.d.e.f", "more"},
		{"a b.c.d.e", "neither base64url"},
		{"e30.AAAA.AAAA.AAAAA.AAAA", "ciphertext"},
		{"bm90IGpzb24.AAAA.AAAA.AAAA.AAAA", "not a JSON object"},
		{"eyJhbGciOjF9.AAAA.AAAA.AAAA.AAAA", `header "alg"`},
	} {
		_, err := scanJWEString(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.in, err, tc.want)
		}
	}
	info, err := scanJWEString("eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIiwia2lkIjoiayJ9.AAAA.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA")
	if err != nil || info.alg != "RSA-OAEP-256" || info.enc != "A256GCM" || info.kid != "k" || info.ivLen != 12 || info.tagLen != 16 ||
		info.tag != "AAAAAAAAAAAAAAAAAAAAAA" {
		t.Errorf("%v %+v", err, info)
	}
}
