package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/bundid"
	"github.com/sozialplattform/sozialplattform/internal/bundid/testidp"
)

// TestBundIDFromMetadataFileAndURL: the production wiring — IdP metadata
// from a file or an https URL, the SP key from a PEM file, no test IdP —
// builds a service provider whose sign-in posts to that IdP, and the CSP
// allows the form to go there.
func TestBundIDFromMetadataFileAndURL(t *testing.T) {
	dir := t.TempDir()
	idpKey, idpCert, _ := bundid.NewKeyPair("external-idp", time.Now())
	idp, err := testidp.New("https://idp.example", "/bundid", idpKey, idpCert)
	if err != nil {
		t.Fatal(err)
	}
	md, _ := idp.Metadata()
	mdFile := filepath.Join(dir, "idp.xml")
	os.WriteFile(mdFile, md, 0o600)
	spKey, spCert, _ := bundid.NewKeyPair("sp", time.Now())
	keyFile := filepath.Join(dir, "sp.pem")
	os.WriteFile(keyFile, bundid.EncodePEM(spKey, spCert), 0o600)

	cfg := testConfig(t)
	cfg.TestIdP, cfg.BundIDMetadata, cfg.BundIDKeyFile = "off", mdFile, keyFile
	in := start(t, cfg)
	if in.TestIdP != nil {
		t.Fatal("test IdP runs although switched off")
	}
	b := newBrowser(t, in.base)
	p := b.get("/de/anmelden")
	if strings.Contains(p.body, "Test-Anmeldedienst") {
		t.Error("test IdP banner without the test IdP")
	}
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' https://idp.example") {
		t.Errorf("CSP does not allow posting to the IdP: %s", csp)
	}
	form := hiddenFields(p.body)
	form.Set("niveau", "niedrig")
	p = b.post("/de/anmelden", form)
	if !strings.Contains(p.body, `action="https://idp.example/bundid/sso"`) {
		t.Fatalf("sign-in does not go to the configured IdP: %s", p.body)
	}
	if p := b.get("/saml/metadata"); p.status != 200 || !strings.Contains(p.body, "MIIC") {
		t.Fatalf("metadata: %d", p.status)
	}

	// The same metadata from an https URL.
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(md) }))
	defer srv.Close()
	got, err := readMetadataWith(t.Context(), srv.URL+"/metadata.xml", srv.Client())
	if err != nil || string(got) != string(md) {
		t.Fatalf("metadata by URL: %v", err)
	}
}
