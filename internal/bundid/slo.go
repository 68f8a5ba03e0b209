package bundid

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/sozialplattform/sozialplattform/internal/identity"
)

// Single logout (HTTP-POST binding), both ways: the platform asks the IdP to
// end the person's BundID session when they sign out here, and the IdP asks
// the platform to end its sessions when the person signs out elsewhere.

// logoutMarker marks a pending request in the request table as a logout.
const logoutMarker = "logout"

// ErrNoSLO: the IdP offers no single logout endpoint.
var ErrNoSLO = errors.New("bundid: IdP has no HTTP-POST single logout endpoint")

// NameIDKey is how a BundID session is found again at logout without
// storing the NameID in clear.
func NameIDKey(nameID string) string {
	sum := sha256.Sum256([]byte("nameid:" + nameID))
	return hex.EncodeToString(sum[:])
}

// StartLogout builds a signed LogoutRequest for the person's IdP session.
func (s *SP) StartLogout(ctx context.Context, nameID, sessionIndex string) (*Start, error) {
	dest := s.sp.GetSLOBindingLocation(saml.HTTPPostBinding)
	if dest == "" {
		return nil, ErrNoSLO
	}
	req, err := s.sp.MakeLogoutRequest(dest, nameID)
	if err != nil {
		return nil, err
	}
	if sessionIndex != "" {
		req.SessionIndex = &saml.SessionIndex{Value: sessionIndex}
	}
	req.Signature = nil
	signed, err := SignElement(req.Element(), s.cfg.Key, s.cfg.Certificate)
	if err != nil {
		return nil, err
	}
	raw, err := toBytes(signed)
	if err != nil {
		return nil, err
	}
	if err := s.store.SaveAuthnRequest(ctx, req.ID, identity.LevelNone, logoutMarker, s.cfg.Now().Add(RequestLifetime)); err != nil {
		return nil, err
	}
	return &Start{RequestID: req.ID, Destination: dest, SAMLRequest: base64.StdEncoding.EncodeToString(raw)}, nil
}

// FinishLogout checks the IdP's LogoutResponse to our request: signed by the
// pinned key, answering a pending logout, status success.
func (s *SP) FinishLogout(ctx context.Context, r *http.Request) error {
	el, err := s.verifiedPost(r, "SAMLResponse", "LogoutResponse")
	if err != nil {
		return err
	}
	_, marker, ok, err := s.store.TakeAuthnRequest(ctx, el.SelectAttrValue("InResponseTo", ""))
	if err != nil {
		return err
	}
	if !ok || marker != logoutMarker {
		return ErrUnknownRequest
	}
	code := el.FindElement("./Status/StatusCode")
	if code == nil || code.SelectAttrValue("Value", "") != saml.StatusSuccess {
		return fmt.Errorf("%w: logout not successful", ErrInvalid)
	}
	return nil
}

// LogoutAnswer is what the platform sends back to an IdP-initiated logout.
type LogoutAnswer struct {
	NameIDKey    string // whose sessions to end
	Destination  string
	SAMLResponse string // base64, signed
}

// HandleLogoutRequest checks an IdP-initiated LogoutRequest (signed by the
// pinned key, not expired) and prepares the signed LogoutResponse.
func (s *SP) HandleLogoutRequest(ctx context.Context, r *http.Request) (*LogoutAnswer, error) {
	el, err := s.verifiedPost(r, "SAMLRequest", "LogoutRequest")
	if err != nil {
		return nil, err
	}
	if na := el.SelectAttrValue("NotOnOrAfter", ""); na != "" {
		t, err := time.Parse(time.RFC3339, na)
		if err != nil || s.cfg.Now().After(t.Add(saml.MaxClockSkew)) {
			return nil, fmt.Errorf("%w: logout request expired", ErrInvalid)
		}
	}
	nameID := el.FindElement("./NameID")
	id := el.SelectAttrValue("ID", "")
	if nameID == nil || nameID.Text() == "" || id == "" {
		return nil, ErrMalformed
	}
	fresh, err := s.store.RememberAssertion(ctx, "logout:"+id, s.cfg.Now().Add(time.Hour))
	if err != nil {
		return nil, err
	}
	if !fresh {
		return nil, ErrReplay
	}
	dest := s.sp.GetSLOBindingLocation(saml.HTTPPostBinding)
	if dest == "" {
		return nil, ErrNoSLO
	}
	resp, err := s.sp.MakeLogoutResponse(dest, id)
	if err != nil {
		return nil, err
	}
	resp.Signature = nil
	signed, err := SignElement(resp.Element(), s.cfg.Key, s.cfg.Certificate)
	if err != nil {
		return nil, err
	}
	raw, err := toBytes(signed)
	if err != nil {
		return nil, err
	}
	return &LogoutAnswer{NameIDKey: NameIDKey(strings.TrimSpace(nameID.Text())), Destination: dest,
		SAMLResponse: base64.StdEncoding.EncodeToString(raw)}, nil
}

// verifiedPost decodes a posted SAML message, refuses DTDs and checks its
// enveloped signature against the IdP's pinned certificates; it returns the
// signed element.
func (s *SP) verifiedPost(r *http.Request, field, root string) (*etree.Element, error) {
	encoded := r.PostFormValue(field)
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
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil || doc.Root() == nil || doc.Root().Tag != root {
		return nil, ErrMalformed
	}
	var certs []*x509.Certificate
	for _, d := range s.cfg.IDPMetadata.IDPSSODescriptors {
		for _, kd := range d.KeyDescriptors {
			if kd.Use != "" && kd.Use != "signing" {
				continue
			}
			for _, c := range kd.KeyInfo.X509Data.X509Certificates {
				der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(c.Data), ""))
				if err != nil {
					continue
				}
				if cert, err := x509.ParseCertificate(der); err == nil {
					certs = append(certs, cert)
				}
			}
		}
	}
	vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: certs})
	vc.Clock = dsig.NewFakeClockAt(s.cfg.Now())
	signed, err := vc.Validate(doc.Root())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if issuer := signed.FindElement("./Issuer"); issuer == nil || strings.TrimSpace(issuer.Text()) != s.cfg.IDPMetadata.EntityID {
		return nil, fmt.Errorf("%w: wrong issuer", ErrInvalid)
	}
	return signed, nil
}

// SignElement signs a SAML protocol element enveloped (RSA-SHA256,
// exclusive C14N) and puts the Signature right after the Issuer.
func SignElement(el *etree.Element, key *rsa.PrivateKey, cert *x509.Certificate) (*etree.Element, error) {
	return signWith(el, key, cert)
}

func toBytes(el *etree.Element) ([]byte, error) {
	doc := etree.NewDocument()
	doc.SetRoot(el)
	return doc.WriteToBytes()
}
