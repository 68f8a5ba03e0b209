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
	if err := c.Validate(); err != nil {
		t.Fatalf("complete production configuration: %v", err)
	}
	dev := Config{Mode: "dev", Addr: "127.0.0.1:8080", SMTPTLS: "starttls", TestIdP: "auto"}
	if err := dev.Validate(); err != nil {
		t.Fatalf("the embedded default needs neither: %v", err)
	}
}
