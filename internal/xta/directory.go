package xta

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/url"
	"strings"
)

// Directory replaces the DVDV: organisation key and service → the reader's
// identifier, its XTA/intermediary endpoint and its certificate. An entry
// with an empty Service stands for every service of that organisation.
//
// The client needs only Endpoint.Reader; the URLs and the certificate are
// what a DVDV answer carries and what the XTA server (which speaks OSCI to
// the intermediary and encrypts to the reader) would be configured with.
type Directory map[DirectoryKey]Endpoint

// DirectoryKey is an organisation key (e.g. "wgb010540880000") and a
// service.
type DirectoryKey struct{ Organisation, Service string }

// Endpoint is one directory entry.
type Endpoint struct {
	Reader                 Identifier
	ManagementURL, SendURL string
	Certificate            *x509.Certificate
}

// Lookup finds the entry for organisation and service, falling back to the
// organisation's entry for every service.
func (d Directory) Lookup(organisation, service string) (Endpoint, error) {
	if e, ok := d[DirectoryKey{organisation, service}]; ok {
		return e, nil
	}
	if e, ok := d[DirectoryKey{organisation, ""}]; ok {
		return e, nil
	}
	return Endpoint{}, fmt.Errorf("%w: %q, %q", ErrNotInDirectory, organisation, service)
}

// directoryEntry is one entry of the JSON form.
type directoryEntry struct {
	Organisation  string `json:"organisation"`
	Service       string `json:"service,omitempty"`
	Reader        struct{ Category, Value, Name string }
	ManagementURL string `json:"managementURL,omitempty"`
	SendURL       string `json:"sendURL,omitempty"`
	Certificate   string `json:"certificate,omitempty"` // PEM
}

// ParseDirectory reads the JSON form of a directory: an array of
//
//	{"organisation": "wgb010540880000", "service": "urn:…",
//	 "reader": {"category": "dvdv", "value": "wgb010540880000", "name": "Jobcenter …"},
//	 "managementURL": "https://…", "sendURL": "https://…",
//	 "certificate": "-----BEGIN CERTIFICATE-----…"}
//
// A reader without a value is the organisation key. Duplicate keys,
// non-https URLs and certificates that do not parse are refused.
func ParseDirectory(data []byte) (Directory, error) {
	var entries []directoryEntry
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&entries); err != nil {
		return nil, fmt.Errorf("xta directory: %w", err)
	}
	d := Directory{}
	for i, e := range entries {
		bad := func(format string, a ...any) error {
			return fmt.Errorf("xta directory: entry %d (%q): %s", i, e.Organisation, fmt.Sprintf(format, a...))
		}
		key := DirectoryKey{strings.TrimSpace(e.Organisation), strings.TrimSpace(e.Service)}
		if key.Organisation == "" {
			return nil, bad("no organisation")
		}
		if _, dup := d[key]; dup {
			return nil, bad("duplicate for service %q", key.Service)
		}
		ep := Endpoint{Reader: Identifier(e.Reader), ManagementURL: e.ManagementURL, SendURL: e.SendURL}
		if ep.Reader.Value == "" {
			ep.Reader.Value = key.Organisation
		}
		if err := ep.Reader.check("reader"); err != nil {
			return nil, bad("%v", err)
		}
		for _, u := range []string{e.ManagementURL, e.SendURL} {
			if u == "" {
				continue
			}
			if p, err := url.Parse(u); err != nil || p.Scheme != "https" || p.Host == "" {
				return nil, bad("URL %q is not https", u)
			}
		}
		if e.Certificate != "" {
			block, rest := pem.Decode([]byte(e.Certificate))
			if block == nil || block.Type != "CERTIFICATE" || strings.TrimSpace(string(rest)) != "" {
				return nil, bad("certificate is not one PEM CERTIFICATE")
			}
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, bad("certificate: %v", err)
			}
			ep.Certificate = cert
		}
		d[key] = ep
	}
	return d, nil
}
