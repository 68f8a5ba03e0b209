package main

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/crewjam/saml"

	"github.com/sozialplattform/sozialplattform/internal/bundid"
	"github.com/sozialplattform/sozialplattform/internal/bundid/testidp"
	"github.com/sozialplattform/sozialplattform/internal/identity"
)

// requestedAttributes are asked for in every AuthnRequest; only the bPK2 is
// required, the rest fill forms after the person's consent.
var requestedAttributes = map[string]bool{
	identity.OIDbPK2: true, identity.OIDTrustLevel: true, identity.OIDAuthMethod: false,
	identity.OIDGivenName: false, identity.OIDSurname: false, identity.OIDBirthName: false, identity.OIDBirthDate: false,
	identity.OIDPlaceOfBirth: false, identity.OIDNationality: false, identity.OIDStreet: false, identity.OIDPostcode: false,
	identity.OIDLocality: false, identity.OIDCountry: false, identity.OIDMail: false, identity.OIDPostkorb: false,
}

// wireBundID builds the service provider and, where enabled, the test IdP.
// Keys of the embedded default live in the database (shared by instances);
// production reads them from files.
func (m *Main) wireBundID(ctx context.Context) (*bundid.SP, *testidp.IdP, string, error) {
	cfg := m.Config
	pemSetting := func(name string) (string, error) {
		return m.DB.SettingOrInit(ctx, "pem:"+name, func() (string, error) {
			k, c, err := bundid.NewKeyPair("sozialplattform "+name, time.Now())
			if err != nil {
				return "", err
			}
			return string(bundid.EncodePEM(k, c)), nil
		})
	}
	var spPEM []byte
	if cfg.BundIDKeyFile != "" {
		b, err := os.ReadFile(cfg.BundIDKeyFile)
		if err != nil {
			return nil, nil, "", err
		}
		spPEM = b
	} else if cfg.TestIdPEnabled() {
		s, err := pemSetting("saml-sp")
		if err != nil {
			return nil, nil, "", err
		}
		spPEM = []byte(s)
	}
	var idp *testidp.IdP
	var mdRaw []byte
	origin := ""
	switch {
	case cfg.TestIdPEnabled():
		s, err := pemSetting("testidp")
		if err != nil {
			return nil, nil, "", err
		}
		k, c, err := bundid.DecodePEM([]byte(s))
		if err != nil {
			return nil, nil, "", err
		}
		if idp, err = testidp.New(cfg.BaseURL, "/testidp", k, c); err != nil {
			return nil, nil, "", err
		}
		if mdRaw, err = idp.Metadata(); err != nil {
			return nil, nil, "", err
		}
	case cfg.BundIDMetadata != "":
		var err error
		if mdRaw, err = readMetadata(ctx, cfg.BundIDMetadata); err != nil {
			return nil, nil, "", err
		}
	default:
		return nil, nil, "", nil // no sign-in configured: the page says so
	}
	if spPEM == nil {
		return nil, nil, "", fmt.Errorf("--bundid-sp-key is required with --bundid-idp-metadata")
	}
	key, cert, err := bundid.DecodePEM(spPEM)
	if err != nil {
		return nil, nil, "", err
	}
	var md saml.EntityDescriptor
	if err := xml.Unmarshal(mdRaw, &md); err != nil {
		return nil, nil, "", fmt.Errorf("IdP metadata: %w", err)
	}
	sp, err := bundid.New(bundid.Config{BaseURL: cfg.BaseURL, Key: key, Certificate: cert, IDPMetadata: &md,
		Attributes: requestedAttributes, Now: m.DB.Now}, m.DB)
	if err != nil {
		return nil, nil, "", err
	}
	if idp != nil {
		spMD, err := sp.Metadata()
		if err != nil {
			return nil, nil, "", err
		}
		if err := idp.SetServiceProvider(spMD); err != nil {
			return nil, nil, "", err
		}
	} else if len(md.IDPSSODescriptors) > 0 {
		for _, ep := range md.IDPSSODescriptors[0].SingleSignOnServices {
			if u, err := url.Parse(ep.Location); err == nil && ep.Binding == saml.HTTPPostBinding {
				origin = u.Scheme + "://" + u.Host
			}
		}
	}
	return sp, idp, origin, nil
}

func readMetadata(ctx context.Context, src string) ([]byte, error) {
	return readMetadataWith(ctx, src, &http.Client{Timeout: 20 * time.Second})
}

// readMetadataWith reads IdP metadata from a file or, with c, an https URL.
func readMetadataWith(ctx context.Context, src string, c *http.Client) ([]byte, error) {
	if !strings.HasPrefix(src, "https://") {
		return os.ReadFile(src)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("IdP metadata: %s", resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
}
