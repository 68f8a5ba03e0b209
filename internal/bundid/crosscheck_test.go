package bundid_test

import (
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	saml2 "github.com/russellhaering/gosaml2"
	"github.com/russellhaering/gosaml2/types"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/sozialplattform/sozialplattform/internal/bundid"
	"github.com/sozialplattform/sozialplattform/internal/identity"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

// A second SAML implementation checks what the first produces, so the test
// IdP and our SP are not only tested against the library they share.

// crossRig is a rig whose keys the test knows.
type crossRig struct {
	*rig
	spKey   *rsa.PrivateKey
	spCert  *x509.Certificate
	idpCert *x509.Certificate
}

func newCrossRig(t *testing.T) *crossRig {
	t.Helper()
	idpKey, idpCert, _ := bundid.NewKeyPair("idp", time.Now())
	spKey, spCert, _ := bundid.NewKeyPair("sp", time.Now())
	r := newRigWithKeys(t, testenv.SQLite(t), idpKey, idpCert, spKey, spCert)
	return &crossRig{rig: r, spKey: spKey, spCert: spCert, idpCert: idpCert}
}

func TestGosaml2AcceptsTheTestIdPsAssertions(t *testing.T) {
	c := newCrossRig(t)
	form := c.signIn(t, identity.LevelHoch, "erika")
	other := &saml2.SAMLServiceProvider{
		IdentityProviderIssuer:      c.srv.URL + "/testidp/metadata",
		AssertionConsumerServiceURL: c.srv.URL + "/saml/acs",
		ServiceProviderIssuer:       c.sp.EntityID(),
		AudienceURI:                 c.sp.EntityID(),
		IDPCertificateStore:         &dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{c.idpCert}},
		SPKeyStore:                  dsig.TLSCertKeyStore(tls.Certificate{Certificate: [][]byte{c.spCert.Raw}, PrivateKey: c.spKey}),
	}
	info, err := other.RetrieveAssertionInfo(form.Get("SAMLResponse"))
	if err != nil {
		t.Fatalf("gosaml2 refuses the test IdP's response: %v", err)
	}
	if info.WarningInfo.NotInAudience || info.WarningInfo.InvalidTime {
		t.Fatalf("gosaml2 warnings: %+v", info.WarningInfo)
	}
	if v := info.Values.Get(identity.OIDbPK2); v != "bPK2-erika-0001" {
		t.Fatalf("bPK2 %q", v)
	}
	if info.AuthnInstant == nil {
		t.Error("no AuthnStatement")
	}
	// An impostor's signature fails there too.
	other.IDPCertificateStore = &dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{c.spCert}}
	if _, err := other.RetrieveAssertionInfo(form.Get("SAMLResponse")); err == nil {
		t.Fatal("gosaml2 accepted a signature from an untrusted key")
	}
}

func TestXmlsec1VerifiesRequestAndAssertion(t *testing.T) {
	xmlsec := testenv.LookPath(t, "xmlsec1")
	c := newCrossRig(t)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	certPEM := func(cert *x509.Certificate) []byte {
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
	}
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(xmlsec, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("xmlsec1 %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	// Our AuthnRequest's enveloped signature.
	_, samlRequest := c.start(t, c.browser, identity.LevelNiedrig)
	req, _ := base64.StdEncoding.DecodeString(samlRequest)
	run("--verify", "--pubkey-cert-pem", write("sp.pem", certPEM(c.spCert)),
		"--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:protocol:AuthnRequest", write("req.xml", req))

	// The test IdP's assertion: decrypt with the SP key, then verify.
	form := c.signIn(t, identity.LevelNiedrig, "max")
	resp, _ := base64.StdEncoding.DecodeString(form.Get("SAMLResponse"))
	keyDER, _ := x509.MarshalPKCS8PrivateKey(c.spKey)
	keyFile := write("sp.key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	run("--decrypt", "--privkey-pem", keyFile, "--output", filepath.Join(dir, "dec.xml"), write("resp.xml", resp))
	dec, err := os.ReadFile(filepath.Join(dir, "dec.xml"))
	if err != nil || !strings.Contains(string(dec), "bPK2-max-0002") {
		t.Fatalf("xmlsec1 did not decrypt the assertion: %v", err)
	}
	// The assertion's own signature, checked on the assertion alone (the
	// response around it was signed while the assertion was encrypted).
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(dec); err != nil {
		t.Fatal(err)
	}
	a := doc.FindElement("//Assertion")
	if a == nil {
		t.Fatal("no assertion after decryption")
	}
	alone := etree.NewDocument()
	alone.SetRoot(a.Copy())
	ab, _ := alone.WriteToBytes()
	run("--verify", "--pubkey-cert-pem", write("idp.pem", certPEM(c.idpCert)),
		"--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion", write("assertion.xml", ab))
}

// TestSPMetadataReadByGosaml2: our metadata, read with gosaml2's own types,
// announces what BundID needs: signed requests, signed assertions, a
// signing and an encryption certificate (ours), the ACS and SLO endpoints
// with the HTTP-POST binding.
func TestSPMetadataReadByGosaml2(t *testing.T) {
	c := newCrossRig(t)
	raw, err := c.sp.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	var md types.EntityDescriptor
	if err := xml.Unmarshal(raw, &md); err != nil {
		t.Fatal(err)
	}
	sd := md.SPSSODescriptor
	if md.EntityID != c.sp.EntityID() || sd == nil || !sd.AuthnRequestsSigned || !sd.WantAssertionsSigned {
		t.Fatalf("descriptor: %+v", md)
	}
	uses := map[string]bool{}
	for _, kd := range sd.KeyDescriptors {
		for _, cert := range kd.KeyInfo.X509Data.X509Certificates {
			der, _ := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(cert.Data), ""))
			if string(der) == string(c.spCert.Raw) {
				uses[kd.Use] = true
			}
		}
	}
	if !uses["signing"] || !uses["encryption"] {
		t.Fatalf("certificates by use: %v", uses)
	}
	post := "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
	acs := false
	for _, e := range sd.AssertionConsumerServices {
		acs = acs || (e.Binding == post && e.Location == c.srv.URL+"/saml/acs")
	}
	slo := false
	for _, e := range sd.SingleLogoutServices {
		slo = slo || (e.Binding == post && e.Location == c.srv.URL+"/saml/slo")
	}
	if !acs || !slo {
		t.Fatalf("endpoints: acs %v slo %v", acs, slo)
	}
}
