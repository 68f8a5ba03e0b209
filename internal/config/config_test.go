package config

import (
	"strings"
	"testing"
)

// TestProductionNeedsAScannerAndAnUploadKey: uploads are never accepted
// unscanned or unencrypted-by-default in production; the binary says what
// is missing instead of starting.
func TestProductionNeedsAScannerAndAnUploadKey(t *testing.T) {
	c := Config{Mode: "production", Addr: "127.0.0.1:8080", BaseURL: "https://sozialplattform.example", SMTPHost: "smtp.example",
		SMTPTLS: "starttls", TestIdP: "auto"}
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "--clamd") || !strings.Contains(err.Error(), "SOZ_UPLOAD_KEY") {
		t.Fatalf("production without scanner and key: %v", err)
	}
	c.Clamd, c.UploadKey = "tcp://127.0.0.1:3310", strings.Repeat("ab", 32)
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "delivery service") {
		t.Fatalf("production without a transport: %v", err)
	}
	c.FITConnectSubmissionURL, c.FITConnectTokenURL, c.FITConnectAPI = "https://submission.example", "https://auth.example/token", "v2"
	c.FITConnectClientID, c.FITConnectClientSecret, c.FITConnectRoots = "id", "secret", "/etc/doi-ca.pem"
	if err := c.Validate(); err != nil {
		t.Fatalf("complete production configuration: %v", err)
	}
	dev := Config{Mode: "dev", Addr: "127.0.0.1:8080", SMTPTLS: "starttls", TestIdP: "auto"}
	if err := dev.Validate(); err != nil {
		t.Fatalf("the embedded default needs neither: %v", err)
	}
}

// TestTransportSettings: a transport that is half configured says what is
// missing; production takes only https.
func TestTransportSettings(t *testing.T) {
	c := Config{Mode: "dev", Addr: "127.0.0.1:8080", SMTPTLS: "starttls", TestIdP: "auto", FITConnectAPI: "v3",
		FITConnectSubmissionURL: "ftp://x", XTASendURL: "https://xta.example/send", XTAAuthor: "nocolon"}
	err := c.Validate()
	for _, want := range []string{"--fitconnect-submission-url", "--fitconnect-token-url", "SOZ_FITCONNECT_CLIENT_SECRET",
		"--fitconnect-roots", "--fitconnect-api", "--xta-management-url", "--xta-key", "--xta-directory", "--xta-author"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %s in: %v", want, err)
		}
	}
	c = Config{Mode: "dev", Addr: "127.0.0.1:8080", SMTPTLS: "starttls", TestIdP: "auto", PostkorbDestination: "x"}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "without --fitconnect-submission-url") {
		t.Errorf("postkorb alone: %v", err)
	}
}

// TestTrustedProxies: addresses and prefixes are read, anything else is
// refused with the flag's name.
func TestTrustedProxies(t *testing.T) {
	c := Config{Mode: "dev", Addr: "localhost:8080", SMTPTLS: "starttls", TrustedProxies: " 10.0.0.0/8, 192.0.2.7,2001:db8::/32 "}
	if err := c.Validate(); err != nil || len(c.Proxies) != 3 || c.Proxies[1].String() != "192.0.2.7/32" {
		t.Fatalf("%v %v", c.Proxies, err)
	}
	c.TrustedProxies = "10.0.0.0/8, lb.example.org"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "--trusted-proxies") {
		t.Fatalf("a host name: %v", err)
	}
}
