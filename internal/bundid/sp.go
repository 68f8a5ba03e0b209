// Package bundid signs citizens in with BundID over SAML 2.0 (Web Browser
// SSO, HTTP-POST binding). It is an adapter: the SAML mechanics come from
// crewjam/saml; this package adds what BundID needs (the akdb request
// extension, trust levels as AuthnContext, attribute OIDs) and what a
// multi-instance platform needs (pending requests and seen assertion IDs in
// the database, not in memory).
package bundid

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/sozialplattform/sozialplattform/internal/identity"
)

// AkdbNamespace is BundID's request extension namespace.
const AkdbNamespace = "https://www.akdb.de/request/2018/09"

// MaxResponseBytes bounds a posted SAMLResponse (base64); real BundID
// responses are a few tens of kilobytes.
const MaxResponseBytes = 512 << 10

// RequestLifetime is how long a started sign-in may take at the IdP.
const RequestLifetime = 30 * time.Minute

// Errors of a sign-in; the web layer shows a page for each, the log names
// the kind, never the person.
var (
	ErrNoResponse     = errors.New("bundid: no SAMLResponse in the request")
	ErrMalformed      = errors.New("bundid: response is not well-formed SAML")
	ErrDoctype        = errors.New("bundid: response contains a DOCTYPE or entity declaration")
	ErrUnknownRequest = errors.New("bundid: response answers no pending request of this browser")
	ErrReplay         = errors.New("bundid: assertion was already used")
	ErrInvalid        = errors.New("bundid: assertion refused")
	ErrLevelTooLow    = errors.New("bundid: trust level below the one required")
)

// Store keeps what must survive between the sign-in start and the
// assertion's arrival, on any instance.
type Store interface {
	// SaveAuthnRequest remembers a sign-in started with request ID id.
	SaveAuthnRequest(ctx context.Context, id string, level identity.Level, returnTo string, expires time.Time) error
	// TakeAuthnRequest returns and forgets a pending request; ok is false if
	// it is unknown or expired.
	TakeAuthnRequest(ctx context.Context, id string) (level identity.Level, returnTo string, ok bool, err error)
	// RememberAssertion records an assertion ID until it expires; fresh is
	// false if it was seen before (a replay).
	RememberAssertion(ctx context.Context, id string, until time.Time) (fresh bool, err error)
}

// Config configures the service provider.
type Config struct {
	BaseURL     string // https://sozialplattform.example
	Key         *rsa.PrivateKey
	Certificate *x509.Certificate
	// IDPMetadata is the identity provider's metadata; its signing
	// certificate is the only one trusted (pinned).
	IDPMetadata *saml.EntityDescriptor
	// Attributes requested in the akdb extension (OIDs), with whether each
	// is required.
	Attributes map[string]bool
	Now        func() time.Time
}

// SP is the service provider.
type SP struct {
	cfg   Config
	sp    saml.ServiceProvider
	store Store
	// binding is the cookie that ties a sign-in to the browser that
	// started it (see StartSignIn).
	bindingPath   string
	bindingSecure bool
}

// New builds the service provider.
func New(cfg Config, store Store) (*SP, error) {
	base, err := url.Parse(strings.TrimSuffix(cfg.BaseURL, "/"))
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("bundid: base URL %q: %v", cfg.BaseURL, err)
	}
	if cfg.Key == nil || cfg.Certificate == nil || cfg.IDPMetadata == nil {
		return nil, errors.New("bundid: key, certificate and IdP metadata are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	at := func(p string) url.URL { u := *base; u.Path = strings.TrimSuffix(base.Path, "/") + p; return u }
	s := &SP{cfg: cfg, store: store, bindingPath: strings.TrimSuffix(base.Path, "/") + "/saml/", bindingSecure: base.Scheme == "https"}
	md := at("/saml/metadata")
	// crewjam reads the time from a package variable; the platform has one
	// service provider, so it is set once here (tests use a fake clock).
	now := cfg.Now
	saml.TimeNow = func() time.Time { return now().UTC() }
	s.sp = saml.ServiceProvider{
		EntityID:          md.String(),
		Key:               cfg.Key,
		Certificate:       cfg.Certificate,
		MetadataURL:       at("/saml/metadata"),
		AcsURL:            at("/saml/acs"),
		SloURL:            at("/saml/slo"),
		IDPMetadata:       cfg.IDPMetadata,
		AuthnNameIDFormat: saml.TransientNameIDFormat,
		SignatureMethod:   dsig.RSASHA256SignatureMethod,
		LogoutBindings:    []string{saml.HTTPPostBinding},
		// Only assertions answering our own requests: an unsolicited
		// assertion could sign a person in without their action.
		AllowIDPInitiated:     false,
		MetadataValidDuration: 7 * 24 * time.Hour,
	}
	// crewjam accepts an assertion without any AudienceRestriction; an
	// assertion BundID issued for another service could then sign a person
	// in here. Every restriction must name us, and there must be one.
	s.sp.ValidateAudienceRestriction = func(a *saml.Assertion) error {
		if a.Conditions == nil || len(a.Conditions.AudienceRestrictions) == 0 {
			return errors.New("assertion has no AudienceRestriction")
		}
		for _, ar := range a.Conditions.AudienceRestrictions {
			if ar.Audience.Value != s.sp.EntityID {
				return fmt.Errorf("assertion AudienceRestriction does not name %q", s.sp.EntityID)
			}
		}
		return nil
	}
	return s, nil
}

// EntityID is the SP's SAML entity ID (its metadata URL).
func (s *SP) EntityID() string { return s.sp.EntityID }

// Metadata returns the SP metadata: signing and encryption certificate, ACS
// and SLO endpoints.
func (s *SP) Metadata() ([]byte, error) {
	md := s.sp.Metadata()
	md.SPSSODescriptors[0].AuthnRequestsSigned = boolPtr(true)
	md.SPSSODescriptors[0].WantAssertionsSigned = boolPtr(true)
	return xml.MarshalIndent(md, "", "  ")
}

func boolPtr(b bool) *bool { return &b }

// Start is a sign-in ready to be posted to the IdP.
type Start struct {
	RequestID   string
	Destination string // the IdP's SSO URL
	SAMLRequest string // base64
}

// BindingCookie names the cookie that binds a pending sign-in to the
// browser that started it.
const BindingCookie = "saml_binding"

// StartSignIn builds a signed AuthnRequest asking for at least level, with
// the akdb extension, records it as pending and binds it to the browser
// that asked (r, w): see bindingCookie.
func (s *SP) StartSignIn(w http.ResponseWriter, r *http.Request, level identity.Level, returnTo string) (*Start, error) {
	ctx := r.Context()
	dest := s.sp.GetSSOBindingLocation(saml.HTTPPostBinding)
	if dest == "" {
		return nil, errors.New("bundid: IdP metadata has no HTTP-POST SSO endpoint")
	}
	req, err := s.sp.MakeAuthenticationRequest(dest, saml.HTTPPostBinding, saml.HTTPPostBinding)
	if err != nil {
		return nil, err
	}
	secret := s.browserSecret(r)
	if secret == nil {
		secret = make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return nil, err
		}
	}
	if req.ID, err = boundRequestID(secret); err != nil {
		return nil, err
	}
	req.RequestedAuthnContext = &saml.RequestedAuthnContext{Comparison: "minimum", AuthnContextClassRef: level.ContextClassRef()}
	req.IssueInstant = s.cfg.Now().UTC()
	// crewjam has signed the request without our extension; drop that
	// signature and sign the complete request ourselves.
	req.Signature = nil
	el := req.Element()
	insertAfterIssuer(el, s.extension())
	signed, err := signWith(el, s.cfg.Key, s.cfg.Certificate)
	if err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	doc.SetRoot(signed)
	raw, err := doc.WriteToBytes()
	if err != nil {
		return nil, err
	}
	if err := s.store.SaveAuthnRequest(ctx, req.ID, level, returnTo, s.cfg.Now().Add(RequestLifetime)); err != nil {
		return nil, err
	}
	http.SetCookie(w, s.bindingCookie(secret))
	return &Start{RequestID: req.ID, Destination: dest, SAMLRequest: base64.StdEncoding.EncodeToString(raw)}, nil
}

// extension is BundID's akdb:AuthenticationRequest with the requested
// attributes.
func (s *SP) extension() *etree.Element {
	ext := etree.NewElement("samlp:Extensions")
	ar := ext.CreateElement("akdb:AuthenticationRequest")
	ar.CreateAttr("xmlns:akdb", AkdbNamespace)
	ar.CreateAttr("Version", "2")
	ras := ar.CreateElement("akdb:RequestedAttributes")
	for _, oid := range sortedKeys(s.cfg.Attributes) {
		ra := ras.CreateElement("akdb:RequestedAttribute")
		ra.CreateAttr("Name", oid)
		ra.CreateAttr("RequiredAttribute", fmt.Sprint(s.cfg.Attributes[oid]))
	}
	return ext
}

func insertAfterIssuer(el, child *etree.Element) {
	for _, c := range el.ChildElements() {
		if c.Tag == "Issuer" {
			el.InsertChildAt(c.Index()+1, child)
			return
		}
	}
	el.InsertChildAt(0, child)
}

// sign signs the request enveloped and moves the Signature right after the
// Issuer, where the SAML schema wants it.
func signWith(el *etree.Element, key *rsa.PrivateKey, cert *x509.Certificate) (*etree.Element, error) {
	ks := dsig.TLSCertKeyStore(tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key})
	ctx := dsig.NewDefaultSigningContext(ks)
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(dsig.RSASHA256SignatureMethod); err != nil {
		return nil, err
	}
	signed, err := ctx.SignEnveloped(el)
	if err != nil {
		return nil, err
	}
	// goxmldsig appends the signature to Child without telling etree (no
	// parent or index), so it is moved by hand, not with RemoveChild.
	sig := signed.Child[len(signed.Child)-1]
	rest := signed.Child[:len(signed.Child)-1]
	child := make([]etree.Token, 0, len(signed.Child))
	placed := false
	for _, tok := range rest {
		child = append(child, tok)
		if e, ok := tok.(*etree.Element); ok && e.Tag == "Issuer" && !placed {
			child = append(child, sig)
			placed = true
		}
	}
	if !placed {
		child = append([]etree.Token{sig}, child...)
	}
	signed.Child = child
	// Re-parse to give every token a consistent parent and index.
	doc := etree.NewDocument()
	doc.SetRoot(signed)
	raw, err := doc.WriteToBytes()
	if err != nil {
		return nil, err
	}
	clean := etree.NewDocument()
	if err := clean.ReadFromBytes(raw); err != nil {
		return nil, err
	}
	return clean.Root(), nil
}

// Result is a completed sign-in.
type Result struct {
	Identity *identity.Identity
	ReturnTo string
	// NameID and SessionIndex identify the IdP session for single logout.
	NameID, SessionIndex string
}

// FinishSignIn checks the posted response: well-formed, no DOCTYPE,
// answering a request this browser started, signed by the pinned IdP key
// (crewjam checks signature, destination, time bounds with
// saml.MaxClockSkew, issuer, InResponseTo; we require an audience naming us
// and bearer subject confirmation), then consumes the pending request,
// never seen before, at the level asked for.
func (s *SP) FinishSignIn(ctx context.Context, r *http.Request) (*Result, error) {
	encoded := r.PostFormValue("SAMLResponse")
	if encoded == "" {
		return nil, ErrNoResponse
	}
	if len(encoded) > MaxResponseBytes {
		return nil, ErrMalformed
	}
	raw, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return nil, ErrMalformed
	}
	if hasDoctype(raw) {
		return nil, ErrDoctype
	}
	inResponseTo, err := responseInResponseTo(raw)
	if err != nil {
		return nil, ErrMalformed
	}
	if err := onlyEncryptedAssertion(raw); err != nil {
		return nil, err
	}
	// Login CSRF: a response someone else's browser asked for (an
	// attacker's own, posted by the victim's browser) is refused.
	if !s.boundTo(r, inResponseTo) {
		return nil, fmt.Errorf("%w: sign-in was started in another browser", ErrUnknownRequest)
	}
	assertion, err := s.sp.ParseXMLResponse(raw, []string{inResponseTo}, s.sp.AcsURL)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrInvalid, reason(err))
	}
	// BundID signs every assertion; a signed response around an unsigned
	// assertion is not enough.
	if assertion.Signature == nil {
		return nil, fmt.Errorf("%w: assertion is not signed", ErrInvalid)
	}
	if err := bearerOnly(assertion); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	// The pending request is consumed only now that the response verified:
	// a forged response naming someone's request ID must not burn it.
	level, returnTo, ok, err := s.store.TakeAuthnRequest(ctx, inResponseTo)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrUnknownRequest
	}
	until := s.cfg.Now().Add(time.Hour)
	if assertion.Conditions != nil && !assertion.Conditions.NotOnOrAfter.IsZero() {
		until = assertion.Conditions.NotOnOrAfter.Add(saml.MaxClockSkew)
	}
	fresh, err := s.store.RememberAssertion(ctx, assertion.ID, until)
	if err != nil {
		return nil, err
	}
	if !fresh {
		return nil, ErrReplay
	}
	reached := identity.LevelNone
	for _, st := range assertion.AuthnStatements {
		if st.AuthnContext.AuthnContextClassRef != nil {
			if l, err := identity.ParseLevel(st.AuthnContext.AuthnContextClassRef.Value); err == nil && l > reached {
				reached = l
			}
		}
	}
	attrs := map[string]string{}
	for _, st := range assertion.AttributeStatements {
		for _, a := range st.Attributes {
			if len(a.Values) > 0 {
				attrs[a.Name] = a.Values[0].Value
			}
		}
	}
	id, err := identity.FromAttributes(attrs, reached, s.cfg.Now())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if !id.Satisfies(level) {
		return nil, ErrLevelTooLow
	}
	res := &Result{Identity: id, ReturnTo: returnTo}
	if assertion.Subject != nil && assertion.Subject.NameID != nil {
		res.NameID = assertion.Subject.NameID.Value
	}
	if len(assertion.AuthnStatements) > 0 {
		res.SessionIndex = assertion.AuthnStatements[0].SessionIndex
	}
	return res, nil
}

// reason extracts crewjam's private cause (InvalidResponseError hides it
// from Error()) for the log; it never contains personal data.
func reason(err error) string {
	var ire *saml.InvalidResponseError
	if errors.As(err, &ire) && ire.PrivateErr != nil {
		return ire.PrivateErr.Error()
	}
	return err.Error()
}

// onlyEncryptedAssertion: BundID encrypts every assertion. A response with
// a plain Assertion (or one beside the encrypted one, a wrapping attempt) is
// refused before any signature is looked at.
func onlyEncryptedAssertion(raw []byte) error {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil || doc.Root() == nil {
		return ErrMalformed
	}
	enc := 0
	for _, c := range doc.Root().ChildElements() {
		switch c.Tag {
		case "Assertion":
			return fmt.Errorf("%w: unencrypted assertion", ErrInvalid)
		case "EncryptedAssertion":
			enc++
		}
	}
	if enc != 1 {
		return fmt.Errorf("%w: want exactly one encrypted assertion, got %d", ErrInvalid, enc)
	}
	return nil
}

// hasDoctype refuses DTDs outright: SAML never needs them and they carry
// entity expansion attacks.
func hasDoctype(raw []byte) bool {
	up := bytes.ToUpper(raw)
	return bytes.Contains(up, []byte("<!DOCTYPE")) || bytes.Contains(up, []byte("<!ENTITY"))
}

// responseInResponseTo reads the InResponseTo attribute of the root
// Response element without trusting anything else yet.
func responseInResponseTo(raw []byte) (string, error) {
	d := xml.NewDecoder(bytes.NewReader(raw))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return "", errors.New("no root element")
		}
		if err != nil {
			return "", err
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != "Response" {
				return "", errors.New("root is not a Response")
			}
			for _, a := range se.Attr {
				if a.Name.Local == "InResponseTo" && a.Value != "" {
					return a.Value, nil
				}
			}
			return "", errors.New("response has no InResponseTo")
		}
	}
}

// Binding a sign-in to its browser (login CSRF, issue 16).
//
// The IdP posts the response to the ACS from its own site, so a cookie with
// SameSite=Lax or Strict would not arrive with it. The binding cookie is
// therefore SameSite=None; Secure when the platform runs on HTTPS; on plain
// HTTP (the embedded default on localhost, where the test IdP is the same
// site) browsers refuse SameSite=None without Secure, so it is Lax there.
// It is HttpOnly, lives as long as a pending request and is sent only to
// /saml/. It holds a random 32-byte secret per browser (kept across
// sign-ins, so two tabs can sign in at once); the request ID is a random
// nonce with HMAC-SHA256(secret, nonce), so the ID that comes back as
// InResponseTo proves which browser started the request without a database
// column and on any instance. An attacker's own response names an ID bound
// to the attacker's secret, which the victim's browser does not hold.

func (s *SP) bindingCookie(secret []byte) *http.Cookie {
	c := &http.Cookie{Name: BindingCookie, Value: base64.RawURLEncoding.EncodeToString(secret), Path: s.bindingPath,
		MaxAge: int(RequestLifetime / time.Second), HttpOnly: true, SameSite: http.SameSiteLaxMode}
	if s.bindingSecure {
		c.Secure, c.SameSite = true, http.SameSiteNoneMode
	}
	return c
}

// browserSecret is the binding secret the browser sent, or nil.
func (s *SP) browserSecret(r *http.Request) []byte {
	c, err := r.Cookie(BindingCookie)
	if err != nil {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(b) != 32 {
		return nil
	}
	return b
}

const requestIDPrefix = "id-"

func bindingMAC(secret, nonce []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("sozialplattform bundid authn request\x00"))
	m.Write(nonce)
	return m.Sum(nil)[:16]
}

// boundRequestID is "id-" + hex(nonce) + hex(mac): an NCName, as SAML IDs
// must be.
func boundRequestID(secret []byte) (string, error) {
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return requestIDPrefix + hex.EncodeToString(nonce) + hex.EncodeToString(bindingMAC(secret, nonce)), nil
}

// boundTo reports whether the browser that posted r started request id.
func (s *SP) boundTo(r *http.Request, id string) bool {
	secret := s.browserSecret(r)
	raw, err := hex.DecodeString(strings.TrimPrefix(id, requestIDPrefix))
	if secret == nil || !strings.HasPrefix(id, requestIDPrefix) || err != nil || len(raw) != 32 {
		return false
	}
	return hmac.Equal(raw[16:], bindingMAC(secret, raw[:16]))
}

// BearerMethod is the only SubjectConfirmation method of Web Browser SSO.
const BearerMethod = "urn:oasis:names:tc:SAML:2.0:cm:bearer"

// bearerOnly: the assertion must be confirmed as bearer (crewjam checks
// Recipient, InResponseTo and NotOnOrAfter of each confirmation but not its
// method, and checks nothing when there is none). Sender-vouches or
// holder-of-key mean the assertion was meant for another relationship.
func bearerOnly(a *saml.Assertion) error {
	if a.Subject == nil || len(a.Subject.SubjectConfirmations) == 0 {
		return errors.New("assertion has no SubjectConfirmation")
	}
	for _, sc := range a.Subject.SubjectConfirmations {
		if sc.Method != BearerMethod {
			return fmt.Errorf("SubjectConfirmation method %q is not bearer", sc.Method)
		}
		if sc.SubjectConfirmationData == nil {
			return errors.New("bearer SubjectConfirmation without SubjectConfirmationData")
		}
	}
	return nil
}
