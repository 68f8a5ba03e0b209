// Package config reads the platform's configuration from flags and SOZ_*
// environment variables, validates it once and hands it out as a value.
// Secrets (passwords, tokens) come only from the environment, never from flags,
// so they do not show up in process lists.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
)

// Config is the validated configuration.
type Config struct {
	Mode          string // dev or production
	Addr          string
	DataDir       string
	DatabaseURL   string
	BaseURL       string
	OperatorEmail string
	Workers       bool

	SMTPHost     string
	SMTPPort     int
	SMTPUser     string
	SMTPPassword string
	SMTPFrom     string
	SMTPTLS      string

	MetricsToken string
	LogLevel     string

	// BundIDMetadata is the IdP metadata (file or URL); BundIDKeyFile the
	// SP's key and certificate. TestIdP is auto, on or off.
	BundIDMetadata string
	BundIDKeyFile  string
	TestIdP        string

	// Clamd is the virus scanner for uploads (tcp://host:port or
	// unix:///path); UploadDir holds the encrypted files (default: the data
	// folder); UploadKey (hex, 32 bytes, only from the environment) is the
	// master key of the encryption at rest.
	Clamd     string
	UploadDir string
	UploadKey string
}

// TestIdPEnabled: the built-in test identity provider runs (dev by default;
// production only when asked for explicitly).
func (c Config) TestIdPEnabled() bool {
	switch c.TestIdP {
	case "on", "true":
		return true
	case "off", "false":
		return false
	}
	return !c.Production()
}

// Production reports whether the platform runs in production mode.
func (c Config) Production() bool { return c.Mode == "production" }

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// Flags registers the serve flags on fs, with defaults from the environment.
func Flags(fs *flag.FlagSet) *Config {
	c := &Config{}
	fs.StringVar(&c.Mode, "mode", env("SOZ_MODE", "dev"), "dev (embedded default: demo data, mail catcher) or production (env SOZ_MODE)")
	fs.StringVar(&c.Addr, "addr", env("SOZ_ADDR", "localhost:8080"), "address to listen on (env SOZ_ADDR)")
	fs.StringVar(&c.DataDir, "data", env("SOZ_DATA", "data"), "folder for the SQLite database and files (env SOZ_DATA)")
	fs.StringVar(&c.DatabaseURL, "database", env("SOZ_DATABASE_URL", os.Getenv("DATABASE_URL")), "postgres://… URL; empty uses SQLite in the data folder (env SOZ_DATABASE_URL)")
	fs.StringVar(&c.BaseURL, "base-url", env("SOZ_BASE_URL", ""), "public URL of the platform, for links in mails (env SOZ_BASE_URL)")
	fs.StringVar(&c.OperatorEmail, "operator-email", env("SOZ_OPERATOR_EMAIL", ""), "address that receives barrier reports (env SOZ_OPERATOR_EMAIL)")
	fs.BoolVar(&c.Workers, "workers", env("SOZ_WORKERS", "true") == "true", "run background jobs in this instance (env SOZ_WORKERS)")
	fs.StringVar(&c.SMTPHost, "smtp-host", env("SOZ_SMTP_HOST", ""), "SMTP server (env SOZ_SMTP_HOST); password only via SOZ_SMTP_PASSWORD")
	port, _ := strconv.Atoi(env("SOZ_SMTP_PORT", "587"))
	fs.IntVar(&c.SMTPPort, "smtp-port", port, "SMTP port (env SOZ_SMTP_PORT)")
	fs.StringVar(&c.SMTPUser, "smtp-user", env("SOZ_SMTP_USER", ""), "SMTP user name (env SOZ_SMTP_USER)")
	fs.StringVar(&c.SMTPFrom, "smtp-from", env("SOZ_SMTP_FROM", "Sozialplattform <noreply@sozialplattform.invalid>"), "sender address (env SOZ_SMTP_FROM)")
	fs.StringVar(&c.SMTPTLS, "smtp-tls", env("SOZ_SMTP_TLS", "starttls"), "starttls, tls or none (env SOZ_SMTP_TLS)")
	fs.StringVar(&c.LogLevel, "log-level", env("SOZ_LOG_LEVEL", "info"), "debug, info, warn or error (env SOZ_LOG_LEVEL)")
	fs.StringVar(&c.BundIDMetadata, "bundid-idp-metadata", env("SOZ_BUNDID_IDP_METADATA", ""), "BundID IdP metadata: a file or an https URL; its signing certificate is pinned (env SOZ_BUNDID_IDP_METADATA)")
	fs.StringVar(&c.BundIDKeyFile, "bundid-sp-key", env("SOZ_BUNDID_SP_KEY", ""), "PEM file with the service provider's private key and certificate (env SOZ_BUNDID_SP_KEY)")
	fs.StringVar(&c.TestIdP, "test-idp", env("SOZ_TEST_IDP", "auto"), "built-in test identity provider instead of BundID: auto (on in dev, off in production), on or off (env SOZ_TEST_IDP)")
	fs.StringVar(&c.Clamd, "clamd", env("SOZ_CLAMD", ""), "ClamAV daemon that scans uploads: tcp://host:3310 or unix:///run/clamav/clamd.ctl; required in production (env SOZ_CLAMD)")
	fs.StringVar(&c.UploadDir, "upload-dir", env("SOZ_UPLOAD_DIR", ""), "folder for uploaded files, stored encrypted (default: uploads in the data folder; env SOZ_UPLOAD_DIR)")
	c.UploadKey = os.Getenv("SOZ_UPLOAD_KEY")
	c.SMTPPassword = os.Getenv("SOZ_SMTP_PASSWORD")
	c.MetricsToken = os.Getenv("SOZ_METRICS_TOKEN")
	return c
}

// Validate checks the configuration and fills in derived defaults.
func (c *Config) Validate() error {
	var errs []error
	if c.Mode != "dev" && c.Mode != "production" {
		errs = append(errs, fmt.Errorf("--mode must be dev or production, not %q", c.Mode))
	}
	if c.BaseURL == "" {
		host := c.Addr
		if strings.HasPrefix(host, ":") {
			host = "localhost" + host
		}
		c.BaseURL = "http://" + host
	}
	if u, err := url.Parse(c.BaseURL); err != nil || u.Host == "" {
		errs = append(errs, fmt.Errorf("--base-url %q is not an absolute URL", c.BaseURL))
	}
	switch c.TestIdP {
	case "", "auto", "on", "off", "true", "false":
	default:
		errs = append(errs, fmt.Errorf("--test-idp must be auto, on or off, not %q", c.TestIdP))
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		errs = append(errs, errors.New("--database must be a postgres:// URL (leave it empty for SQLite)"))
	}
	switch c.SMTPTLS {
	case "starttls", "tls", "none":
	default:
		errs = append(errs, fmt.Errorf("--smtp-tls must be starttls, tls or none, not %q", c.SMTPTLS))
	}
	if c.Production() {
		if c.SMTPHost == "" {
			errs = append(errs, errors.New("production needs an SMTP server (--smtp-host)"))
		}
		if !strings.HasPrefix(c.BaseURL, "https://") {
			errs = append(errs, errors.New("production needs an https:// --base-url"))
		}
		if c.SMTPTLS == "none" {
			errs = append(errs, errors.New("production does not send mail without TLS"))
		}
		if c.Clamd == "" {
			errs = append(errs, errors.New("production needs a virus scanner for uploads (--clamd)"))
		}
		if len(c.UploadKey) != 64 {
			errs = append(errs, errors.New("production needs the uploads' encryption key: 64 hex digits in SOZ_UPLOAD_KEY"))
		}
	}
	return errors.Join(errs...)
}
