// Package config reads the platform's configuration from flags and SOZ_*
// environment variables, validates it once and hands it out as a value.
// Secrets (passwords, tokens) come only from the environment, never from flags,
// so they do not show up in process lists.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
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

	// TrustedProxies are the load balancers in front of the instances
	// (addresses or prefixes, comma-separated): their X-Forwarded-For
	// names the client for rate limits and sign-in throttling. Proxies is
	// the parsed list, filled in by Validate.
	TrustedProxies string
	Proxies        []netip.Prefix

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

	// FIT-Connect: the delivery service the platform sends applications
	// to. Empty in the embedded default, which runs a local stand-in.
	// FITConnectRoots is a PEM file of the roots that destination keys must
	// chain to (the DOI-CA in production). PostkorbDestination is the
	// destination of BundID's mailbox, to which signed-in people's PDFs go.
	FITConnectTokenURL      string
	FITConnectSubmissionURL string
	FITConnectRoutingURL    string
	FITConnectRoutingKeys   string
	FITConnectAPI           string
	FITConnectClientID      string
	FITConnectClientSecret  string
	FITConnectRoots         string
	PostkorbDestination     string

	// XTA 2: the platform's XTA server (mutual TLS with XTAKeyFile, a PEM
	// file with our certificate and key; XTARoots the CAs of the server's
	// certificate), our identity as author ("category:value") and the
	// table that replaces the DVDV (XTADirectory, JSON).
	XTAManagementURL string
	XTASendURL       string
	XTAKeyFile       string
	XTARoots         string
	XTAAuthor        string
	XTADirectory     string
}

// FITConnect reports whether a FIT-Connect service is configured.
func (c Config) FITConnect() bool { return c.FITConnectSubmissionURL != "" }

// XTA reports whether an XTA server is configured.
func (c Config) XTA() bool { return c.XTASendURL != "" }

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
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", env("SOZ_TRUSTED_PROXIES", ""), "load balancers whose X-Forwarded-For names the client, addresses or prefixes, comma-separated, e.g. 10.0.0.0/8; loopback is always trusted (env SOZ_TRUSTED_PROXIES)")
	fs.StringVar(&c.LogLevel, "log-level", env("SOZ_LOG_LEVEL", "info"), "debug, info, warn or error (env SOZ_LOG_LEVEL)")
	fs.StringVar(&c.BundIDMetadata, "bundid-idp-metadata", env("SOZ_BUNDID_IDP_METADATA", ""), "BundID IdP metadata: a file or an https URL; its signing certificate is pinned (env SOZ_BUNDID_IDP_METADATA)")
	fs.StringVar(&c.BundIDKeyFile, "bundid-sp-key", env("SOZ_BUNDID_SP_KEY", ""), "PEM file with the service provider's private key and certificate (env SOZ_BUNDID_SP_KEY)")
	fs.StringVar(&c.TestIdP, "test-idp", env("SOZ_TEST_IDP", "auto"), "built-in test identity provider instead of BundID: auto (on in dev, off in production), on or off (env SOZ_TEST_IDP)")
	fs.StringVar(&c.Clamd, "clamd", env("SOZ_CLAMD", ""), "ClamAV daemon that scans uploads: tcp://host:3310 or unix:///run/clamav/clamd.ctl; required in production (env SOZ_CLAMD)")
	fs.StringVar(&c.UploadDir, "upload-dir", env("SOZ_UPLOAD_DIR", ""), "folder for uploaded files, stored encrypted (default: uploads in the data folder; env SOZ_UPLOAD_DIR)")
	fs.StringVar(&c.FITConnectTokenURL, "fitconnect-token-url", env("SOZ_FITCONNECT_TOKEN_URL", ""), "FIT-Connect OAuth token endpoint (env SOZ_FITCONNECT_TOKEN_URL)")
	fs.StringVar(&c.FITConnectSubmissionURL, "fitconnect-submission-url", env("SOZ_FITCONNECT_SUBMISSION_URL", ""), "FIT-Connect Submission API without version; empty: the local stand-in in dev (env SOZ_FITCONNECT_SUBMISSION_URL)")
	fs.StringVar(&c.FITConnectRoutingURL, "fitconnect-routing-url", env("SOZ_FITCONNECT_ROUTING_URL", ""), "FIT-Connect Routing API with version, asked before the office data (env SOZ_FITCONNECT_ROUTING_URL)")
	fs.StringVar(&c.FITConnectRoutingKeys, "fitconnect-routing-keys", env("SOZ_FITCONNECT_ROUTING_KEYS", ""), "JWKS URL of the keys that sign routing answers (env SOZ_FITCONNECT_ROUTING_KEYS)")
	fs.StringVar(&c.FITConnectAPI, "fitconnect-api", env("SOZ_FITCONNECT_API", "v2"), "Submission API version: v2 or v1 (env SOZ_FITCONNECT_API)")
	fs.StringVar(&c.FITConnectClientID, "fitconnect-client-id", env("SOZ_FITCONNECT_CLIENT_ID", ""), "FIT-Connect client id; the secret only via SOZ_FITCONNECT_CLIENT_SECRET (env SOZ_FITCONNECT_CLIENT_ID)")
	fs.StringVar(&c.FITConnectRoots, "fitconnect-roots", env("SOZ_FITCONNECT_ROOTS", ""), "PEM file with the roots destination keys must chain to, the DOI-CA in production (env SOZ_FITCONNECT_ROOTS)")
	fs.StringVar(&c.PostkorbDestination, "postkorb-destination", env("SOZ_POSTKORB_DESTINATION", ""), "FIT-Connect destination of the BundID Postkorb (env SOZ_POSTKORB_DESTINATION)")
	fs.StringVar(&c.XTAManagementURL, "xta-management-url", env("SOZ_XTA_MANAGEMENT_URL", ""), "XTA server's management port (env SOZ_XTA_MANAGEMENT_URL)")
	fs.StringVar(&c.XTASendURL, "xta-send-url", env("SOZ_XTA_SEND_URL", ""), "XTA server's send port; empty: no XTA (env SOZ_XTA_SEND_URL)")
	fs.StringVar(&c.XTAKeyFile, "xta-key", env("SOZ_XTA_KEY", ""), "PEM file with the client certificate and key for the XTA server (env SOZ_XTA_KEY)")
	fs.StringVar(&c.XTARoots, "xta-roots", env("SOZ_XTA_ROOTS", ""), "PEM file with the CAs of the XTA server's certificate; empty: the system's (env SOZ_XTA_ROOTS)")
	fs.StringVar(&c.XTAAuthor, "xta-author", env("SOZ_XTA_AUTHOR", ""), "our identifier as sender, category:value, e.g. dvdv:psw0000000000 (env SOZ_XTA_AUTHOR)")
	fs.StringVar(&c.XTADirectory, "xta-directory", env("SOZ_XTA_DIRECTORY", ""), "JSON file: office key and service → reader, endpoint, certificate (replaces the DVDV; env SOZ_XTA_DIRECTORY)")
	c.FITConnectClientSecret = os.Getenv("SOZ_FITCONNECT_CLIENT_SECRET")
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
	proxies, err := parseProxies(c.TrustedProxies)
	if err != nil {
		errs = append(errs, fmt.Errorf("--trusted-proxies: %w", err))
	}
	c.Proxies = proxies
	errs = append(errs, c.validateTransports()...)
	if c.Production() {
		if !c.FITConnect() && !c.XTA() {
			errs = append(errs, errors.New("production needs a delivery service for applications: FIT-Connect (--fitconnect-submission-url) or XTA (--xta-send-url)"))
		}
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

// validateTransports checks that a configured FIT-Connect or XTA has all
// it needs; the files are read when the platform starts.
func (c *Config) validateTransports() []error {
	var errs []error
	httpsURL := func(flag, u string, required bool) {
		if u == "" {
			if required {
				errs = append(errs, fmt.Errorf("--%s is needed", flag))
			}
			return
		}
		p, err := url.Parse(u)
		if err != nil || p.Host == "" || (p.Scheme != "https" && (c.Production() || p.Scheme != "http")) {
			errs = append(errs, fmt.Errorf("--%s %q is not an https URL", flag, u))
		}
	}
	if c.FITConnect() {
		httpsURL("fitconnect-submission-url", c.FITConnectSubmissionURL, true)
		httpsURL("fitconnect-token-url", c.FITConnectTokenURL, true)
		httpsURL("fitconnect-routing-url", c.FITConnectRoutingURL, false)
		httpsURL("fitconnect-routing-keys", c.FITConnectRoutingKeys, c.FITConnectRoutingURL != "")
		if c.FITConnectClientID == "" || c.FITConnectClientSecret == "" {
			errs = append(errs, errors.New("FIT-Connect needs --fitconnect-client-id and SOZ_FITCONNECT_CLIENT_SECRET"))
		}
		if c.FITConnectRoots == "" {
			errs = append(errs, errors.New("FIT-Connect needs --fitconnect-roots (the DOI-CA's root certificate in production)"))
		}
		if c.FITConnectAPI != "v1" && c.FITConnectAPI != "v2" {
			errs = append(errs, fmt.Errorf("--fitconnect-api must be v1 or v2, not %q", c.FITConnectAPI))
		}
	} else if c.FITConnectTokenURL != "" || c.FITConnectRoutingURL != "" || c.FITConnectClientID != "" || c.PostkorbDestination != "" {
		errs = append(errs, errors.New("FIT-Connect settings given without --fitconnect-submission-url"))
	}
	if c.XTA() {
		httpsURL("xta-send-url", c.XTASendURL, true)
		httpsURL("xta-management-url", c.XTAManagementURL, true)
		if c.XTAKeyFile == "" {
			errs = append(errs, errors.New("XTA needs --xta-key (client certificate and key for mutual TLS)"))
		}
		if c.XTADirectory == "" {
			errs = append(errs, errors.New("XTA needs --xta-directory (the table that replaces the DVDV)"))
		}
		if cat, val, ok := strings.Cut(c.XTAAuthor, ":"); !ok || cat == "" || val == "" {
			errs = append(errs, fmt.Errorf("--xta-author must be category:value, not %q", c.XTAAuthor))
		}
	}
	return errs
}

// parseProxies reads "10.0.0.0/8, 192.0.2.7": prefixes, and single
// addresses as prefixes of full length.
func parseProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("%q is not an address or prefix", f)
			}
			out = append(out, p.Masked())
			continue
		}
		ip, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not an address or prefix", f)
		}
		ip = ip.Unmap()
		out = append(out, netip.PrefixFrom(ip, ip.BitLen()))
	}
	return out, nil
}
