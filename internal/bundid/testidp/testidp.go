// Package testidp is the built-in stand-in for BundID in development and
// tests: a real SAML identity provider (crewjam/saml) that signs and
// encrypts its assertions, with a page of test persons at each trust level.
// The service provider talks to it exactly as to BundID.
package testidp

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	"github.com/crewjam/saml/xmlenc"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/sozialplattform/sozialplattform/internal/bundid"
	"github.com/sozialplattform/sozialplattform/internal/identity"
)

// Person is a test person.
type Person struct {
	ID         string
	Label      string
	Level      identity.Level
	Attributes map[string]string // OID -> value
}

// Persons are the test persons: one per trust level, one with every
// attribute, one with few, one with umlauts and a double name.
var Persons = []Person{
	{ID: "erika", Label: "Erika Mustermann – alle Angaben, Online-Ausweis (hoch)", Level: identity.LevelHoch, Attributes: map[string]string{
		identity.OIDbPK2: "bPK2-erika-0001", identity.OIDAuthMethod: "eID", identity.OIDTrustLevel: "STORK-QAA-Level-4",
		identity.OIDGivenName: "Erika", identity.OIDSurname: "Mustermann", identity.OIDBirthName: "Gabler",
		identity.OIDBirthDate: "1964-08-12", identity.OIDPlaceOfBirth: "Berlin", identity.OIDNationality: "D",
		identity.OIDStreet: "Heidestraße 17", identity.OIDPostcode: "51147", identity.OIDLocality: "Köln", identity.OIDCountry: "D",
		identity.OIDMail: "erika.mustermann@example.org", identity.OIDPostkorb: "postkorb-erika-0001"}},
	{ID: "max", Label: "Max Mustermann – Benutzername und Passwort (niedrig)", Level: identity.LevelNiedrig, Attributes: map[string]string{
		identity.OIDbPK2: "bPK2-max-0002", identity.OIDAuthMethod: "Benutzername", identity.OIDTrustLevel: "STORK-QAA-Level-1",
		identity.OIDGivenName: "Max", identity.OIDSurname: "Mustermann", identity.OIDMail: "max@example.org"}},
	{ID: "firma", Label: "Jana Becker – ELSTER-Zertifikat, Mein Unternehmenskonto (substantiell)", Level: identity.LevelSubstantiell, Attributes: map[string]string{
		identity.OIDbPK2: "bPK2-jana-0003", identity.OIDAuthMethod: "ELSTER", identity.OIDTrustLevel: "STORK-QAA-Level-3",
		identity.OIDGivenName: "Jana", identity.OIDSurname: "Becker", identity.OIDMail: "jana.becker@example.org"}},
	{ID: "oezguel", Label: "Özgül Müller-Lüdenscheidt – Umlaute und Doppelname (hoch)", Level: identity.LevelHoch, Attributes: map[string]string{
		identity.OIDbPK2: "bPK2-oezguel-0004", identity.OIDAuthMethod: "eID", identity.OIDTrustLevel: "STORK-QAA-Level-4",
		identity.OIDGivenName: "Özgül Ayşe", identity.OIDSurname: "Müller-Lüdenscheidt", identity.OIDBirthDate: "1990-02-28",
		identity.OIDPlaceOfBirth: "Gülşehir", identity.OIDNationality: "TR", identity.OIDStreet: "Außerhalb 3",
		identity.OIDPostcode: "53840", identity.OIDLocality: "Troisdorf", identity.OIDCountry: "D"}},
	{ID: "wenig", Label: "Nur Pseudonym – fast keine Angaben (niedrig)", Level: identity.LevelNiedrig, Attributes: map[string]string{
		identity.OIDbPK2: "bPK2-wenig-0005", identity.OIDTrustLevel: "STORK-QAA-Level-1"}},
}

// Tamper lets tests break an assertion before it is signed (wrong audience,
// expired, another level...). Nil in normal operation.
type Tamper func(a *saml.Assertion)

// IdP is the test identity provider.
type IdP struct {
	idp    saml.IdentityProvider
	mu     sync.Mutex
	spMeta *saml.EntityDescriptor
	tamper Tamper
	// unsigned makes the IdP send assertions without their own signature
	// (the response stays signed): a refusal test.
	unsigned bool
	prefix   string
	key      *rsa.PrivateKey
	cert     *x509.Certificate
	issued   map[string]string // person -> last NameID issued
}

// LastNameID is the NameID last issued for a test person (tests use it to
// play an IdP-initiated logout).
func (t *IdP) LastNameID(person string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.issued[person]
}

// SetUnsignedAssertions makes the IdP omit the assertion's signature (tests only).
func (t *IdP) SetUnsignedAssertions(on bool) { t.mu.Lock(); t.unsigned = on; t.mu.Unlock() }

// encryptUnsigned encrypts the assertion for the SP without signing it,
// as crewjam would after signing.
func (t *IdP) encryptUnsigned(req *saml.IdpAuthnRequest) error {
	t.mu.Lock()
	md := t.spMeta
	t.mu.Unlock()
	var certB64 string
	for _, sd := range md.SPSSODescriptors {
		for _, kd := range sd.KeyDescriptors {
			if kd.Use == "encryption" && len(kd.KeyInfo.X509Data.X509Certificates) > 0 {
				certB64 = kd.KeyInfo.X509Data.X509Certificates[0].Data
			}
		}
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(certB64), ""))
	if err != nil {
		return err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return err
	}
	doc := etree.NewDocument()
	doc.SetRoot(req.Assertion.Element())
	buf, err := doc.WriteToBytes()
	if err != nil {
		return err
	}
	enc := xmlenc.OAEP()
	enc.BlockCipher = xmlenc.AES128CBC
	enc.DigestMethod = &xmlenc.SHA1
	data, err := enc.Encrypt(cert, buf, nil)
	if err != nil {
		return err
	}
	data.CreateAttr("Type", "http://www.w3.org/2001/04/xmlenc#Element")
	ea := etree.NewElement("saml:EncryptedAssertion")
	ea.AddChild(data)
	req.AssertionEl = ea
	return nil
}

// New builds the IdP at base+prefix (e.g. http://localhost:8080/testidp).
func New(baseURL, prefix string, key *rsa.PrivateKey, cert *x509.Certificate) (*IdP, error) {
	u, err := url.Parse(strings.TrimSuffix(baseURL, "/") + prefix)
	if err != nil {
		return nil, err
	}
	at := func(p string) url.URL { v := *u; v.Path += p; return v }
	t := &IdP{prefix: prefix, key: key, cert: cert}
	t.idp = saml.IdentityProvider{
		Key: key, Signer: key, Certificate: cert,
		MetadataURL: at("/metadata"), SSOURL: at("/sso"), LogoutURL: at("/slo"),
		SignatureMethod:         dsig.RSASHA256SignatureMethod,
		ServiceProviderProvider: t,
		AssertionMaker:          t,
	}
	return t, nil
}

// SetServiceProvider registers the one SP this IdP serves.
func (t *IdP) SetServiceProvider(metadata []byte) error {
	var md saml.EntityDescriptor
	if err := xml.Unmarshal(metadata, &md); err != nil {
		return err
	}
	t.mu.Lock()
	t.spMeta = &md
	t.mu.Unlock()
	return nil
}

// SetTamper installs a hook that changes assertions (tests only).
func (t *IdP) SetTamper(f Tamper) { t.mu.Lock(); t.tamper = f; t.mu.Unlock() }

// GetServiceProvider implements saml.ServiceProviderProvider.
func (t *IdP) GetServiceProvider(_ *http.Request, id string) (*saml.EntityDescriptor, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.spMeta == nil || t.spMeta.EntityID != id {
		return nil, os.ErrNotExist
	}
	return t.spMeta, nil
}

// MakeAssertion implements saml.AssertionMaker: BundID's AuthnContext and
// attributes by OID.
func (t *IdP) MakeAssertion(req *saml.IdpAuthnRequest, s *saml.Session) error {
	if err := (saml.DefaultAssertionMaker{}).MakeAssertion(req, s); err != nil {
		return err
	}
	a := req.Assertion
	p := personByID(s.UserName)
	for i := range a.AuthnStatements {
		a.AuthnStatements[i].AuthnContext.AuthnContextClassRef = &saml.AuthnContextClassRef{Value: p.Level.ContextClassRef()}
	}
	var attrs []saml.Attribute
	for oid, v := range p.Attributes {
		attrs = append(attrs, saml.Attribute{Name: oid, NameFormat: "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
			Values: []saml.AttributeValue{{Type: "xs:string", Value: v}}})
	}
	a.AttributeStatements = []saml.AttributeStatement{{Attributes: attrs}}
	t.mu.Lock()
	tamper := t.tamper
	t.mu.Unlock()
	if tamper != nil {
		tamper(a)
	}
	return nil
}

func personByID(id string) Person {
	for _, p := range Persons {
		if p.ID == id {
			return p
		}
	}
	return Person{}
}

// Metadata is the IdP's metadata (its signing certificate is what the SP
// pins). Single logout is offered with the HTTP-POST binding, as BundID does.
func (t *IdP) Metadata() ([]byte, error) {
	md := t.idp.Metadata()
	md.IDPSSODescriptors[0].SingleLogoutServices = []saml.Endpoint{{Binding: saml.HTTPPostBinding, Location: t.idp.LogoutURL.String()}}
	return xml.MarshalIndent(md, "", "  ")
}

func (t *IdP) spSLO() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.spMeta == nil {
		return ""
	}
	for _, d := range t.spMeta.SPSSODescriptors {
		for _, ep := range d.SingleLogoutServices {
			if ep.Binding == saml.HTTPPostBinding {
				return ep.Location
			}
		}
	}
	return ""
}

func (t *IdP) signed(el *etree.Element) (string, error) {
	s, err := bundid.SignElement(el, t.key, t.cert)
	if err != nil {
		return "", err
	}
	doc := etree.NewDocument()
	doc.SetRoot(s)
	raw, err := doc.WriteToBytes()
	return base64.StdEncoding.EncodeToString(raw), err
}

// LogoutRequestFor builds a signed IdP-initiated LogoutRequest for the
// person with nameID (the IdP's side of "signed out elsewhere").
func (t *IdP) LogoutRequestFor(nameID string) (dest, samlRequest string, err error) {
	now := saml.TimeNow()
	exp := now.Add(5 * time.Minute)
	req := saml.LogoutRequest{ID: fmt.Sprintf("id-logout-%d", now.UnixNano()), Version: "2.0", IssueInstant: now, NotOnOrAfter: &exp,
		Destination: t.spSLO(), Issuer: &saml.Issuer{Format: "urn:oasis:names:tc:SAML:2.0:nameid-format:entity", Value: t.idp.MetadataURL.String()},
		NameID: &saml.NameID{Format: string(saml.TransientNameIDFormat), Value: nameID}}
	sr, err := t.signed(req.Element())
	return req.Destination, sr, err
}

// Handler serves /metadata, /sso (the chooser page) and /login (issues the
// assertion) below the prefix.
func (t *IdP) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+t.prefix+"/metadata", func(w http.ResponseWriter, r *http.Request) {
		b, err := t.Metadata()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/samlmetadata+xml")
		w.Write(b)
	})
	mux.HandleFunc("POST "+t.prefix+"/sso", func(w http.ResponseWriter, r *http.Request) {
		req, err := saml.NewIdpAuthnRequest(&t.idp, r)
		if err == nil {
			err = req.Validate()
		}
		if err != nil {
			http.Error(w, "Test-IdP: ungültige Anfrage: "+err.Error(), http.StatusBadRequest)
			return
		}
		page(w, chooser, map[string]any{"Action": t.prefix + "/login", "SAMLRequest": r.PostForm.Get("SAMLRequest"),
			"RelayState": req.RelayState, "Persons": Persons, "Wanted": req.Request.RequestedAuthnContext})
	})
	mux.HandleFunc("POST "+t.prefix+"/login", func(w http.ResponseWriter, r *http.Request) {
		req, err := saml.NewIdpAuthnRequest(&t.idp, r)
		if err == nil {
			err = req.Validate()
		}
		p := personByID(r.PostForm.Get("person"))
		if err == nil && p.ID == "" {
			err = fmt.Errorf("unknown test person")
		}
		if err != nil {
			http.Error(w, "Test-IdP: "+err.Error(), http.StatusBadRequest)
			return
		}
		now := saml.TimeNow()
		s := &saml.Session{ID: "s-" + p.ID, CreateTime: now, ExpireTime: now.Add(time.Hour), Index: "1",
			NameID: fmt.Sprintf("transient-%s-%d", p.ID, now.UnixNano()), NameIDFormat: string(saml.TransientNameIDFormat), UserName: p.ID}
		t.mu.Lock()
		if t.issued == nil {
			t.issued = map[string]string{}
		}
		t.issued[p.ID] = s.NameID
		t.mu.Unlock()
		err = t.idp.AssertionMaker.MakeAssertion(req, s)
		t.mu.Lock()
		unsigned := t.unsigned
		t.mu.Unlock()
		if err == nil && unsigned {
			err = t.encryptUnsigned(req)
		} else if err == nil {
			err = req.MakeAssertionEl()
		}
		var form saml.IdpAuthnRequestForm
		if err == nil {
			form, err = req.PostBinding()
		}
		if err != nil {
			http.Error(w, "Test-IdP: "+err.Error(), http.StatusInternalServerError)
			return
		}
		page(w, respond, form)
	})
	mux.HandleFunc("POST "+t.prefix+"/slo", func(w http.ResponseWriter, r *http.Request) {
		raw, err := base64.StdEncoding.DecodeString(r.PostFormValue("SAMLRequest"))
		var req saml.LogoutRequest
		if err == nil {
			err = xml.Unmarshal(raw, &req)
		}
		if err != nil || req.ID == "" {
			http.Error(w, "Test-IdP: ungültige Abmeldung", http.StatusBadRequest)
			return
		}
		now := saml.TimeNow()
		resp := saml.LogoutResponse{ID: fmt.Sprintf("id-lr-%d", now.UnixNano()), InResponseTo: req.ID, Version: "2.0", IssueInstant: now,
			Destination: t.spSLO(), Issuer: &saml.Issuer{Format: "urn:oasis:names:tc:SAML:2.0:nameid-format:entity", Value: t.idp.MetadataURL.String()},
			Status: saml.Status{StatusCode: saml.StatusCode{Value: saml.StatusSuccess}}}
		sr, err := t.signed(resp.Element())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		page(w, respond, saml.IdpAuthnRequestForm{URL: resp.Destination, SAMLResponse: sr, RelayState: r.PostFormValue("RelayState")})
	})
	return mux
}

func page(w http.ResponseWriter, t *template.Template, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := t.Execute(w, data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

var chooser = template.Must(template.New("c").Parse(`<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Test-Anmeldung (kein echtes BundID)</title></head>
<body><main>
<h1>Test-Anmeldung</h1>
<p><strong>Dies ist nicht BundID.</strong> Dieser Test-Identitätsdienst läuft nur im Entwicklungsbetrieb. Wählen Sie eine Testperson.</p>
{{with .Wanted}}<p>Gefordertes Vertrauensniveau: mindestens {{.AuthnContextClassRef}}</p>{{end}}
<ul>
{{range .Persons}}<li><form method="post" action="{{$.Action}}"><input type="hidden" name="SAMLRequest" value="{{$.SAMLRequest}}"><input type="hidden" name="RelayState" value="{{$.RelayState}}"><input type="hidden" name="person" value="{{.ID}}"><button type="submit" id="person-{{.ID}}">{{.Label}}</button></form></li>
{{end}}</ul>
</main></body></html>`))

var respond = template.Must(template.New("r").Parse(`<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Zurück zur Sozialplattform</title></head>
<body><main>
<h1>Anmeldung erfolgreich</h1>
<form method="post" action="{{.URL}}" id="saml-response"><input type="hidden" name="SAMLResponse" value="{{.SAMLResponse}}"><input type="hidden" name="RelayState" value="{{.RelayState}}"><button type="submit" id="continue">Weiter zur Sozialplattform</button></form>
</main></body></html>`))
